// Webhook listener fuzz, bounded: a fixed seed, a few hundred deliveries to the desk's own
// listener on 127.0.0.1. The desk is in webhook mode on a real relay, which handed it a real
// secret. Forged, stale, mutated and replayed deliveries (body bytes, signature, timestamp,
// event id and type headers, paths, methods) must all be refused with a JSON error and must
// never make the desk fetch a message from the relay or store anything. One genuine delivery
// at the end proves the detector: it does trigger the fetch.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { uuid4, webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { freePort, importOrg, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from '../services/helpers.ts';
import { seededRandom } from './helpers.ts';

const SEED = 0xfe_ed_b0_0c;
const rand = seededRandom(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)]!;
const te = new TextEncoder();

interface Delivery { path: string; method: string; headers: Record<string, string>; body: Uint8Array }

function same(a: Delivery, b: Delivery): boolean {
  const key = (d: Delivery): string => JSON.stringify([d.path, d.method, d.headers, Buffer.from(d.body).toString('hex')]);
  return key(a) === key(b);
}

function mutateText(s: string): string {
  const at = int(Math.max(s.length, 1));
  switch (int(5)) {
    case 0: return s.slice(0, at) + String.fromCharCode(32 + int(95)) + s.slice(at + 1);
    case 1: return s.slice(0, at) + s.slice(at + 1 + int(8));
    case 2: return s.slice(0, at) + pick(['"', '\\', '{', '}', ',', 'null', '0', '\u00e9', '%00', '..']) + s.slice(at);
    case 3: return s.slice(0, at);
    default: return s + s.slice(at);
  }
}

describe('webhook listener fuzz (seeded, bounded, 127.0.0.1 only)', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let desk: TestDesk;
  let orgId: OrgId;
  let listener: string;
  let secret = '';
  const messageFetches: string[] = [];
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('webhook-fuzz');
    desk = await openTestDesk(join(dirs.path, 'desk'), {
      // Node's fetch, noting the secret the relay hands out and every per-message fetch.
      fetch: async (input, init) => {
        if (/\/v1\/messages\/[^?]+/.test(input)) messageFetches.push(input);
        const res = await fetch(input, init);
        if (/\/v1\/webhook-endpoint$/.test(input) && res.ok) secret = ((await res.clone().json()) as { secret: string }).secret;
        return res;
      },
    });
    orgId = await importOrg(desk, relay.orgs[1]!.keysZipPath);
    const port = await freePort();
    await desk.call('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: `http://127.0.0.1:${port}` });
    listener = desk.desk.webhookListenerUrl()!;
    expect(secret).toMatch(/^whsec_/);
  }, 60_000);

  afterAll(async () => {
    await desk?.close();
    await relay?.close();
    dirs?.remove();
    console.info(`webhook fuzz (seed ${SEED.toString(16)}): answers by status ${JSON.stringify(Object.fromEntries(statuses))}`);
  });

  /** A delivery exactly as the relay would sign it. */
  function genuine(opts: { type?: string; ts?: number; messageId?: string } = {}): Delivery {
    const eventId = `evt_${uuid4().replaceAll('-', '')}`;
    const type = opts.type ?? 'message.received';
    const body = te.encode(JSON.stringify({ event_id: eventId, type, created_at: Math.floor(Date.now() / 1000), message_id: opts.messageId ?? uuid4() }));
    const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
    return {
      path: `/fxe-webhook/${encodeURIComponent(orgId)}`, method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-fxe-timestamp': ts, 'x-fxe-signature': webhookSignatureHeader({ secrets: [te.encode(secret)], timestamp: ts, body }), 'x-fxe-event-id': eventId, 'x-fxe-event-type': type },
    };
  }

  /** One random way to spoil a genuine delivery. */
  function spoil(d: Delivery): Delivery {
    const h = { ...d.headers };
    const bodyText = Buffer.from(d.body).toString('utf8');
    const now = Math.floor(Date.now() / 1000);
    switch (int(10)) {
      case 0: return { ...d, body: te.encode(mutateText(bodyText)) }; // body changed, old signature
      case 1: h['x-fxe-signature'] = mutateText(h['x-fxe-signature']!); return { ...d, headers: h };
      case 2: { // stale or future, correctly signed for that time
        const ts = String(now + pick([-301, -1000, -86_400, 301, 100_000]));
        return { ...d, headers: { ...h, 'x-fxe-timestamp': ts, 'x-fxe-signature': webhookSignatureHeader({ secrets: [te.encode(secret)], timestamp: ts, body: d.body }) } };
      }
      case 3: h['x-fxe-timestamp'] = String(now + 1 + int(200)); return { ...d, headers: h }; // fresh time, old signature
      case 4: { // signed with a wrong secret
        const wrong = te.encode(`whsec_${'x'.repeat(int(40))}`);
        return { ...d, headers: { ...h, 'x-fxe-signature': webhookSignatureHeader({ secrets: [wrong], timestamp: h['x-fxe-timestamp']!, body: d.body }) } };
      }
      case 5: h['x-fxe-event-id'] = `evt_${int(1e9)}`; return { ...d, headers: h }; // replay under a new event id
      case 6: h['x-fxe-event-type'] = pick(['message.delivered', 'Message.Received', 'x', 'message.received.x']); return { ...d, headers: h };
      case 7: delete h[pick(['x-fxe-timestamp', 'x-fxe-signature', 'x-fxe-event-id'])]; return { ...d, headers: h };
      case 8: return { ...d, path: pick(['/fxe-webhook/', '/fxe-webhook/%zz', `/fxe-webhook/${orgId}x`, '/fxe-webhook/../pstn/mintfax', '/pstn/telnyx', '/pstn/mintfax', '/', '/fxe-webhook/__proto__']) };
      default: return { ...d, method: pick(['GET', 'PUT', 'DELETE', 'PATCH']) };
    }
  }

  async function deliver(d: Delivery): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(listener + d.path, { method: d.method, headers: d.headers, ...(d.method === 'GET' ? {} : { body: new Uint8Array(d.body) }) });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  }

  it('refuses 300 forged, stale and mutated deliveries without fetching or storing anything', async () => {
    for (let i = 0; i < 300; i++) {
      const original = genuine({ type: pick(['message.received', 'message.delivered']) });
      const d = spoil(original);
      // A mutation that happened to change nothing (a character replaced by itself) is genuine.
      if (same(d, original)) continue;
      const a = await deliver(d);
      expect(a.status, `case ${i}: ${d.method} ${d.path} ${JSON.stringify(d.headers)}`).toBeGreaterThanOrEqual(400);
      expect(typeof a.json['error']).toBe('string');
    }
    // Oversized bodies and an exact replay of a refused one.
    const big = genuine();
    expect((await deliver({ ...big, body: new Uint8Array(2 * 1024 * 1024) })).status).toBe(413);
    // The listener is still up and nothing reached the relay or the inbox.
    await new Promise((r) => setTimeout(r, 200)); // let any wrongly started work show itself
    expect(messageFetches).toEqual([]);
    expect((await desk.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);
  }, 120_000);

  it('acknowledges an exact replay of a genuine delivery once, and does the work once', async () => {
    const messageId = uuid4();
    const d = genuine({ messageId });
    const first = await deliver(d);
    expect(first).toMatchObject({ status: 200, json: { ok: true, duplicate: false } });
    // The detector works: the genuine event made the desk ask the relay for that message.
    await waitFor('the desk to fetch the announced message', () => messageFetches.some((u) => u.includes(messageId)));
    const again = await deliver(d);
    expect(again).toMatchObject({ status: 200, json: { ok: true, duplicate: true } });
    // The same signed body under a new event id or another type is refused, not re-run.
    expect((await deliver({ ...d, headers: { ...d.headers, 'x-fxe-event-id': 'evt_other' } })).status).toBe(400);
    expect((await deliver({ ...d, headers: { ...d.headers, 'x-fxe-event-type': 'message.delivered' } })).status).toBe(400);
    const fetchesForIt = messageFetches.filter((u) => u.includes(messageId));
    await new Promise((r) => setTimeout(r, 200));
    expect(messageFetches.filter((u) => u.includes(messageId))).toEqual(fetchesForIt);
    expect((await desk.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);
  }, 60_000);
});
