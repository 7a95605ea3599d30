// Webhook deliveries from the local relay to a real receiver on 127.0.0.1 that fails its
// first attempts: retries with a stable event id and body, signatures per the seed, secret
// rotation with both signatures (old first), and a queue that survives a restart.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hmacSha256, hexEncode, signReceipt, verifyWebhookSignature } from '../../shared/protocol/index.ts';
import {
  receiptPath,
  WEBHOOK_ENDPOINT_PATH,
  WEBHOOK_ROTATE_PATH,
  type MessageDeliveredEvent,
  type MessageReceivedEvent,
  type WebhookSecretResponse,
} from '../../shared/fxe-api/index.ts';
import type { RelayHandle } from '../../electron/relay/index.ts';
import { call, makeOrg, removeDir, seal, startTestRelay, TestClock, upload, useClock, type TestOrg } from './helpers.ts';

interface Delivery {
  headers: IncomingMessage['headers'];
  body: Buffer;
  answered: number;
}

/** A webhook receiver that answers 500 to the first `failFirst` attempts of each event id. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  failFirst = 0;
  private readonly attempts = new Map<string, number>();
  private server!: Server;
  url = '';
  private waiters: (() => void)[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['x-fxe-event-id']);
        const n = (this.attempts.get(id) ?? 0) + 1;
        this.attempts.set(id, n);
        const status = n <= this.failFirst ? 500 : 200;
        this.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks), answered: status });
        res.writeHead(status).end(status === 200 ? '{"ok":true}' : 'not yet');
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/fxe-webhook`;
  }

  /** Resolves once `predicate` holds (checked after every delivery); the suite timeout bounds it. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((r) => this.waiters.push(r));
  }

  succeeded(eventType: string): Delivery[] {
    return this.deliveries.filter((d) => d.answered === 200 && d.headers['x-fxe-event-type'] === eventType);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const v1 = (secret: string, d: Delivery): string =>
  `v1=${hexEncode(hmacSha256(enc(secret), new Uint8Array(Buffer.concat([Buffer.from(`${String(d.headers['x-fxe-timestamp'])}.`), d.body]))))}`;

/** The seed receiver's own check: the last v1 wins (dict of split pairs), HMAC over ts "." body. */
function seedReceiverAccepts(secret: string, d: Delivery): boolean {
  const parts = Object.fromEntries(String(d.headers['x-fxe-signature']).split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  return v1(secret, d) === `v1=${parts['v1']}`;
}

let relay: RelayHandle;
let dataDir: string;
const clock = new TestClock();
useClock(clock);
const receiver = new Receiver();
let alice: TestOrg;
let bob: TestOrg;
let bobSecret: string;

beforeAll(async () => {
  await receiver.start();
  ({ relay, dataDir } = await startTestRelay({ nowSeconds: clock.now, webhookRetryDelaysMs: [50, 100, 150, 200] }));
  alice = await makeOrg(relay.url, 'Alice Clinic');
  bob = await makeOrg(relay.url, 'Bob Pharmacy');
  const registered = await call(relay.url, bob, 'PUT', WEBHOOK_ENDPOINT_PATH, { body: JSON.stringify({ url: receiver.url }) });
  expect(registered.status).toBe(201);
  bobSecret = (registered.json as unknown as WebhookSecretResponse).secret;
  expect(bobSecret).toMatch(/^whsec_/);
});

afterAll(async () => {
  await relay.close();
  await receiver.stop();
  removeDir(dataDir);
});

afterEach(() => {
  receiver.failFirst = 0;
});

describe('webhook deliveries', () => {
  it('never shows the secret again', async () => {
    const view = await call(relay.url, bob, 'GET', WEBHOOK_ENDPOINT_PATH);
    expect(view.json['url']).toBe(receiver.url);
    expect(JSON.stringify(view.json)).not.toContain(bobSecret);
  });

  it('retries message.received until it succeeds, with the same event id and body', async () => {
    receiver.failFirst = 2;
    const sealed = await seal(relay.url, alice, bob);
    expect((await upload(relay.url, alice, sealed)).status).toBe(201);
    const id = sealed.envelope.message_id;
    const forThis = () => receiver.deliveries.filter((d) => JSON.parse(d.body.toString()).message_id === id);
    await receiver.until(() => forThis().some((d) => d.answered === 200));
    const attempts = forThis();
    expect(attempts.map((d) => d.answered)).toEqual([500, 500, 200]);
    expect(new Set(attempts.map((d) => d.headers['x-fxe-event-id'])).size).toBe(1);
    expect(new Set(attempts.map((d) => d.body.toString())).size).toBe(1);
    const event = JSON.parse(attempts[2]!.body.toString()) as MessageReceivedEvent;
    expect(event).toMatchObject({ type: 'message.received', message_id: id, sender_org_id: alice.orgId, to_number: bob.faxNumbers[0] });
    expect(event.event_id).toBe(attempts[2]!.headers['x-fxe-event-id']);
    for (const d of attempts) {
      expect(d.headers['x-fxe-event-type']).toBe('message.received');
      expect(d.headers['content-type']).toBe('application/json');
      verifyWebhookSignature({
        signatureHeader: d.headers['x-fxe-signature'] as string,
        timestampHeader: d.headers['x-fxe-timestamp'] as string,
        body: new Uint8Array(d.body),
        secrets: [enc(bobSecret)],
        nowSeconds: clock.now(),
      });
      expect(seedReceiverAccepts(bobSecret, d)).toBe(true);
    }
  });

  it('signs with both secrets during a rotation (old first), across retries, then only the new one', async () => {
    receiver.failFirst = 1;
    const sealed = await seal(relay.url, alice, bob);
    const id = sealed.envelope.message_id;
    const forThis = () => receiver.deliveries.filter((d) => JSON.parse(d.body.toString()).message_id === id);
    // Rotate between the failed first attempt and its retry.
    const oldSecret = bobSecret;
    expect((await upload(relay.url, alice, sealed)).status).toBe(201);
    await receiver.until(() => forThis().length >= 1);
    const before = clock.now();
    const rotated = (await call(relay.url, bob, 'POST', WEBHOOK_ROTATE_PATH)).json as unknown as WebhookSecretResponse;
    // 300 s from the relay's "now", which may be a second past ours if the call crossed one.
    expect(rotated.previous_secret_valid_until).toBeGreaterThanOrEqual(before + 300);
    expect(rotated.previous_secret_valid_until).toBeLessThanOrEqual(clock.now() + 300);
    const newSecret = rotated.secret;
    await receiver.until(() => forThis().some((d) => d.answered === 200));
    const [first, retry] = forThis();
    expect(first!.headers['x-fxe-signature']).toBe(v1(oldSecret, first!));
    expect(retry!.headers['x-fxe-signature']).toBe(`${v1(oldSecret, retry!)},${v1(newSecret, retry!)}`);
    expect(retry!.headers['x-fxe-event-id']).toBe(first!.headers['x-fxe-event-id']);
    expect(seedReceiverAccepts(newSecret, retry!)).toBe(true); // the seed keeps the last v1

    // After the 5-minute overlap only the new secret signs.
    clock.offset += 301;
    try {
      const later = await seal(relay.url, alice, bob);
      expect((await upload(relay.url, alice, later)).status).toBe(201);
      const id2 = later.envelope.message_id;
      await receiver.until(() => receiver.deliveries.some((d) => JSON.parse(d.body.toString()).message_id === id2));
      const d = receiver.deliveries.find((x) => JSON.parse(x.body.toString()).message_id === id2)!;
      expect(d.headers['x-fxe-signature']).toBe(v1(newSecret, d));
      expect(() =>
        verifyWebhookSignature({ signatureHeader: d.headers['x-fxe-signature'] as string, timestampHeader: d.headers['x-fxe-timestamp'] as string, body: new Uint8Array(d.body), secrets: [enc(oldSecret)], nowSeconds: clock.now() }),
      ).toThrow();
    } finally {
      clock.offset -= 301;
    }
    bobSecret = newSecret;
  });

  it('tells the sender message.delivered with the signed receipt', async () => {
    const aliceHook = await call(relay.url, alice, 'PUT', WEBHOOK_ENDPOINT_PATH, { body: JSON.stringify({ url: receiver.url }) });
    const aliceSecret = (aliceHook.json as unknown as WebhookSecretResponse).secret;
    const sealed = await seal(relay.url, alice, bob);
    const id = sealed.envelope.message_id;
    expect((await upload(relay.url, alice, sealed)).status).toBe(201);
    const receipt = signReceipt({ messageId: id, ciphertextSha256: sealed.envelope.ciphertext_sha256, recipientOrgId: bob.orgId, recipientBundleId: bob.bundleId, bundleSeed: bob.keys.bundleSeed, signedAt: clock.now() });
    expect((await call(relay.url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receipt) })).status).toBe(200);
    const isDelivered = (d: Delivery) => d.headers['x-fxe-event-type'] === 'message.delivered' && JSON.parse(d.body.toString()).message_id === id;
    await receiver.until(() => receiver.deliveries.some(isDelivered));
    const d = receiver.deliveries.find(isDelivered)!;
    expect(seedReceiverAccepts(aliceSecret, d)).toBe(true);
    const event = JSON.parse(d.body.toString()) as MessageDeliveredEvent;
    expect(event).toMatchObject({ type: 'message.delivered', message_id: id, recipient_org_id: bob.orgId });
    expect(event.receipt).toEqual(receipt);
    expect((await call(relay.url, alice, 'DELETE', WEBHOOK_ENDPOINT_PATH)).status).toBe(204);
  });

  it('keeps undelivered events across a restart and delivers them with the same id', async () => {
    // The first relay fails once and schedules the retry 2 s later; it is closed right after
    // the failed attempt, so only the restarted relay (reading the queue from disk) can deliver it.
    await relay.close();
    ({ relay } = await startTestRelay({ dataDir, nowSeconds: clock.now, webhookRetryDelaysMs: [2_000] }));
    receiver.failFirst = 1;
    const sealed = await seal(relay.url, alice, bob);
    const id = sealed.envelope.message_id;
    const forThis = () => receiver.deliveries.filter((d) => JSON.parse(d.body.toString()).message_id === id);
    expect((await upload(relay.url, alice, sealed)).status).toBe(201);
    await receiver.until(() => forThis().length === 1);
    await relay.close();
    ({ relay } = await startTestRelay({ dataDir, nowSeconds: clock.now, webhookRetryDelaysMs: [50] }));
    await receiver.until(() => forThis().some((d) => d.answered === 200));
    const attempts = forThis();
    expect(attempts.map((d) => d.answered)).toEqual([500, 200]);
    expect(attempts[1]!.headers['x-fxe-event-id']).toBe(attempts[0]!.headers['x-fxe-event-id']);
    expect(attempts[1]!.body.equals(attempts[0]!.body)).toBe(true);
  });
});
