/**
 * The mintfax adapter against the mintfax stand-in (a real HTTP server on 127.0.0.1) with a
 * real webhook listener: sending, the event sequences (delivered, busy, no answer, a retry
 * that then succeeds), idempotent re-submission, Retry-After, the 10 MB limit, error mapping,
 * and the verification steps of seed 001 end to end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPstnProvider,
  FileKeyValueStore,
  isPstnError,
  mapToOutboxState,
  PstnError,
  WebhookDeduper,
  type MintfaxConfig,
  type PstnDeps,
  type PstnProvider,
} from '../../electron/services/pstn/provider.ts';
import { MAGIC } from './standins/common.ts';
import { MINTFAX_SANDBOX_SECRET, startMintfaxStandIn, type MintfaxStandIn, type MintfaxStandInOptions } from './standins/mintfax.ts';
import { startWebhookReceiver, type WebhookReceiver } from './standins/receiver.ts';
import { fakePdf, pollUntilFinal, recordingSleep, rejectionOf } from './helpers.ts';

const FROM = '+12125550100';

interface Rig {
  standIn: MintfaxStandIn;
  provider: PstnProvider;
  receiver: WebhookReceiver;
  delays: number[];
  dir: string;
}

let rig: Rig | undefined;
const cleanups: (() => Promise<void>)[] = [];

async function makeRig(
  standInOpts: MintfaxStandInOptions = {},
  config: Partial<MintfaxConfig> = {},
  deps: Partial<PstnDeps> = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'pstn-mintfax-'));
  const standIn = await startMintfaxStandIn(standInOpts);
  const { sleep, delays } = recordingSleep();
  const provider = createPstnProvider(
    { provider: 'mintfax', apiKey: standIn.apiKey, baseUrl: standIn.url, webhookSecret: standInOpts.secret ?? MINTFAX_SANDBOX_SECRET, ...config },
    { fetch, sleep, deduper: new WebhookDeduper(new FileKeyValueStore(join(dir, 'events.json'))), ...deps },
  );
  const receiver = await startWebhookReceiver(provider);
  cleanups.push(async () => {
    await standIn.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { standIn, provider, receiver, delays, dir };
}

beforeEach(() => {
  rig = undefined;
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function send(r: Rig, to: string, key = `outbox-${randomBytes(6).toString('hex')}`, pdf = fakePdf()) {
  return r.provider.send({ fileName: 'invoice.pdf', pdf }, to, FROM, { idempotencyKey: key, webhookUrl: r.receiver.url });
}

describe('seed 001 verification steps, against the sandbox stand-in', () => {
  it('accepts the sandbox fax.queued, refuses a replayed copy (duplicate event_id, or too old), refuses a modified body', async () => {
    rig = await makeRig({ signing: 'mintfax-signature' });
    const r = rig;
    const { providerFaxId } = await send(r, MAGIC.success);
    await r.receiver.waitFor((e) => e.type === 'fax.delivered');

    // 1. The fax.queued event was accepted with a 200.
    const queued = r.receiver.received.find((q) => q.outcome.kind === 'accepted' && q.outcome.event.type === 'fax.queued');
    expect(queued?.outcome).toMatchObject({ httpStatus: 200, event: { providerFaxId, scheme: 'mintfax-signature', status: { state: 'queued' } } });
    if (!queued) throw new Error('no fax.queued');

    // 2a. A replayed copy, byte for byte, is refused as a duplicate event_id (and not acted on).
    const signatureHeaders = {
      'content-type': 'application/json',
      'x-mintfax-signature': String(queued.headers['x-mintfax-signature']),
      'x-mintfax-timestamp': String(queued.headers['x-mintfax-timestamp']),
    };
    const replay = await fetch(r.receiver.url, { method: 'POST', headers: signatureHeaders, body: new Uint8Array(queued.body) });
    expect(replay.status).toBe(200);
    expect(r.receiver.received.at(-1)?.outcome.kind).toBe('duplicate');
    expect(r.receiver.events.filter((e) => e.type === 'fax.queued')).toHaveLength(1);

    // 2b. The same copy ten minutes later is refused as too old, before any dedupe.
    const later = createPstnProvider(
      { provider: 'mintfax', apiKey: 'unused', webhookSecret: MINTFAX_SANDBOX_SECRET },
      { fetch, nowSeconds: () => Math.floor(Date.now() / 1000) + 600 },
    );
    const stale = await rejectionOf(Promise.resolve().then(() => later.verifyWebhook(queued.headers, queued.body)));
    expect(isPstnError(stale, 'webhook_stale')).toBe(true);

    // 3. A modified body is refused with 401.
    const tampered = queued.body.toString('utf8').replace('"queued"', '"delivered"');
    const modified = await fetch(r.receiver.url, { method: 'POST', headers: signatureHeaders, body: tampered });
    expect(modified.status).toBe(401);
    expect(r.receiver.received.at(-1)?.outcome).toMatchObject({ kind: 'rejected', code: 'pstn.webhook_bad_signature' });
  });
});

describe('sending and following a fax', () => {
  it('success: queued → sending → delivered by webhooks, and status() agrees', async () => {
    const r = (rig = await makeRig({ signing: 'mintfax-signature' }));
    const sent = await send(r, MAGIC.success);
    expect(sent.providerFaxId).toMatch(/^fax_/);
    expect(sent.status.state).toBe('queued');
    expect(mapToOutboxState(sent.status)).toBe('sent');

    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    expect(r.receiver.events.map((e) => `${e.type}:${e.status?.state}`)).toEqual(['fax.queued:queued', 'fax.sending:sending', 'fax.delivered:delivered']);
    const final = await r.provider.status(sent.providerFaxId);
    expect(final).toMatchObject({ state: 'delivered', providerState: 'delivered' });
    expect(mapToOutboxState(final)).toBe('delivered');
    // What went over the wire: to, the PDF, our number as CSID, the webhook URL.
    const fax = r.standIn.faxes.get(sent.providerFaxId);
    expect(fax).toMatchObject({ to: MAGIC.success, csid: FROM, webhook_url: r.receiver.url, max_attempts: 3 });
  });

  it('busy: every attempt busy, then failed with a plain reason (status() and the webhook agree)', async () => {
    const r = (rig = await makeRig({ signing: 'standard-webhooks' }, { maxAttempts: 3 }));
    const sent = await send(r, MAGIC.busy);
    const failed = await r.receiver.waitFor((e) => e.type === 'fax.failed');
    expect(r.receiver.events.map((e) => e.type)).toEqual([
      'fax.queued', 'fax.sending', 'fax.retry_scheduled', 'fax.sending', 'fax.retry_scheduled', 'fax.sending', 'fax.failed',
    ]);
    expect(failed.status).toMatchObject({ state: 'failed', failureCode: 'busy', providerFailureCode: 'busy' });
    const status = await r.provider.status(sent.providerFaxId);
    expect(status).toMatchObject({ state: 'failed', failureCode: 'busy' });
    expect(status.failureReason).toBe('The fax line was busy every time it was called. Try again later.');
    expect(mapToOutboxState(status)).toBe('failed');
  });

  it('no answer: failed with reason no_answer after max_attempts (2)', async () => {
    const r = (rig = await makeRig({ signing: 'mintfax-signature' }, { maxAttempts: 2 }));
    const sent = await send(r, MAGIC.noAnswer);
    await r.receiver.waitFor((e) => e.type === 'fax.failed');
    expect(r.receiver.events.filter((e) => e.type === 'fax.sending')).toHaveLength(2);
    expect(r.standIn.faxes.get(sent.providerFaxId)?.max_attempts).toBe(2);
    const status = await r.provider.status(sent.providerFaxId);
    expect(status).toMatchObject({ state: 'failed', failureCode: 'no_answer', providerFailureCode: 'no_answer' });
    expect(status.failureReason).toMatch(/Nobody answered/);
  });

  it('a retry that then succeeds: first attempt fails, retry_scheduled, then delivered', async () => {
    const r = (rig = await makeRig({ signing: 'standard-webhooks' }));
    const sent = await send(r, MAGIC.transient);
    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    expect(r.receiver.events.map((e) => e.type)).toEqual(['fax.queued', 'fax.sending', 'fax.retry_scheduled', 'fax.sending', 'fax.delivered']);
    expect((await r.provider.status(sent.providerFaxId)).state).toBe('delivered');
    expect(r.standIn.faxes.get(sent.providerFaxId)?.attempts.map((a) => a.error_code)).toEqual(['line_quality', null]);
  });

  it('polling alone (no webhook URL) reaches the final state', async () => {
    const r = (rig = await makeRig());
    const sent = await r.provider.send({ fileName: 'a.pdf', pdf: fakePdf() }, MAGIC.busy, FROM, { idempotencyKey: 'poll-only' });
    const final = await pollUntilFinal(() => r.provider.status(sent.providerFaxId));
    expect(final).toMatchObject({ state: 'failed', failureCode: 'busy' });
  });

  it('Standard Webhooks during a secret rotation: two signatures per delivery, old secret alone still accepted', async () => {
    const newSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const oldSecret = `whsec_${randomBytes(32).toString('base64')}`;
    // mintfax signs with both; we only know the old one (our settings not updated yet).
    const r = (rig = await makeRig({ signing: 'standard-webhooks', secret: newSecret, previousSecret: oldSecret }, { webhookSecret: oldSecret }));
    await send(r, MAGIC.success);
    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    expect(r.receiver.received.every((q) => q.outcome.kind === 'accepted')).toBe(true);
    expect(r.standIn.sent[0]?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
  });

  it('re-delivered events (same event id) are acknowledged with 200 but acted on once', async () => {
    const r = (rig = await makeRig({ signing: 'mintfax-signature', duplicateDeliveries: true }));
    await send(r, MAGIC.success);
    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    await r.standIn.settled();
    expect(r.receiver.events.map((e) => e.type)).toEqual(['fax.queued', 'fax.sending', 'fax.delivered']);
    expect(r.receiver.received.map((q) => q.outcome.kind)).toEqual(['accepted', 'duplicate', 'accepted', 'duplicate', 'accepted', 'duplicate']);
    expect(r.standIn.deliveries.every((d) => d.status === 200)).toBe(true);
  });
});

describe('idempotency', () => {
  it('the same key and the same fax returns the same fax id; mintfax creates one fax', async () => {
    const r = (rig = await makeRig());
    const pdf = fakePdf();
    const first = await send(r, MAGIC.success, 'outbox-42', pdf);
    const second = await send(r, MAGIC.success, 'outbox-42', pdf);
    expect(second.providerFaxId).toBe(first.providerFaxId);
    expect(r.standIn.faxes.size).toBe(1);
    const posts = r.standIn.requests.filter((q) => q.method === 'POST');
    expect(posts.map((q) => q.idempotencyKey)).toEqual(['outbox-42', 'outbox-42']);
  });

  it('the same key with different content is refused as a conflict, with a plain sentence', async () => {
    const r = (rig = await makeRig());
    await send(r, MAGIC.success, 'outbox-43', fakePdf(2048));
    const e = await rejectionOf(send(r, MAGIC.success, 'outbox-43', fakePdf(4096)));
    expect(isPstnError(e, 'idempotency_conflict')).toBe(true);
    expect((e as PstnError).httpStatus).toBe(409);
    expect((e as PstnError).providerCode).toBe('idempotency_key_reuse');
    expect((e as PstnError).message).toMatch(/already submitted/);
    expect(r.standIn.faxes.size).toBe(1);
  });

  it('a network failure mid-send is retried with the same key, and still only one fax exists', async () => {
    let dropped = false;
    // The first POST reaches mintfax, but its answer is lost on the way back.
    const flakyFetch = async (input: string, init?: RequestInit): Promise<Response> => {
      const res = await fetch(input, init);
      if (!dropped && init?.method === 'POST') {
        dropped = true;
        await res.arrayBuffer();
        throw new TypeError('fetch failed: socket hang up');
      }
      return res;
    };
    const r = (rig = await makeRig({}, {}, { fetch: flakyFetch }));
    const sent = await send(r, MAGIC.success, 'outbox-44');
    expect(r.standIn.faxes.size).toBe(1);
    expect(r.standIn.faxes.has(sent.providerFaxId)).toBe(true);
    expect(r.delays).toEqual([500]);
  });
});

describe('rate limits and server errors', () => {
  it('honours Retry-After in seconds on 429 (asks to wait exactly that long), then succeeds', async () => {
    const r = (rig = await makeRig());
    r.standIn.faults.rateLimit(2, '34');
    const sent = await send(r, MAGIC.success);
    expect(sent.providerFaxId).toMatch(/^fax_/);
    expect(r.delays).toEqual([34_000, 34_000]);
    expect(r.standIn.requests.map((q) => q.status)).toEqual([429, 429, 201]);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const now = 1_780_000_000;
    const r = (rig = await makeRig({}, {}, { nowSeconds: () => now }));
    r.standIn.faults.rateLimit(1, new Date((now + 20) * 1000).toUTCString());
    await r.provider.status(await send(r, MAGIC.success).then((s) => s.providerFaxId));
    expect(r.delays).toEqual([20_000]);
  });

  it('does not wait for an unreasonable Retry-After: rate_limited with the wait, for the outbox to retry later', async () => {
    const r = (rig = await makeRig());
    r.standIn.faults.rateLimit(1, '900');
    const e = await rejectionOf(send(r, MAGIC.success));
    expect(isPstnError(e, 'rate_limited')).toBe(true);
    expect((e as PstnError).retryAfterSeconds).toBe(900);
    expect((e as PstnError).retryable).toBe(true);
    expect(r.delays).toEqual([]);
  });

  it('gives up after the bounded number of attempts when 429s keep coming', async () => {
    const r = (rig = await makeRig());
    r.standIn.faults.rateLimit(10, '2');
    const e = await rejectionOf(send(r, MAGIC.success));
    expect(isPstnError(e, 'rate_limited')).toBe(true);
    expect(r.delays).toEqual([2000, 2000, 2000]);
    expect(r.standIn.requests).toHaveLength(4);
  });

  it('retries 5xx with exponential backoff, then maps lasting 5xx to provider_unavailable', async () => {
    const r = (rig = await makeRig());
    r.standIn.faults.serverError(2, 502);
    await send(r, MAGIC.success);
    expect(r.delays).toEqual([500, 1000]);

    r.delays.length = 0;
    r.standIn.faults.serverError(10, 500);
    const e = await rejectionOf(r.provider.status('fax_anything'));
    expect(isPstnError(e, 'provider_unavailable')).toBe(true);
    expect(r.delays).toEqual([500, 1000, 2000]);
  });
});

describe('refusals, mapped to stable codes and plain sentences', () => {
  it('checks the 10 MB limit (10,000,000 bytes) before uploading anything', async () => {
    const r = (rig = await makeRig());
    const e = await rejectionOf(send(r, MAGIC.success, 'big', fakePdf(10_000_001)));
    expect(isPstnError(e, 'file_too_large')).toBe(true);
    expect((e as PstnError).message).toBe(
      'This document is 10.0 MB, but mintfax accepts at most 10 MB. Split it into smaller parts or reduce its size, then send again.',
    );
    expect(r.standIn.requests).toHaveLength(0);
    // Exactly at the limit goes through.
    const ok = await send(r, MAGIC.success, 'at-limit', fakePdf(10_000_000));
    expect(ok.providerFaxId).toMatch(/^fax_/);
  });

  it('wrong API key → auth_failed, and the key appears in no message or detail', async () => {
    const standIn = await startMintfaxStandIn();
    cleanups.push(() => standIn.close());
    const secretKey = 'mfx_test_WRONG_but_secret_123';
    const provider = createPstnProvider({ provider: 'mintfax', apiKey: secretKey, baseUrl: standIn.url }, { fetch });
    const e = await rejectionOf(provider.send({ fileName: 'a.pdf', pdf: fakePdf() }, MAGIC.success, FROM, { idempotencyKey: 'k' }));
    expect(isPstnError(e, 'auth_failed')).toBe(true);
    expect((e as PstnError).providerCode).toBe('unauthenticated');
    expect(JSON.stringify((e as PstnError).toUserError())).not.toContain(secretKey);
    expect(String((e as PstnError).stack)).not.toContain(secretKey);
  });

  it('invalid numbers: refused locally when not E.164, and mapped from mintfax validation_failed', async () => {
    const r = (rig = await makeRig());
    const local = await rejectionOf(send(r, '2125551234'));
    expect(isPstnError(local, 'invalid_number')).toBe(true);
    expect(r.standIn.requests).toHaveLength(0);
    const remote = await rejectionOf(send(r, MAGIC.invalid));
    expect(isPstnError(remote, 'invalid_number')).toBe(true);
    expect((remote as PstnError).httpStatus).toBe(422);
  });

  it('insufficient balance → insufficient_balance', async () => {
    const r = (rig = await makeRig());
    const e = await rejectionOf(send(r, MAGIC.insufficientBalance));
    expect(isPstnError(e, 'insufficient_balance')).toBe(true);
    expect((e as PstnError).message).toMatch(/run out of credit/);
  });

  it('unknown fax id → not_found; max_attempts outside 1..5 → not_configured', async () => {
    const r = (rig = await makeRig());
    expect(isPstnError(await rejectionOf(r.provider.status('fax_nope')), 'not_found')).toBe(true);
    expect(() => createPstnProvider({ provider: 'mintfax', apiKey: 'k', maxAttempts: 6 }, { fetch })).toThrow(PstnError);
  });

  it('an aborted send stops without retrying', async () => {
    const r = (rig = await makeRig());
    const controller = new AbortController();
    controller.abort();
    const e = await rejectionOf(r.provider.send({ fileName: 'a.pdf', pdf: fakePdf() }, MAGIC.success, FROM, { idempotencyKey: 'abort', signal: controller.signal }));
    expect(isPstnError(e, 'aborted')).toBe(true);
    expect(r.standIn.requests).toHaveLength(0);
  });
});
