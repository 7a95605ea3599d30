/**
 * mintfax webhook verification, both documented forms: the seed-001 scheme
 * (X-Mintfax-Signature hex HMAC of `${timestamp}.${body}`, five minutes, rotation new-then-old,
 * dedupe on event_id) and Standard Webhooks (pinned to that specification's published test
 * vector). The signatures here are made with node:crypto directly from the documents' recipes.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  verifyMintfaxSignature,
  verifyStandardWebhook,
} from '../../electron/services/pstn/mintfax-webhooks.ts';
import {
  createPstnProvider,
  FileKeyValueStore,
  isPstnError,
  WebhookDeduper,
  type MintfaxConfig,
  type PstnErrorReason,
  type WebhookHeaders,
} from '../../electron/services/pstn/provider.ts';

const SANDBOX_SECRET = 'whsec_test_3JzE9rYNm2VbQ8P6KxLf1WdGa4Tc';
const NEW_SECRET = 'whsec_live_new_R8t2VvK1pQ9mZx';
const NOW = 1_778_000_000;

const noFetch = (): Promise<Response> => Promise.reject(new Error('no HTTP in webhook tests'));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function mintfax(config: Partial<MintfaxConfig>, nowSeconds: number, deduper?: WebhookDeduper) {
  return createPstnProvider(
    { provider: 'mintfax', apiKey: 'mfx_test_unused', webhookSecret: SANDBOX_SECRET, ...config },
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

/** The seed's envelope: event, event_id, timestamp, data. */
function legacyEvent(eventId: string, type = 'fax.queued', fax: Record<string, unknown> = { id: 'fax_01H7N9WXYZ8VC2QPK5MTRDE3FA', status: 'queued', to: '+15005550001' }): string {
  return JSON.stringify({ event: type, event_id: eventId, timestamp: '2026-05-09T14:22:01Z', data: fax });
}

function legacySigned(body: string, ts: number, secret = SANDBOX_SECRET): WebhookHeaders {
  return {
    'x-mintfax-signature': createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex'),
    'x-mintfax-timestamp': String(ts),
  };
}

describe('mintfax seed-001 scheme', () => {
  const body = legacyEvent('evt_01H7NA1WXYZ8VC2QPK5MTRDE3F');

  it('accepts a sandbox fax.queued signed with the sandbox secret', () => {
    const event = mintfax({}, NOW).verifyWebhook(legacySigned(body, NOW), enc(body));
    expect(event).toMatchObject({ scheme: 'mintfax-signature', type: 'fax.queued', eventId: 'evt_01H7NA1WXYZ8VC2QPK5MTRDE3F', providerFaxId: 'fax_01H7N9WXYZ8VC2QPK5MTRDE3FA' });
    expect(event.status).toMatchObject({ state: 'queued', providerState: 'queued' });
  });

  it('refuses any single changed byte of the body (step 3: tamper with one byte)', () => {
    const provider = mintfax({}, NOW);
    const headers = legacySigned(body, NOW);
    const bytes = enc(body);
    for (let i = 0; i < bytes.length; i++) {
      const changed = Uint8Array.from(bytes);
      changed[i] = (changed[i] ?? 0) ^ 0x04;
      expect(reasonOf(() => provider.verifyWebhook(headers, changed)), `byte ${i}`).toBe('webhook_bad_signature');
    }
  });

  it('refuses a timestamp from ten minutes ago (step 2) and more than five minutes either way', () => {
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(legacySigned(body, NOW - 600), enc(body)))).toBe('webhook_stale');
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(legacySigned(body, NOW - 300), enc(body)))).toBe('no error');
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(legacySigned(body, NOW - 301), enc(body)))).toBe('webhook_stale');
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(legacySigned(body, NOW + 301), enc(body)))).toBe('webhook_stale');
    expect(reasonOf(() => mintfax({ webhookToleranceSeconds: 60 }, NOW).verifyWebhook(legacySigned(body, NOW - 90), enc(body)))).toBe('webhook_stale');
  });

  it('refuses a signature made with another secret, and a timestamp changed after signing', () => {
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(legacySigned(body, NOW, 'whsec_test_someone_else'), enc(body)))).toBe('webhook_bad_signature');
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook({ ...legacySigned(body, NOW), 'x-mintfax-timestamp': String(NOW - 1) }, enc(body)))).toBe('webhook_bad_signature');
  });

  it('during rotation tries the new secret first, then the old one, and drops the old one when its window ends', () => {
    const rotation = { webhookSecret: NEW_SECRET, previousWebhookSecret: SANDBOX_SECRET, previousWebhookSecretExpiresAt: NOW + 300 };
    // Low level: which secret matched, in which order.
    expect(verifyMintfaxSignature(legacySigned(body, NOW, NEW_SECRET), enc(body), [NEW_SECRET, SANDBOX_SECRET], NOW).secretIndex).toBe(0);
    expect(verifyMintfaxSignature(legacySigned(body, NOW, SANDBOX_SECRET), enc(body), [NEW_SECRET, SANDBOX_SECRET], NOW).secretIndex).toBe(1);
    // Through the provider.
    expect(reasonOf(() => mintfax(rotation, NOW).verifyWebhook(legacySigned(body, NOW, NEW_SECRET), enc(body)))).toBe('no error');
    expect(reasonOf(() => mintfax(rotation, NOW).verifyWebhook(legacySigned(body, NOW, SANDBOX_SECRET), enc(body)))).toBe('no error');
    expect(reasonOf(() => mintfax(rotation, NOW + 300).verifyWebhook(legacySigned(body, NOW + 300, SANDBOX_SECRET), enc(body)))).toBe('webhook_bad_signature');
    expect(reasonOf(() => mintfax(rotation, NOW + 300).verifyWebhook(legacySigned(body, NOW + 300, NEW_SECRET), enc(body)))).toBe('no error');
  });

  it.each<[string, WebhookHeaders, string?]>([
    ['no headers', {}],
    ['no timestamp', { 'x-mintfax-signature': 'ab'.repeat(32) }],
    ['timestamp not digits', { 'x-mintfax-signature': 'ab'.repeat(32), 'x-mintfax-timestamp': 'yesterday' }],
    ['signature not hex', { 'x-mintfax-signature': 'zz'.repeat(32), 'x-mintfax-timestamp': String(NOW) }],
    ['signature too short', { 'x-mintfax-signature': 'ab'.repeat(31), 'x-mintfax-timestamp': String(NOW) }],
    ['signature header twice', { 'x-mintfax-signature': ['ab'.repeat(32), 'cd'.repeat(32)], 'x-mintfax-timestamp': String(NOW) }],
  ])('refuses malformed headers: %s', (_label, headers) => {
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(headers, enc(body)))).toBe('webhook_malformed');
  });

  it('refuses a genuinely signed body that is not JSON or has no event_id', () => {
    const notJson = 'event=fax.queued';
    const noId = JSON.stringify({ event: 'fax.queued', data: { id: 'fax_1', status: 'queued' } });
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(legacySigned(notJson, NOW), enc(notJson)))).toBe('webhook_malformed');
    expect(reasonOf(() => mintfax({}, NOW).verifyWebhook(legacySigned(noId, NOW), enc(noId)))).toBe('webhook_malformed');
  });

  it('refuses every webhook when no secret is configured', () => {
    expect(reasonOf(() => mintfax({ webhookSecret: '' }, NOW).verifyWebhook(legacySigned(body, NOW), enc(body)))).toBe('webhook_bad_signature');
  });

  it('reads a fax.failed with its error code as failed, with a plain reason', () => {
    const failed = legacyEvent('evt_fail_1', 'fax.failed', { id: 'fax_9', status: 'failed', error_code: 'no_answer', error_message: 'Destination did not answer.' });
    const event = mintfax({}, NOW).verifyWebhook(legacySigned(failed, NOW), enc(failed));
    expect(event.status).toMatchObject({ state: 'failed', failureCode: 'no_answer', providerFailureCode: 'no_answer' });
    expect(event.status?.failureReason).toMatch(/Nobody answered/);
  });
});

describe('mintfax dedupe on event_id (file store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstn-mintfax-dedupe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('skips an event_id already processed, even re-signed with a fresh timestamp and after a restart', () => {
    const path = join(dir, 'events.json');
    const body = legacyEvent('evt_dup_1');
    const first = mintfax({}, NOW, new WebhookDeduper(new FileKeyValueStore(path)));
    expect(first.verifyWebhook(legacySigned(body, NOW), enc(body)).eventId).toBe('evt_dup_1');
    expect(reasonOf(() => first.verifyWebhook(legacySigned(body, NOW + 20), enc(body)))).toBe('webhook_duplicate');
    const restarted = mintfax({}, NOW + 60, new WebhookDeduper(new FileKeyValueStore(path)));
    expect(reasonOf(() => restarted.verifyWebhook(legacySigned(body, NOW + 60), enc(body)))).toBe('webhook_duplicate');
    // Another event id is still welcome.
    const other = legacyEvent('evt_dup_2');
    expect(restarted.verifyWebhook(legacySigned(other, NOW + 60), enc(other)).eventId).toBe('evt_dup_2');
  });

  it('forgets event ids after their time to live', () => {
    const store = new FileKeyValueStore(join(dir, 'ttl.json'));
    const body = legacyEvent('evt_ttl');
    const deduper = new WebhookDeduper(store, { ttlSeconds: 100 });
    expect(reasonOf(() => mintfax({}, NOW, deduper).verifyWebhook(legacySigned(body, NOW), enc(body)))).toBe('no error');
    expect(reasonOf(() => mintfax({}, NOW + 99, deduper).verifyWebhook(legacySigned(body, NOW + 99), enc(body)))).toBe('webhook_duplicate');
    expect(reasonOf(() => mintfax({}, NOW + 101, deduper).verifyWebhook(legacySigned(body, NOW + 101), enc(body)))).toBe('no error');
  });
});

describe('mintfax Standard Webhooks form', () => {
  // The Standard Webhooks specification's published test vector.
  const VECTOR = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    ts: 1614265330,
    body: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const vectorHeaders = (signature = VECTOR.signature): WebhookHeaders => ({
    'webhook-id': VECTOR.id,
    'webhook-timestamp': String(VECTOR.ts),
    'webhook-signature': signature,
  });

  it('verifies the specification test vector (key = base64-decoded part of whsec_…)', () => {
    const verified = verifyStandardWebhook(vectorHeaders(), enc(VECTOR.body), [VECTOR.secret], VECTOR.ts);
    expect(verified).toMatchObject({ webhookId: VECTOR.id, signedAt: VECTOR.ts, secretIndex: 0 });
  });

  it('finds the valid signature among several, and skips versions other than v1', () => {
    const other = `v1,${randomBytes(32).toString('base64')}`;
    expect(verifyStandardWebhook(vectorHeaders(`${other} ${VECTOR.signature}`), enc(VECTOR.body), [VECTOR.secret], VECTOR.ts).secretIndex).toBe(0);
    expect(verifyStandardWebhook(vectorHeaders(`v1a,${randomBytes(64).toString('base64')} ${VECTOR.signature}`), enc(VECTOR.body), [VECTOR.secret], VECTOR.ts).secretIndex).toBe(0);
    expect(reasonOf(() => verifyStandardWebhook(vectorHeaders(`${other} v1,${randomBytes(32).toString('base64')}`), enc(VECTOR.body), [VECTOR.secret], VECTOR.ts))).toBe('webhook_bad_signature');
  });

  it('refuses a changed body, a changed webhook-id, a changed timestamp, the wrong secret, stale and future times', () => {
    const body = enc(VECTOR.body);
    const check = (headers: WebhookHeaders, b: Uint8Array, secrets: string[], now: number) => reasonOf(() => verifyStandardWebhook(headers, b, secrets, now));
    expect(check(vectorHeaders(), enc(VECTOR.body.replace('2432232314', '2432232315')), [VECTOR.secret], VECTOR.ts)).toBe('webhook_bad_signature');
    expect(check({ ...vectorHeaders(), 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJeK' }, body, [VECTOR.secret], VECTOR.ts)).toBe('webhook_bad_signature');
    expect(check({ ...vectorHeaders(), 'webhook-timestamp': String(VECTOR.ts + 1) }, body, [VECTOR.secret], VECTOR.ts)).toBe('webhook_bad_signature');
    expect(check(vectorHeaders(), body, [`whsec_${randomBytes(24).toString('base64')}`], VECTOR.ts)).toBe('webhook_bad_signature');
    // The secret string used as UTF-8 instead of decoded base64 must not match: the decoding matters.
    expect(check(vectorHeaders(), body, ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw_not_whsec'], VECTOR.ts)).toBe('webhook_bad_signature');
    expect(check(vectorHeaders(), body, [VECTOR.secret], VECTOR.ts + 301)).toBe('webhook_stale');
    expect(check(vectorHeaders(), body, [VECTOR.secret], VECTOR.ts - 301)).toBe('webhook_stale');
  });

  it.each<[string, WebhookHeaders]>([
    ['no webhook-id', { 'webhook-timestamp': String(VECTOR.ts), 'webhook-signature': VECTOR.signature }],
    ['no webhook-timestamp', { 'webhook-id': VECTOR.id, 'webhook-signature': VECTOR.signature }],
    ['timestamp not digits', { 'webhook-id': VECTOR.id, 'webhook-timestamp': 'soon', 'webhook-signature': VECTOR.signature }],
    ['no v1 token', { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.ts), 'webhook-signature': 'v2,abc' }],
    ['token without a comma', { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.ts), 'webhook-signature': 'g0hM9SsE' }],
  ])('refuses malformed headers: %s', (_label, headers) => {
    expect(reasonOf(() => verifyStandardWebhook(headers, enc(VECTOR.body), [VECTOR.secret], VECTOR.ts))).toBe('webhook_malformed');
  });

  describe('through the provider', () => {
    const keyB64 = randomBytes(32).toString('base64');
    const oldKeyB64 = randomBytes(32).toString('base64');
    const secret = `whsec_${keyB64}`;
    const oldSecret = `whsec_${oldKeyB64}`;
    const body = JSON.stringify({ id: 'evt_8aZqRm4yT3vK7pNxJ2bH9c', type: 'fax.delivered', created: NOW, data: { object: { id: 'fax_8aZq', to: '+15005550001', pages: 2, error_code: null, updated_at: '2026-05-13T22:00:00Z' } } });
    const sign = (keys: string[], ts: number, id = 'evt_8aZqRm4yT3vK7pNxJ2bH9c'): WebhookHeaders => ({
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': keys.map((k) => `v1,${createHmac('sha256', Buffer.from(k, 'base64')).update(`${id}.${ts}.${body}`).digest('base64')}`).join(' '),
    });

    it('accepts a fax.delivered in the newer envelope and reads it as delivered', () => {
      const event = mintfax({ webhookSecret: secret }, NOW).verifyWebhook(sign([keyB64], NOW), enc(body));
      expect(event).toMatchObject({ scheme: 'standard-webhooks', type: 'fax.delivered', eventId: 'evt_8aZqRm4yT3vK7pNxJ2bH9c', providerFaxId: 'fax_8aZq' });
      expect(event.status).toMatchObject({ state: 'delivered', updatedAt: '2026-05-13T22:00:00Z' });
    });

    it('accepts a delivery signed with the old and new secrets during rotation, and one signed with the old only until it expires', () => {
      const rotation = { webhookSecret: secret, previousWebhookSecret: oldSecret, previousWebhookSecretExpiresAt: NOW + 300 };
      expect(reasonOf(() => mintfax(rotation, NOW).verifyWebhook(sign([keyB64, oldKeyB64], NOW), enc(body)))).toBe('no error');
      expect(reasonOf(() => mintfax(rotation, NOW).verifyWebhook(sign([oldKeyB64], NOW), enc(body)))).toBe('no error');
      expect(reasonOf(() => mintfax(rotation, NOW + 301).verifyWebhook(sign([oldKeyB64], NOW + 301), enc(body)))).toBe('webhook_bad_signature');
    });

    it('dedupes on webhook-id', () => {
      const dir = mkdtempSync(join(tmpdir(), 'pstn-sw-'));
      try {
        const provider = mintfax({ webhookSecret: secret }, NOW, new WebhookDeduper(new FileKeyValueStore(join(dir, 'd.json'))));
        expect(reasonOf(() => provider.verifyWebhook(sign([keyB64], NOW), enc(body)))).toBe('no error');
        expect(reasonOf(() => provider.verifyWebhook(sign([keyB64], NOW + 3), enc(body)))).toBe('webhook_duplicate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('uses a whsec_ secret whose rest is not base64 (the sandbox secret) as its UTF-8 bytes', () => {
      const ts = NOW;
      const id = 'evt_sandbox_sw';
      const headers: WebhookHeaders = {
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': `v1,${createHmac('sha256', SANDBOX_SECRET).update(`${id}.${ts}.${body}`).digest('base64')}`,
      };
      expect(mintfax({ webhookSecret: SANDBOX_SECRET }, NOW).verifyWebhook(headers, enc(body)).eventId).toBe(id);
    });
  });
});
