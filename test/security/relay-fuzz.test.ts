// Relay fuzz, bounded: a fixed seed, a few hundred cases, one relay on 127.0.0.1. Random
// mutations of FXE1 Authorization headers, of the multipart upload body, of the envelope JSON
// and of delivery receipts. Mutated bodies are signed correctly (so they get past auth and
// exercise the parsers and the envelope/receipt checks, not just the signature check). Every
// answer must be a JSON error with a stable code; the relay must stay up; no mutated message
// may become visible to the recipient and no forged receipt may mark the fax delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { UPLOAD_PATH } from '../../shared/fxe-api/index.ts';
import { signReceipt, signRequest } from '../../shared/protocol/index.ts';
import type { RelayHandle } from '../../electron/relay/index.ts';
import { call, makeOrg, removeDir, seal, seedMultipart, startTestRelay, type Sealed, type TestOrg } from '../relay/helpers.ts';
import { seededRandom } from './helpers.ts';

const SEED = 0x5eC0_2026;
const rand = seededRandom(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)]!;

/** One random byte-level mutation: flip, delete, duplicate, insert junk or truncate. */
function mutateBytes(input: Uint8Array): Uint8Array {
  const b = Buffer.from(input);
  const at = int(Math.max(b.length, 1));
  const span = 1 + int(Math.min(16, Math.max(b.length - at, 1)));
  switch (int(6)) {
    case 0: { const c = Buffer.from(b); c[at] = (c[at] ?? 0) ^ (1 + int(255)); return c; }
    case 1: return Buffer.concat([b.subarray(0, at), b.subarray(at + span)]);
    case 2: return Buffer.concat([b.subarray(0, at + span), b.subarray(at, at + span), b.subarray(at + span)]);
    case 3: return Buffer.concat([b.subarray(0, at), Buffer.from(pick(['"', '\\', '\u0000', '{', '}', '%', '\r\n', '--', '\uFFFD', 'null', '1e999'])), b.subarray(at)]);
    case 4: return b.subarray(0, at);
    default: return Buffer.concat([b.subarray(0, at), randomBytesFromSeed(span), b.subarray(at)]);
  }
}

function randomBytesFromSeed(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => int(256)));
}

/** A printable-ASCII mutation of a header value (HTTP clients refuse control characters). */
function mutateHeader(header: string): string {
  const mutated = Buffer.from(mutateBytes(new TextEncoder().encode(header))).toString('latin1');
  return mutated.replace(/[^\x20-\x7e]/g, '?');
}

const BAD_JSON_VALUES: unknown[] = [null, true, -1, 0, 1e308, 2 ** 53 + 1, '', 'x'.repeat(5000), [], {}, { __proto__: { polluted: 1 } }, '../../etc/passwd', '+1', 'NaN'];

/** A structural mutation of a JSON object's text: a field removed, retyped, or an extra one added. */
function mutateJsonText(text: string): string {
  const obj = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(obj);
  switch (int(4)) {
    case 0: { delete obj[pick(keys)]; return JSON.stringify(obj); }
    case 1: return JSON.stringify({ ...obj, [pick(keys)]: pick(BAD_JSON_VALUES) });
    case 2: return `{"__proto__": {"polluted": true}, ${JSON.stringify(obj).slice(1)}`;
    default: return Buffer.from(mutateBytes(new TextEncoder().encode(text))).toString('utf8');
  }
}

interface Answer { status: number; json: Record<string, unknown> }

/** The relay's answer to a refused request: a JSON body with a stable code and a sentence. */
function expectJsonError(a: Answer, where: string): void {
  expect(a.status, where).toBeGreaterThanOrEqual(400);
  expect(a.status, where).toBeLessThan(500);
  expect(a.json['error'], where).toMatch(/^[a-z][a-z_]*$/);
  expect(typeof a.json['message'], where).toBe('string');
}

describe('relay fuzz (seeded, bounded, 127.0.0.1 only)', () => {
  let relay: RelayHandle;
  let dataDir: string;
  let sender: TestOrg;
  let recipient: TestOrg;
  let genuine: Sealed;
  const codes = new Map<string, number>();
  const note = (a: Answer): void => { const c = String(a.json['error'] ?? a.status); codes.set(c, (codes.get(c) ?? 0) + 1); };

  beforeAll(async () => {
    ({ relay, dataDir } = await startTestRelay());
    sender = await makeOrg(relay.url, 'Fuzz Sender');
    recipient = await makeOrg(relay.url, 'Fuzz Recipient');
    genuine = await seal(relay.url, sender, recipient, { plaintext: new TextEncoder().encode('%PDF-1.4 genuine fax') });
  }, 30_000);

  afterAll(async () => {
    await relay?.close();
    if (dataDir) removeDir(dataDir);
    console.info(`relay fuzz (seed ${SEED.toString(16)}): answers by code ${JSON.stringify(Object.fromEntries(codes))}`);
  });

  async function stillUp(): Promise<void> {
    const res = await fetch(`${relay.url}/v1/health`);
    expect(res.status).toBe(200);
  }

  /** The recipient's pending list: only the genuine message may ever be in it. */
  async function visibleToRecipient(): Promise<string[]> {
    const res = await call(relay.url, recipient, 'GET', '/v1/messages?status=pending');
    expect(res.status).toBe(200);
    return (res.json['messages'] as { message_id: string }[]).map((m) => m.message_id);
  }

  it('refuses 120 mutated FXE1 Authorization headers', async () => {
    const target = '/v1/messages?status=pending';
    let refused = 0;
    for (let i = 0; i < 120; i++) {
      const valid = signRequest({ method: 'GET', path: target, body: new Uint8Array(0), keyId: recipient.keyId, signingSeed: recipient.keys.signingSeed, nowSeconds: Math.floor(Date.now() / 1000) });
      const forged = mutateHeader(valid);
      if (forged === valid) continue;
      const a = await call(relay.url, recipient, 'GET', target, { authorization: forged });
      note(a);
      if (a.status === 200) {
        // Only a header that still carries the untouched signature and nonce may pass.
        const field = (h: string, k: string): string | undefined => new RegExp(`${k}=([^,]*)`).exec(h)?.[1];
        expect(field(forged, 'sig'), forged).toBe(field(valid, 'sig'));
        expect(field(forged, 'nonce'), forged).toBe(field(valid, 'nonce'));
        continue;
      }
      expectJsonError(a, forged);
      refused++;
    }
    expect(refused).toBeGreaterThan(100);
    await stillUp();
  }, 60_000);

  it('refuses 120 mutated multipart uploads (correctly signed); only the genuine message id ever becomes visible', async () => {
    const { body, contentType } = seedMultipart(genuine.envelopeText, genuine.ciphertext);
    let accepted = 0;
    for (let i = 0; i < 120; i++) {
      const mutated = mutateBytes(body);
      const ct = int(8) === 0 ? mutateHeader(contentType) : contentType;
      const a = await call(relay.url, sender, 'POST', UPLOAD_PATH, { body: mutated, contentType: ct });
      note(a);
      if (a.status === 201) { accepted++; continue; } // a harmless mutation (e.g. in a part header): checked below
      expectJsonError(a, `case ${i}`);
    }
    expect(accepted).toBeLessThan(20);
    await stillUp();
    expect((await visibleToRecipient()).filter((id) => id !== genuine.envelope.message_id)).toEqual([]);
  }, 60_000);

  it('refuses 100 mutated envelopes (correctly signed requests) and shows nothing mutated', async () => {
    for (let i = 0; i < 100; i++) {
      const fresh = await seal(relay.url, sender, recipient, { plaintext: new TextEncoder().encode(`%PDF-1.4 fax ${i}`) });
      const envelopeText = mutateJsonText(fresh.envelopeText);
      const { body, contentType } = seedMultipart(envelopeText, fresh.ciphertext);
      const a = await call(relay.url, sender, 'POST', UPLOAD_PATH, { body, contentType });
      note(a);
      if (a.status === 201) {
        // Accepted only if the relay saw the very envelope the sender signed (e.g. an
        // ignored extra field): then what the recipient gets still verifies end to end.
        const got = await call(relay.url, recipient, 'GET', `/v1/messages/${fresh.envelope.message_id}`);
        expect(got.status).toBe(200);
        const envelope = got.json['envelope'] as Record<string, unknown>;
        expect(envelope['sender_sig']).toBe(fresh.envelope.sender_sig);
        expect(envelope['ciphertext_sha256']).toBe(createHash('sha256').update(fresh.ciphertext).digest('hex'));
        continue;
      }
      expectJsonError(a, envelopeText.slice(0, 200));
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await stillUp();
  }, 120_000);

  it('refuses 80 mutated receipts: the fax is not marked delivered', async () => {
    // The genuine fax goes up (or is already there from a harmless mutation above).
    const up = await call(relay.url, sender, 'POST', UPLOAD_PATH, seedMultipartArgs(genuine));
    expect([201, 409]).toContain(up.status);
    const good = signReceipt({
      messageId: genuine.envelope.message_id, ciphertextSha256: genuine.envelope.ciphertext_sha256, recipientOrgId: recipient.orgId,
      recipientBundleId: recipient.bundleId, bundleSeed: recipient.keys.bundleSeed, signedAt: Math.floor(Date.now() / 1000),
    });
    const goodText = JSON.stringify(good);
    const target = `/v1/messages/${genuine.envelope.message_id}/receipt`;
    let acceptedGenuine = 0;
    for (let i = 0; i < 80; i++) {
      const text = i % 10 === 0
        ? JSON.stringify(signReceipt({ messageId: genuine.envelope.message_id, ciphertextSha256: genuine.envelope.ciphertext_sha256, recipientOrgId: recipient.orgId, recipientBundleId: recipient.bundleId, bundleSeed: randomBytes(32), signedAt: Math.floor(Date.now() / 1000) }))
        : mutateJsonText(goodText);
      // Half from the recipient (the right org, a wrong receipt), half from the sender (the wrong org).
      const a = await call(relay.url, i % 2 === 0 ? recipient : sender, 'POST', target, { body: text });
      note(a);
      if (a.status === 200) {
        // Only a receipt with the genuine signature may count (e.g. an ignored extra field).
        expect((JSON.parse(text) as { recipient_sig?: unknown }).recipient_sig).toBe(good.recipient_sig);
        acceptedGenuine++;
        continue;
      }
      expectJsonError(a, text.slice(0, 200));
    }
    await stillUp();
    const status = await call(relay.url, sender, 'GET', `/v1/messages/${genuine.envelope.message_id}/status`);
    expect(status.status).toBe(200);
    if (acceptedGenuine === 0) {
      expect(status.json['status']).not.toBe('delivered');
      expect(await visibleToRecipient()).toContain(genuine.envelope.message_id);
    }
    // The genuine receipt works (again: the relay answers an identical repeat with 200), and
    // whatever marked the fax delivered carries the recipient's genuine signature.
    expect((await call(relay.url, recipient, 'POST', target, { body: goodText })).status).toBe(200);
    const after = await call(relay.url, sender, 'GET', `/v1/messages/${genuine.envelope.message_id}/status`);
    expect(after.json['status']).toBe('delivered');
    expect((after.json['receipt'] as { recipient_sig?: unknown }).recipient_sig).toBe(good.recipient_sig);
  }, 60_000);

  it('survives a cut-off upload whose part it only drains (regression: this crashed the relay)', async () => {
    // busboy destroys the drained part's stream with "Unexpected end of file"; with no
    // listener on that stream the error was uncaught and took the relay process down.
    for (const name of ['bogus', 'envelope', 'ciphertext']) {
      const boundary = 'xfuzzx';
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="ciphertext"; filename="a"\r\n\r\nAAAA\r\n`;
      const second = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="b"\r\n\r\npartial bytes, no closing boundary`;
      const a = await call(relay.url, sender, 'POST', UPLOAD_PATH, { body: head + second, contentType: `multipart/form-data; boundary=${boundary}` });
      expectJsonError(a, name);
      expect(a.json['error']).toBe('malformed_multipart');
      await stillUp();
    }
  });

  it('answers junk on every route with JSON errors and stays up', async () => {
    const targets = ['/', '/v1', '/v1/%zz', '/v1/messages/%E0%A4%A', '/v1/messages/../../etc/passwd', `/v1/messages/${'a'.repeat(5000)}`,
      '/v1/lookup?fax_number=%', '/v1/messages?status=pending&limit=99999', '/v1/key-bundles/%00', '/v1/redeem', '/v1/webhook-endpoint'];
    for (const target of targets) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const a = await call(relay.url, sender, method, target, method === 'GET' ? {} : { body: mutateBytes(new TextEncoder().encode('{"a":1}')) });
        note(a);
        if (a.status < 400) continue; // a route that answers a signed caller normally (e.g. GET /v1/webhook-endpoint)
        expectJsonError(a, `${method} ${target}`);
      }
    }
    await stillUp();
  }, 60_000);
});

function seedMultipartArgs(s: Sealed): { body: Uint8Array; contentType: string } {
  return seedMultipart(s.envelopeText, s.ciphertext);
}
