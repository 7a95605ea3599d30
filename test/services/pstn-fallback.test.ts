// PSTN fallback wired into the services, against the mintfax and Telnyx stand-ins:
// an uncovered number goes to needs-pstn, the user accepts, the provider delivers; busy fails
// with its reason; a rate limit is retried by the outbox; a restart re-submits under the same
// idempotency key without faxing twice; the 10 MB mintfax limit is refused before upload;
// credentials live in the vault only.
import type { OrgId } from '../../shared/domain/ids.ts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { startTelnyxStandIn, type TelnyxStandIn } from '../pstn/standins/telnyx.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from './helpers.ts';
import { FAST_PSTN, outboxStates, UNCOVERED, waitForState } from './pstn-helpers.ts';

const FROM = '+15551110001'; // Northside Clinic's fxe number
const CALLER_ID = '+15551119999'; // the clinic's number at the fax provider

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('PSTN fallback through mintfax', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let mintfax: MintfaxStandIn;
  let desk: TestDesk;
  let orgId: OrgId;
  const keychain = createMemoryKeychain();
  const dataDir = (): string => join(dirs.path, 'clinic');

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('pstn');
    mintfax = await startMintfaxStandIn({ apiKey: 'mfx_test_clinic_7Qk2' });
    desk = await openTestDesk(dataDir(), { autoStart: false, keychain, timings: { relayRetries: 1, outboxRetryBaseMs: 200, ...FAST_PSTN } });
    orgId = await importOrg(desk, relay.orgs[0]!.keysZipPath);
  });

  afterAll(async () => {
    await desk?.close();
    await mintfax?.close();
    await relay?.close();
    dirs?.remove();
  });

  it('without a provider the prompt has none to offer and a PSTN send waits in needs-pstn', async () => {
    expect(await desk.call('send.check', { orgId, to: UNCOVERED.success })).toEqual({ kind: 'not-on-fxe', pstnProvider: null });
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'early.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    const fax = await desk.call('faxes.get', { id });
    expect(fax.state).toBe('needs-pstn');
    expect(fax.failureReason).toMatchObject({ code: 'pstn.not_configured' });
    expect(fax.failureReason?.message).toMatch(/Settings/);
    await desk.call('faxes.delete', { ids: [id] });
  });

  it('configurePstn keeps the credentials in the vault, never in the answer, the database or a plain file', async () => {
    const missing = await desk.desk.invoke('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: {} });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.error).toMatchObject({ code: 'pstn.credentials_missing', message: 'Enter the API key for mintfax.' });
    const unknownField = await desk.desk.invoke('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: 'x', password: 'y' } });
    expect(!unknownField.ok && unknownField.error.code).toBe('invalid_request');

    const settings = await desk.call('settings.configurePstn', {
      provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: mintfax.apiKey, baseUrl: `${mintfax.url}/` },
    });
    // The API address is shown back (not a secret), without the trailing slash.
    expect(settings.pstn).toEqual({ provider: 'mintfax', configured: true, fromNumber: CALLER_ID, baseUrl: mintfax.url });
    expect(JSON.stringify(settings)).not.toContain(mintfax.apiKey);
    expect(JSON.stringify(await desk.call('settings.get', {}))).not.toContain(mintfax.apiKey);
    for (const file of filesUnder(dataDir())) expect(readFileSync(file).includes(mintfax.apiKey), file).toBe(false);
    // Saving again with the secret left empty keeps it (the screen never shows it back).
    await desk.call('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: '' } });
    expect(await desk.call('send.check', { orgId, to: UNCOVERED.success })).toEqual({ kind: 'not-on-fxe', pstnProvider: 'mintfax' });
  });

  it('an uncovered number: needs-pstn, the user accepts, the provider delivers', async () => {
    const pdf = makePdf(2, 3_000);
    // Sent as fxe first: the outbox finds the number is not on fxe and parks it.
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'lab-order.pdf', pdf, coverPage: null, route: 'fxe' });
    await desk.desk.flushOutbox();
    expect((await desk.call('faxes.get', { id })).state).toBe('needs-pstn');

    // "Resend" is not a way onto the phone network: that takes the explicit channel.
    const resend = await desk.desk.invoke('faxes.resend', { id });
    expect(!resend.ok && resend.error.code).toBe('fax.needs_pstn_choice');
    // The user confirmed the phone-network prompt for this item.
    await desk.call('faxes.sendViaPstn', { id });
    const done = await waitForState(desk, id, ['delivered', 'failed']);
    expect(done).toMatchObject({ state: 'delivered', route: 'pstn', folder: 'sent', fromNumber: CALLER_ID, failureReason: null });
    expect(done.pstn).toMatchObject({ provider: 'mintfax', status: 'delivered' });
    expect(done.pstn!.providerFaxId).toMatch(/^fax_/);
    expect(outboxStates(desk, id)).toEqual(expect.arrayContaining(['needs-pstn', 'queued', 'uploading', 'sent', 'delivered']));
    // Once on its way (here: delivered) it cannot be sent over the phone network a second time.
    const again = await desk.desk.invoke('faxes.sendViaPstn', { id });
    expect(!again.ok && again.error.code).toBe('pstn.not_waiting');

    // The provider got exactly one fax, our bytes, under our idempotency key.
    const posts = mintfax.requests.filter((r) => r.method === 'POST' && r.status === 201);
    expect(posts.at(-1)!.idempotencyKey).toBe(id);
    const sentFax = mintfax.faxes.get(done.pstn!.providerFaxId)!;
    expect(sentFax).toMatchObject({ to: UNCOVERED.success, csid: CALLER_ID, status: 'delivered', idempotency_key: id });

    const list = await desk.call('faxes.list', { folder: 'sent', offset: 0, limit: 50 });
    expect(list.items.find((f) => f.id === id)).toMatchObject({ route: 'pstn', state: 'delivered' });
  });

  it('audit-logs the PSTN send: confirmation, hand-over and outcome', async () => {
    const list = await desk.call('faxes.list', { folder: 'sent', offset: 0, limit: 50 });
    const id = list.items.find((f) => f.fileName === 'lab-order.pdf')!.id;
    const db = new Database(join(dataDir(), 'desk.sqlite'), { readonly: true });
    try {
      const trail = (db.prepare('SELECT action, detail FROM audit_log WHERE fax_id = ? ORDER BY seq').all(id) as { action: string; detail: string }[]).map((r) => `${r.action}: ${r.detail}`);
      expect(trail.some((l) => /^send: PSTN: user confirmed .* mintfax \(not end-to-end encrypted\)/.test(l))).toBe(true);
      expect(trail.some((l) => /^send: PSTN: mintfax accepted it as fax_/.test(l))).toBe(true);
      expect(trail.some((l) => /^delivered: PSTN: mintfax fax fax_\S+ delivered/.test(l))).toBe(true);
      expect(trail.join('\n')).not.toContain(mintfax.apiKey);
    } finally {
      db.close();
    }
  });

  it('busy: failed, with the reason in a plain sentence and the provider code in the detail', async () => {
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.busy, from: FROM, fileName: 'busy.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    const done = await waitForState(desk, id, ['delivered', 'failed']);
    expect(done.state).toBe('failed');
    expect(done.folder).toBe('outbox');
    expect(done.pstn).toMatchObject({ provider: 'mintfax', status: 'failed' });
    expect(done.failureReason).toMatchObject({ code: 'pstn.failed.busy' });
    expect(done.failureReason!.message).toMatch(/busy/i);
    expect(done.failureReason!.detail).toContain('busy');
  });

  it('the provider retries a bad line itself; the outbox follows it to delivered', async () => {
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.transient, from: FROM, fileName: 'retry.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    const done = await waitForState(desk, id, ['delivered', 'failed']);
    expect(done.state).toBe('delivered');
    expect(mintfax.faxes.get(done.pstn!.providerFaxId)!.attempts.map((a) => a.error_code)).toEqual(['line_quality', null]);
  });

  it('429 with Retry-After: the outbox waits as asked, then the same item goes through', async () => {
    mintfax.faults.rateLimit(2, '1');
    const before = mintfax.requests.length;
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'limited.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    const waiting = await waitFor('the rate-limit notice', async () => {
      const f = await desk.call('faxes.get', { id });
      return f.failureReason?.code === 'pstn.rate_limited' ? f : null;
    });
    expect(waiting.state).toBe('queued');
    expect(waiting.failureReason!.message).toMatch(/tried again/);
    const done = await waitForState(desk, id, ['delivered', 'failed']);
    expect(done.state).toBe('delivered');
    const mine = mintfax.requests.slice(before).filter((r) => r.method === 'POST');
    expect(mine.map((r) => r.status)).toEqual([429, 429, 201]);
    expect(new Set(mine.map((r) => r.idempotencyKey))).toEqual(new Set([id]));
  });

  it('a PDF over mintfax’s 10 MB is refused before any upload, with the size and the limit', async () => {
    const before = mintfax.requests.length;
    const big = makePdf(1, 10_000_100);
    const res = await desk.desk.invoke('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'scan.pdf', pdf: big, coverPage: null, route: 'pstn' });
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error.code).toBe('pstn.file_too_large');
    expect(!res.ok && res.error.message).toMatch(/^This document is 10\.0 MB, but mintfax accepts at most 10 MB\./);
    expect(mintfax.requests.length).toBe(before);
    const outbox = await desk.call('faxes.list', { folder: 'outbox', offset: 0, limit: 50 });
    expect(outbox.items.some((f) => f.fileName === 'scan.pdf')).toBe(false);
  });

  it('after a crash between the provider taking the fax and our write, a restart re-submits with the same key: one fax', async () => {
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'crash.pdf', pdf: makePdf(1, 700), coverPage: null, route: 'pstn' });
    const first = await waitForState(desk, id, ['delivered', 'failed']);
    const faxCount = mintfax.faxes.size;
    await desk.close();
    // What the database looks like if the desk died before recording the provider's answer.
    const db = new Database(join(dataDir(), 'desk.sqlite'));
    db.prepare("UPDATE pstn_jobs SET provider_fax_id = NULL, done = 0, next_attempt_at = 0 WHERE fax_id = ?").run(id);
    db.prepare("UPDATE faxes SET state = 'uploading', pstn_json = NULL WHERE id = ?").run(id);
    db.close();

    const before = mintfax.requests.length;
    desk = await openTestDesk(dataDir(), { keychain, timings: { relayRetries: 1, outboxRetryBaseMs: 200, ...FAST_PSTN } });
    const again = await waitForState(desk, id, ['delivered', 'failed']);
    expect(again.state).toBe('delivered');
    expect(again.pstn!.providerFaxId).toBe(first.pstn!.providerFaxId);
    expect(mintfax.faxes.size).toBe(faxCount);
    const replay = mintfax.requests.slice(before).filter((r) => r.method === 'POST');
    expect(replay).toEqual([expect.objectContaining({ idempotencyKey: id, status: 201 })]);
  });
});

describe('PSTN fallback through Telnyx (API address override)', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let telnyx: TelnyxStandIn;
  let desk: TestDesk;
  let orgId: OrgId;
  const keychain = createMemoryKeychain();
  const dataDir = (): string => join(dirs.path, 'clinic');

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('pstn-telnyx');
    telnyx = await startTelnyxStandIn();
    desk = await openTestDesk(dataDir(), { autoStart: false, keychain, timings: { relayRetries: 1, outboxRetryBaseMs: 200, ...FAST_PSTN } });
    orgId = await importOrg(desk, relay.orgs[0]!.keysZipPath);
    await desk.call('settings.configurePstn', {
      provider: 'telnyx', fromNumber: CALLER_ID,
      credentials: { apiKey: telnyx.apiKey, connectionId: telnyx.connectionId, webhookPublicKey: telnyx.publicKeyBase64, baseUrl: telnyx.url },
    });
  });

  afterAll(async () => {
    await desk?.close();
    await telnyx?.close();
    await relay?.close();
    dirs?.remove();
  });

  it('delivers, and a no-answer fails with its reason', async () => {
    expect(await desk.call('send.check', { orgId, to: UNCOVERED.success })).toEqual({ kind: 'not-on-fxe', pstnProvider: 'telnyx' });
    const ok = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'ok.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    const noAnswer = await desk.call('send.submit', { orgId, to: UNCOVERED.noAnswer, from: FROM, fileName: 'na.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    const delivered = await waitForState(desk, ok.id, ['delivered', 'failed']);
    expect(delivered).toMatchObject({ state: 'delivered', pstn: { provider: 'telnyx', status: 'delivered' } });
    expect(telnyx.faxes.get(delivered.pstn!.providerFaxId)).toMatchObject({ from: CALLER_ID, to: UNCOVERED.success });
    const failed = await waitForState(desk, noAnswer.id, ['delivered', 'failed']);
    expect(failed).toMatchObject({ state: 'failed', pstn: { provider: 'telnyx', status: 'failed' }, failureReason: { code: 'pstn.failed.no_answer' } });
    expect(failed.failureReason!.detail).toContain('receiver_no_answer');
  });

  it('a restart re-submits from the SQLite idempotency record: same fax id, no second upload', async () => {
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'again.pdf', pdf: makePdf(1, 900), coverPage: null, route: 'pstn' });
    const first = await waitForState(desk, id, ['delivered', 'failed']);
    const uploads = telnyx.media.size;
    const faxes = telnyx.faxes.size;
    await desk.close();
    const db = new Database(join(dataDir(), 'desk.sqlite'));
    db.prepare('UPDATE pstn_jobs SET provider_fax_id = NULL, done = 0, next_attempt_at = 0 WHERE fax_id = ?').run(id);
    db.prepare("UPDATE faxes SET state = 'uploading', pstn_json = NULL WHERE id = ?").run(id);
    db.close();
    desk = await openTestDesk(dataDir(), { keychain, timings: { relayRetries: 1, outboxRetryBaseMs: 200, ...FAST_PSTN } });
    const again = await waitForState(desk, id, ['delivered', 'failed']);
    expect(again.pstn!.providerFaxId).toBe(first.pstn!.providerFaxId);
    expect(telnyx.media.size).toBe(uploads);
    expect(telnyx.faxes.size).toBe(faxes);
  });
});
