/**
 * The Telnyx adapter against the Telnyx stand-in (a real HTTP server on 127.0.0.1) with a real
 * webhook listener: media upload then POST /v2/faxes, the fax.* event sequences (delivered,
 * busy, no answer, a 503 then a successful retry), polling, idempotent re-submission through
 * a file store that survives a restart, Retry-After, the size limit and error mapping.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPstnProvider,
  FileKeyValueStore,
  isPstnError,
  mapToOutboxState,
  WebhookDeduper,
  type PstnDeps,
  type PstnError,
  type PstnProvider,
  type TelnyxConfig,
} from '../../electron/services/pstn/provider.ts';
import { MAGIC } from './standins/common.ts';
import { startTelnyxStandIn, type TelnyxStandIn, type TelnyxStandInOptions } from './standins/telnyx.ts';
import { startWebhookReceiver, type WebhookReceiver } from './standins/receiver.ts';
import { fakePdf, pollUntilFinal, recordingSleep, rejectionOf } from './helpers.ts';

const FROM = '+13125790015';
const HMAC_SECRET = 'rq789onm321yxzkjihfEdcAm';

interface Rig {
  standIn: TelnyxStandIn;
  provider: PstnProvider;
  receiver: WebhookReceiver;
  delays: number[];
  dir: string;
  makeProvider(): PstnProvider;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function makeRig(standInOpts: TelnyxStandInOptions = {}, config: Partial<TelnyxConfig> = {}, deps: Partial<PstnDeps> = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'pstn-telnyx-'));
  const standIn = await startTelnyxStandIn({ hmacSecret: HMAC_SECRET, ...standInOpts });
  const { sleep, delays } = recordingSleep();
  // A fresh provider on the same files is what the app has after a restart.
  const makeProvider = (): PstnProvider =>
    createPstnProvider(
      {
        provider: 'telnyx',
        apiKey: standIn.apiKey,
        connectionId: standIn.connectionId,
        baseUrl: standIn.url,
        webhookPublicKey: standIn.publicKeyBase64,
        webhookHmacSecret: HMAC_SECRET,
        ...config,
      },
      {
        fetch,
        sleep,
        idempotencyStore: new FileKeyValueStore(join(dir, 'idempotency.json')),
        deduper: new WebhookDeduper(new FileKeyValueStore(join(dir, 'events.json'))),
        ...deps,
      },
    );
  const provider = makeProvider();
  const receiver = await startWebhookReceiver(provider);
  cleanups.push(async () => {
    await standIn.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { standIn, provider, receiver, delays, dir, makeProvider };
}

function send(r: Rig, to: string, key = `outbox-${randomBytes(6).toString('hex')}`, pdf = fakePdf(), provider = r.provider) {
  return provider.send({ fileName: 'contract.pdf', pdf }, to, FROM, { idempotencyKey: key, webhookUrl: r.receiver.url });
}

describe('sending and following a fax', () => {
  it('uploads the PDF, creates the fax, and follows queued → media.processed → sending → delivered (Ed25519 webhooks)', async () => {
    const r = await makeRig();
    const pdf = fakePdf(5000);
    const sent = await send(r, MAGIC.success, 'outbox-7', pdf);
    expect(sent.status).toMatchObject({ state: 'queued', providerState: 'queued' });
    expect(mapToOutboxState(sent.status)).toBe('sent');

    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    expect(r.receiver.events.map((e) => `${e.type}:${e.status?.state}`)).toEqual([
      'fax.queued:queued', 'fax.media.processed:queued', 'fax.sending.started:sending', 'fax.delivered:delivered',
    ]);
    expect(r.receiver.events.every((e) => e.scheme === 'telnyx-ed25519' && e.providerFaxId === sent.providerFaxId)).toBe(true);
    expect(await r.provider.status(sent.providerFaxId)).toMatchObject({ state: 'delivered', providerState: 'delivered' });

    // What went over the wire: media first, then the fax naming it.
    expect(r.standIn.requests.map((q) => `${q.method} ${q.path} ${q.status}`).slice(0, 2)).toEqual(['POST /v2/media 201', 'POST /v2/faxes 202']);
    const fax = r.standIn.faxes.get(sent.providerFaxId);
    expect(fax).toMatchObject({ connection_id: r.standIn.connectionId, from: FROM, to: MAGIC.success, quality: 'high', webhook_url: r.receiver.url });
    expect(Buffer.from(fax?.client_state ?? '', 'base64').toString()).toBe('outbox-7');
    expect(r.standIn.media.get(fax?.media_name ?? '')?.equals(Buffer.from(pdf))).toBe(true);
  });

  it('busy → fax.failed user_busy, a plain sentence, outbox failed', async () => {
    const r = await makeRig();
    const sent = await send(r, MAGIC.busy);
    const failed = await r.receiver.waitFor((e) => e.type === 'fax.failed');
    expect(failed.status).toMatchObject({ state: 'failed', failureCode: 'busy', providerFailureCode: 'user_busy' });
    const status = await r.provider.status(sent.providerFaxId);
    expect(status).toMatchObject({ state: 'failed', failureCode: 'busy', providerFailureCode: 'user_busy' });
    expect(status.failureReason).toMatch(/busy/);
    expect(mapToOutboxState(status)).toBe('failed');
  });

  it('no answer → fax.failed receiver_no_answer', async () => {
    const r = await makeRig();
    const sent = await send(r, MAGIC.noAnswer);
    await r.receiver.waitFor((e) => e.type === 'fax.failed');
    const status = await r.provider.status(sent.providerFaxId);
    expect(status).toMatchObject({ state: 'failed', failureCode: 'no_answer', providerFailureCode: 'receiver_no_answer' });
    expect(status.failureReason).toMatch(/Nobody answered/);
  });

  it('a retry that then succeeds: the first POST /v2/faxes meets a 503, the retry creates the fax, delivered', async () => {
    const r = await makeRig();
    const sent = await send(r, MAGIC.transient);
    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    expect(r.standIn.requests.map((q) => `${q.path} ${q.status}`).slice(0, 3)).toEqual(['/v2/media 201', '/v2/faxes 503', '/v2/faxes 202']);
    expect(r.delays).toEqual([500]);
    expect(r.standIn.faxes.size).toBe(1);
    expect((await r.provider.status(sent.providerFaxId)).state).toBe('delivered');
  });

  it('polling GET /v2/faxes/{id} alone reaches the final state', async () => {
    const r = await makeRig();
    const sent = await r.provider.send({ fileName: 'a.pdf', pdf: fakePdf() }, MAGIC.permanent, FROM, { idempotencyKey: 'poll' });
    const final = await pollUntilFinal(() => r.provider.status(sent.providerFaxId));
    expect(final).toMatchObject({ state: 'failed', failureCode: 'invalid_number', providerFailureCode: 'receiver_unallocated_number' });
  });

  it('the HMAC scheme of seed 002 also carries a whole fax to delivered', async () => {
    const r = await makeRig({ signing: 'hmac' });
    await send(r, MAGIC.success);
    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    expect(r.receiver.events.every((e) => e.scheme === 'telnyx-hmac')).toBe(true);
    expect(r.receiver.received.every((q) => q.outcome.kind === 'accepted')).toBe(true);
  });

  it('duplicate deliveries are acknowledged but acted on once', async () => {
    const r = await makeRig({ duplicateDeliveries: true });
    await send(r, MAGIC.success);
    await r.receiver.waitFor((e) => e.type === 'fax.delivered');
    await r.standIn.settled();
    expect(r.receiver.events).toHaveLength(4);
    expect(r.receiver.received.filter((q) => q.outcome.kind === 'duplicate')).toHaveLength(4);
  });
});

describe('idempotency (ours: Telnyx documents none for faxes)', () => {
  it('re-submitting with the same key returns the same fax without a second upload or fax, also after a restart', async () => {
    const r = await makeRig();
    const pdf = fakePdf();
    const first = await send(r, MAGIC.success, 'outbox-9', pdf);
    const again = await send(r, MAGIC.success, 'outbox-9', pdf);
    const afterRestart = await send(r, MAGIC.success, 'outbox-9', pdf, r.makeProvider());
    expect(again.providerFaxId).toBe(first.providerFaxId);
    expect(afterRestart.providerFaxId).toBe(first.providerFaxId);
    expect(r.standIn.faxes.size).toBe(1);
    expect(r.standIn.requests.filter((q) => q.method === 'POST').map((q) => q.path)).toEqual(['/v2/media', '/v2/faxes']);
  });

  it('the same key with another document is refused as a conflict', async () => {
    const r = await makeRig();
    await send(r, MAGIC.success, 'outbox-10', fakePdf(1000));
    const e = await rejectionOf(send(r, MAGIC.success, 'outbox-10', fakePdf(1001)));
    expect(isPstnError(e, 'idempotency_conflict')).toBe(true);
    expect(r.standIn.faxes.size).toBe(1);
  });

  it('a network failure during POST /v2/faxes is not repeated blindly (we cannot know if Telnyx acted)', async () => {
    const flaky = async (input: string, init?: RequestInit): Promise<Response> => {
      if (init?.method === 'POST' && input.endsWith('/v2/faxes')) throw new TypeError('fetch failed: connection reset');
      return fetch(input, init);
    };
    const r = await makeRig({}, {}, { fetch: flaky });
    const e = await rejectionOf(send(r, MAGIC.success));
    expect(isPstnError(e, 'provider_unavailable')).toBe(true);
    expect((e as PstnError).retryable).toBe(true);
    expect(r.delays).toEqual([]);
  });
});

describe('rate limits, server errors, refusals', () => {
  it('honours Retry-After (seconds, then an HTTP date) on 429 from the media upload', async () => {
    const now = 1_790_000_000;
    const r = await makeRig({}, {}, { nowSeconds: () => now });
    r.standIn.faults.rateLimit(1, '7');
    r.standIn.faults.rateLimit(1, new Date((now + 3) * 1000).toUTCString());
    const sent = await send(r, MAGIC.success);
    expect(sent.providerFaxId).toBeTruthy();
    expect(r.delays).toEqual([7000, 3000]);
  });

  it('a 429 that outlasts our patience becomes rate_limited with Telnyx error code 10011', async () => {
    const r = await makeRig();
    r.standIn.faults.rateLimit(1, '3600');
    const e = await rejectionOf(send(r, MAGIC.success));
    expect(isPstnError(e, 'rate_limited')).toBe(true);
    expect((e as PstnError).providerCode).toBe('10011');
    expect((e as PstnError).retryAfterSeconds).toBe(3600);
  });

  it('checks the 20 MB media limit before uploading anything', async () => {
    const r = await makeRig();
    const e = await rejectionOf(send(r, MAGIC.success, 'big', fakePdf(20_000_001)));
    expect(isPstnError(e, 'file_too_large')).toBe(true);
    expect((e as PstnError).message).toMatch(/^This document is 20\.0 MB, but Telnyx accepts at most 20 MB\./);
    expect(r.standIn.requests).toHaveLength(0);
  });

  it('wrong API key → auth_failed (code 10009), key absent from everything the user or log sees', async () => {
    const r = await makeRig({}, { apiKey: 'KEY_wrong_SECRET_value' });
    const e = await rejectionOf(send(r, MAGIC.success));
    expect(isPstnError(e, 'auth_failed')).toBe(true);
    expect((e as PstnError).providerCode).toBe('10009');
    expect(JSON.stringify((e as PstnError).toUserError())).not.toContain('KEY_wrong_SECRET_value');
  });

  it('invalid numbers: 422 code 10002 → invalid_number; a bad sender number is refused before any request', async () => {
    const r = await makeRig();
    const remote = await rejectionOf(send(r, MAGIC.invalid));
    expect(isPstnError(remote, 'invalid_number')).toBe(true);
    expect((remote as PstnError).providerCode).toBe('10002');
    const before = r.standIn.requests.length;
    const local = await rejectionOf(r.provider.send({ fileName: 'a.pdf', pdf: fakePdf() }, MAGIC.success, '3125790015', { idempotencyKey: 'x' }));
    expect(isPstnError(local, 'invalid_number')).toBe(true);
    expect((local as PstnError).message).toMatch(/sending fax number/);
    expect(r.standIn.requests.length).toBe(before);
  });

  it('a wrong connection id is a plain refusal, an unknown fax id is not_found', async () => {
    const r = await makeRig({}, { connectionId: 'not-ours' });
    expect(isPstnError(await rejectionOf(send(r, MAGIC.success)), 'request_rejected')).toBe(true);
    expect(isPstnError(await rejectionOf(r.provider.status('00000000-0000-0000-0000-000000000000')), 'not_found')).toBe(true);
  });

  it('missing credentials → not_configured with a sentence pointing to Settings', async () => {
    const provider = createPstnProvider({ provider: 'telnyx', apiKey: '', connectionId: 'c' }, { fetch });
    const e = await rejectionOf(provider.send({ fileName: 'a.pdf', pdf: fakePdf() }, MAGIC.success, FROM, { idempotencyKey: 'k' }));
    expect(isPstnError(e, 'not_configured')).toBe(true);
    expect((e as PstnError).message).toMatch(/Settings/);
  });
});
