/**
 * Telnyx webhook verification, both schemes. The HMAC scheme is pinned to the worked example
 * of seed 002 (secret, t, body and h exactly as the seed gives them); the Ed25519 scheme is
 * signed here with @noble/curves, independently of the node:crypto verifier under test.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPstnProvider,
  FileKeyValueStore,
  isPstnError,
  WebhookDeduper,
  type PstnErrorReason,
  type TelnyxConfig,
  type WebhookHeaders,
} from '../../electron/services/pstn/provider.ts';
import { verifyTelnyxHmac } from '../../electron/services/pstn/telnyx-webhooks.ts';
import { handlePstnWebhook } from '../../electron/services/pstn/webhook-http.ts';

// Seed 002, reconstructed byte for byte: 6 newlines, two-space indents, no trailing newline.
const SEED_SECRET = 'rq789onm321yxzkjihfEdcAm';
const SEED_T = 1520983646;
const SEED_BODY =
  '{\n' +
  '  "sms_id":"834f3d53-8a3c-4aa0-a733-7f2d682a72df",\n' +
  '  "direction": "inbound",\n' +
  '  "from": "+13129450002",\n' +
  '  "to": "+13125550001",\n' +
  '  "body": "Hello!"\n' +
  '}';
const SEED_H = 'WlEXoEsHH2RMgy2x8eyvg10JlMBco0s51fdNpMORF00=';
const seedHeaders = (): WebhookHeaders => ({ 'x-telnyx-signature': `t=${SEED_T},h=${SEED_H}` });

const noFetch = (): Promise<Response> => Promise.reject(new Error('no HTTP in webhook tests'));

function telnyx(config: Partial<TelnyxConfig>, nowSeconds: number, deduper?: WebhookDeduper) {
  return createPstnProvider(
    { provider: 'telnyx', apiKey: 'KEY_unused', connectionId: 'c', ...config },
    { fetch: noFetch, nowSeconds: () => nowSeconds, ...(deduper ? { deduper } : {}) },
  );
}

function reasonOf(fn: () => unknown): PstnErrorReason | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (isPstnError(e)) return e.reason;
    throw e;
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Telnyx HMAC scheme (seed 002)', () => {
  it('the reconstructed body is the seed body (SHA-256 begins db63cfb06, 6 newlines, no trailing newline)', () => {
    expect(createHash('sha256').update(SEED_BODY).digest('hex').startsWith('db63cfb06')).toBe(true);
    expect(SEED_BODY.split('\n').length - 1).toBe(6);
    expect(SEED_BODY.endsWith('}')).toBe(true);
  });

  it('the seed signature decodes to 32 bytes beginning Z, Q, \\x17 and ending M, as the seed says', () => {
    const sig = Buffer.from(SEED_H, 'base64');
    expect(sig.length).toBe(32);
    expect([sig[0], sig[1], sig[2], sig[31]]).toEqual([0x5a, 0x51, 0x17, 0x4d]);
  });

  it('verifies the worked example with the clock at the seed time', () => {
    const event = telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T).verifyWebhook(seedHeaders(), enc(SEED_BODY));
    expect(event.scheme).toBe('telnyx-hmac');
    expect(event.signedAt).toBe(SEED_T);
    expect(event.providerFaxId).toBeNull(); // a messaging body, not a fax event
    expect(event.payload).toMatchObject({ sms_id: '834f3d53-8a3c-4aa0-a733-7f2d682a72df' });
    expect(verifyTelnyxHmac(seedHeaders(), enc(SEED_BODY), SEED_SECRET, SEED_T).signedAt).toBe(SEED_T);
  });

  it('refuses the example with any single byte of the body changed', () => {
    const provider = telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T);
    const body = enc(SEED_BODY);
    for (let i = 0; i < body.length; i++) {
      const changed = Uint8Array.from(body);
      changed[i] = (changed[i] ?? 0) ^ 0x01;
      expect(reasonOf(() => provider.verifyWebhook(seedHeaders(), changed)), `byte ${i}`).toBe('webhook_bad_signature');
    }
  });

  it('refuses a changed signature, a changed t, and the wrong secret', () => {
    const provider = telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T);
    const body = enc(SEED_BODY);
    const flippedH = Buffer.from(SEED_H, 'base64');
    flippedH[5] = (flippedH[5] ?? 0) ^ 0x80;
    expect(reasonOf(() => provider.verifyWebhook({ 'x-telnyx-signature': `t=${SEED_T},h=${flippedH.toString('base64')}` }, body))).toBe('webhook_bad_signature');
    expect(reasonOf(() => provider.verifyWebhook({ 'x-telnyx-signature': `t=${SEED_T + 1},h=${SEED_H}` }, body))).toBe('webhook_bad_signature');
    expect(reasonOf(() => telnyx({ webhookHmacSecret: 'rq789onm321yxzkjihfEdcAn' }, SEED_T).verifyWebhook(seedHeaders(), body))).toBe('webhook_bad_signature');
  });

  it('accepts ±30 s around t by default and refuses beyond, both directions', () => {
    const body = enc(SEED_BODY);
    const at = (now: number, tolerance?: number) =>
      reasonOf(() => telnyx({ webhookHmacSecret: SEED_SECRET, ...(tolerance === undefined ? {} : { hmacToleranceSeconds: tolerance }) }, now).verifyWebhook(seedHeaders(), body));
    expect(at(SEED_T + 30)).toBe('no error');
    expect(at(SEED_T - 30)).toBe('no error');
    expect(at(SEED_T + 31)).toBe('webhook_stale');
    expect(at(SEED_T - 31)).toBe('webhook_stale');
    // Configurable tolerance.
    expect(at(SEED_T + 45, 60)).toBe('no error');
    expect(at(SEED_T + 45, 10)).toBe('webhook_stale');
  });

  it('accepts the header fields in either order and with a space after the comma', () => {
    const provider = telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T);
    expect(provider.verifyWebhook({ 'X-Telnyx-Signature': `h=${SEED_H}, t=${SEED_T}` }, enc(SEED_BODY)).signedAt).toBe(SEED_T);
  });

  it.each<[string, WebhookHeaders]>([
    ['no signature header at all', {}],
    ['t is not a number', { 'x-telnyx-signature': `t=abc,h=${SEED_H}` }],
    ['t missing', { 'x-telnyx-signature': `h=${SEED_H}` }],
    ['h missing', { 'x-telnyx-signature': `t=${SEED_T}` }],
    ['h not base64', { 'x-telnyx-signature': `t=${SEED_T},h=not*base64!` }],
    ['h not 32 bytes', { 'x-telnyx-signature': `t=${SEED_T},h=${Buffer.alloc(31).toString('base64')}` }],
    ['t given twice', { 'x-telnyx-signature': `t=${SEED_T},t=${SEED_T},h=${SEED_H}` }],
    ['the header sent twice', { 'x-telnyx-signature': [`t=${SEED_T},h=${SEED_H}`, `t=${SEED_T},h=${SEED_H}`] }],
    ['empty header', { 'x-telnyx-signature': '' }],
  ])('refuses malformed headers: %s', (_label, headers) => {
    expect(reasonOf(() => telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T).verifyWebhook(headers, enc(SEED_BODY)))).toBe('webhook_malformed');
  });

  it('refuses an HMAC-signed webhook when no HMAC secret is configured', () => {
    expect(reasonOf(() => telnyx({}, SEED_T).verifyWebhook(seedHeaders(), enc(SEED_BODY)))).toBe('webhook_bad_signature');
  });
});

describe('Telnyx Ed25519 scheme', () => {
  const { secretKey, publicKey } = ed25519.keygen();
  const publicKeyB64 = Buffer.from(publicKey).toString('base64');
  const now = 1_760_000_000;
  const faxEvent = JSON.stringify({
    data: {
      event_type: 'fax.failed',
      id: 'd906ecda-db21-428e-9ca0-74dae7e7c144',
      occurred_at: '2026-01-07T10:01:43.677850Z',
      record_type: 'event',
      payload: { fax_id: 'c62be5bc-9b13-4b6c-abda-34dd8b541287', status: 'failed', failure_reason: 'user_busy', to: '+13129457420' },
    },
  });
  const signed = (body: string, ts: number, key: Uint8Array = secretKey): WebhookHeaders => ({
    'telnyx-signature-ed25519': Buffer.from(ed25519.sign(enc(`${ts}|${body}`), key)).toString('base64'),
    'telnyx-timestamp': String(ts),
  });

  it('verifies a signed fax.failed event and reads the fax id and failure reason', () => {
    const event = telnyx({ webhookPublicKey: publicKeyB64 }, now).verifyWebhook(signed(faxEvent, now), enc(faxEvent));
    expect(event).toMatchObject({ scheme: 'telnyx-ed25519', type: 'fax.failed', eventId: 'd906ecda-db21-428e-9ca0-74dae7e7c144', providerFaxId: 'c62be5bc-9b13-4b6c-abda-34dd8b541287' });
    expect(event.status).toMatchObject({ state: 'failed', failureCode: 'busy', providerFailureCode: 'user_busy' });
  });

  it('refuses a changed byte, a changed timestamp, and another key', () => {
    const provider = telnyx({ webhookPublicKey: publicKeyB64 }, now);
    const changed = enc(faxEvent);
    changed[10] = (changed[10] ?? 0) ^ 0x20;
    expect(reasonOf(() => provider.verifyWebhook(signed(faxEvent, now), changed))).toBe('webhook_bad_signature');
    expect(reasonOf(() => provider.verifyWebhook({ ...signed(faxEvent, now), 'telnyx-timestamp': String(now + 1) }, enc(faxEvent)))).toBe('webhook_bad_signature');
    expect(reasonOf(() => provider.verifyWebhook(signed(faxEvent, now, ed25519.utils.randomSecretKey()), enc(faxEvent)))).toBe('webhook_bad_signature');
  });

  it('refuses stale and future timestamps beyond the tolerance (default 300 s, configurable)', () => {
    const at = (clock: number, tolerance?: number) =>
      reasonOf(() =>
        telnyx({ webhookPublicKey: publicKeyB64, ...(tolerance === undefined ? {} : { ed25519ToleranceSeconds: tolerance }) }, clock).verifyWebhook(signed(faxEvent, now), enc(faxEvent)),
      );
    expect(at(now + 300)).toBe('no error');
    expect(at(now + 301)).toBe('webhook_stale');
    expect(at(now - 301)).toBe('webhook_stale');
    expect(at(now + 40, 30)).toBe('webhook_stale');
  });

  it.each<[string, (h: WebhookHeaders) => WebhookHeaders]>([
    ['no timestamp', (h) => ({ 'telnyx-signature-ed25519': h['telnyx-signature-ed25519'] })],
    ['timestamp not digits', (h) => ({ ...h, 'telnyx-timestamp': '17e8' })],
    ['signature not base64', (h) => ({ ...h, 'telnyx-signature-ed25519': '%%%%' })],
    ['signature 63 bytes', (h) => ({ ...h, 'telnyx-signature-ed25519': Buffer.alloc(63).toString('base64') })],
  ])('refuses malformed headers: %s', (_label, mangle) => {
    expect(reasonOf(() => telnyx({ webhookPublicKey: publicKeyB64 }, now).verifyWebhook(mangle(signed(faxEvent, now)), enc(faxEvent)))).toBe('webhook_malformed');
  });

  it('refuses to start with a public key that is not 32 bytes of base64', () => {
    expect(reasonOf(() => telnyx({ webhookPublicKey: Buffer.alloc(31).toString('base64') }, now))).toBe('not_configured');
    expect(reasonOf(() => telnyx({ webhookPublicKey: 'not a key' }, now))).toBe('not_configured');
  });

  it('refuses an Ed25519-signed webhook when no public key is configured', () => {
    expect(reasonOf(() => telnyx({ webhookHmacSecret: SEED_SECRET }, now).verifyWebhook(signed(faxEvent, now), enc(faxEvent)))).toBe('webhook_bad_signature');
  });

  describe('duplicates, remembered in a file that survives a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pstn-dedupe-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('accepts an event id once, refuses the same event again (even re-signed), also after reopening the store', () => {
      const path = join(dir, 'dedupe.json');
      const first = telnyx({ webhookPublicKey: publicKeyB64 }, now, new WebhookDeduper(new FileKeyValueStore(path)));
      expect(first.verifyWebhook(signed(faxEvent, now), enc(faxEvent)).eventId).toBe('d906ecda-db21-428e-9ca0-74dae7e7c144');
      expect(reasonOf(() => first.verifyWebhook(signed(faxEvent, now + 5), enc(faxEvent)))).toBe('webhook_duplicate');

      const afterRestart = telnyx({ webhookPublicKey: publicKeyB64 }, now + 10, new WebhookDeduper(new FileKeyValueStore(path)));
      expect(reasonOf(() => afterRestart.verifyWebhook(signed(faxEvent, now + 10), enc(faxEvent)))).toBe('webhook_duplicate');
    });

    it('does not burn an event id on a forged copy: the genuine event is still accepted afterwards', () => {
      const provider = telnyx({ webhookPublicKey: publicKeyB64 }, now, new WebhookDeduper(new FileKeyValueStore(join(dir, 'forged.json'))));
      expect(reasonOf(() => provider.verifyWebhook(signed(faxEvent, now, ed25519.utils.randomSecretKey()), enc(faxEvent)))).toBe('webhook_bad_signature');
      expect(provider.verifyWebhook(signed(faxEvent, now), enc(faxEvent)).type).toBe('fax.failed');
    });

    it('identifies a body without an event id by its bytes (the seed example replayed is a duplicate)', () => {
      const provider = telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T, new WebhookDeduper(new FileKeyValueStore(join(dir, 'seed.json'))));
      expect(provider.verifyWebhook(seedHeaders(), enc(SEED_BODY)).eventId).toMatch(/^sha256:db63cfb06/);
      expect(reasonOf(() => provider.verifyWebhook(seedHeaders(), enc(SEED_BODY)))).toBe('webhook_duplicate');
    });
  });
});

describe('HTTP answers to webhooks (handlePstnWebhook)', () => {
  it('200 accepted, 200 duplicate (not acted on), 401 bad signature, 403 stale, 400 malformed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pstn-http-'));
    try {
      const provider = telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T, new WebhookDeduper(new FileKeyValueStore(join(dir, 's.json'))));
      const body = enc(SEED_BODY);
      expect(handlePstnWebhook(provider, seedHeaders(), body)).toMatchObject({ kind: 'accepted', httpStatus: 200 });
      expect(handlePstnWebhook(provider, seedHeaders(), body)).toMatchObject({ kind: 'duplicate', httpStatus: 200 });
      expect(handlePstnWebhook(provider, seedHeaders(), enc(SEED_BODY.replace('Hello', 'Hellp')))).toMatchObject({ kind: 'rejected', httpStatus: 401, code: 'pstn.webhook_bad_signature' });
      expect(handlePstnWebhook(telnyx({ webhookHmacSecret: SEED_SECRET }, SEED_T + 600), seedHeaders(), body)).toMatchObject({ kind: 'rejected', httpStatus: 403, code: 'pstn.webhook_stale' });
      expect(handlePstnWebhook(provider, {}, body)).toMatchObject({ kind: 'rejected', httpStatus: 400, code: 'pstn.webhook_malformed' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
