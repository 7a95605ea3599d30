// Restoring an outgoing fax from the Trash puts it back as it was: one that was on its way
// carries on, a scheduled one keeps its time but is never sent late by itself when that
// time passed in the Trash, and a fax on the phone lane resumes with its provider (same
// idempotency key: one fax at the provider, not two). Real relay, real desks, the mintfax
// stand-in on 127.0.0.1; the test moves the desk's clock ahead (within the relay's allowed skew).
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskDeps } from '../../electron/services/desk.ts';
import { startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from './helpers.ts';
import { FAST_PSTN, UNCOVERED, waitForState } from './pstn-helpers.ts';

const FROM = '+15551110001';
const PHARMACY = '+15552220002';

describe('restoring outgoing faxes from the Trash', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let mintfax: MintfaxStandIn;
  let clinic: TestDesk;
  let pharmacy: TestDesk;
  let orgId: OrgId;
  /** How far the test moved the clinic desk's clock ahead of the real one. */
  let ahead = 0;
  /** While true, the clinic's requests to the relay fail as a network error would (an outage). */
  let relayDown = false;

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('trash-outbox');
    mintfax = await startMintfaxStandIn({ apiKey: 'mfx_test_restore_9Xa1' });
    const fetchThroughOutage: DeskDeps['fetch'] = (input, init) => (relayDown && !String(input).startsWith(mintfax.url) ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
    clinic = await openTestDesk(join(dirs.path, 'clinic'), {
      autoStart: false, nowMs: () => Date.now() + ahead, fetch: fetchThroughOutage, timings: { relayRetries: 0, outboxRetryBaseMs: 60_000, ...FAST_PSTN },
    });
    orgId = await importOrg(clinic, relay.orgs[0]!.keysZipPath);
    pharmacy = await openTestDesk(join(dirs.path, 'pharmacy'), { autoStart: false });
    await importOrg(pharmacy, relay.orgs[1]!.keysZipPath);
    await clinic.call('settings.configurePstn', { provider: 'mintfax', fromNumber: '+15551119999', credentials: { apiKey: mintfax.apiKey, baseUrl: mintfax.url } });
  });

  afterAll(async () => {
    await clinic?.close();
    await pharmacy?.close();
    await mintfax?.close();
    await relay?.close();
    dirs?.remove();
  });

  const received = async (): Promise<string[]> => {
    await pharmacy.desk.pollNow();
    return (await pharmacy.call('faxes.list', { folder: 'inbox', offset: 0, limit: 50 })).items.map((f) => f.fileName);
  };
  const state = async (id: FaxId) => (await clinic.call('faxes.get', { id })).state;

  it('a fax that was on its way when deleted carries on at once when restored (not after its retry wait)', async () => {
    relayDown = true;
    const { id } = await clinic.call('send.submit', { orgId, to: PHARMACY, from: FROM, fileName: 'discharge-summary.pdf', pdf: makePdf(1), coverPage: null, route: 'fxe' });
    await clinic.desk.flushOutbox();
    const waiting = await clinic.call('faxes.get', { id });
    expect(waiting.state).toBe('queued'); // waiting a minute to try the relay again
    expect(waiting.failureReason?.code).toBe('relay.unreachable');
    relayDown = false;
    await clinic.call('faxes.delete', { ids: [id] });
    await clinic.desk.flushOutbox();
    expect((await clinic.call('trash.list', { offset: 0, limit: 10 })).items.map((f) => [f.id, f.state])).toEqual([[id, 'queued']]);

    expect(await clinic.call('trash.restore', { ids: [id] })).toEqual({ restored: 1 });
    await clinic.desk.flushOutbox();
    expect(await state(id)).toBe('sent');
    expect(await received()).toEqual(['discharge-summary.pdf']);
  });

  it('a scheduled fax restored before its time stays scheduled; restored after it, it is not sent late but says so, and Resend sends it', async () => {
    const sendAt = Date.now() + 60_000;
    const { items } = await clinic.call('send.submitGroup', {
      orgId, from: FROM, fileName: 'refill-9am.pdf', pdf: makePdf(1), coverPage: null, recipients: [{ to: PHARMACY, route: 'fxe' }], sendAt,
    });
    const id = items[0]!.id!;
    const { undoToken } = await clinic.call('faxes.delete', { ids: [id] });
    await clinic.call('faxes.undoDelete', { undoToken });
    await clinic.desk.flushOutbox();
    expect(await clinic.call('faxes.get', { id })).toMatchObject({ state: 'scheduled', sendAt, folder: 'outbox' });

    await clinic.call('faxes.delete', { ids: [id] });
    ahead = 2 * 60_000; // its time passes while it sits in the Trash
    await clinic.call('trash.restore', { ids: [id] });
    await clinic.desk.flushOutbox();
    const back = await clinic.call('faxes.get', { id });
    expect(back).toMatchObject({ state: 'failed', folder: 'outbox' });
    expect(back.failureReason).toMatchObject({ code: 'send.schedule_missed', message: expect.stringContaining('passed while it was in the Trash') });
    expect(await received()).not.toContain('refill-9am.pdf');

    const again = await clinic.call('faxes.resend', { id });
    await clinic.desk.flushOutbox();
    expect(await state(again.id)).toBe('sent');
    expect(await received()).toContain('refill-9am.pdf');
  });

  it('a phone-network fax deleted while waiting for the provider resumes when restored: one fax at the provider', async () => {
    mintfax.faults.rateLimit(1, '1');
    const { id } = await clinic.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'lab-order.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    await waitFor('the provider to ask for a pause', () => mintfax.requests.some((r) => r.method === 'POST' && r.status === 429));
    await clinic.call('faxes.delete', { ids: [id] });
    // The lane wakes for its retry, sees the fax in the Trash and stops its job.
    const db = new Database(join(dirs.path, 'clinic', 'desk.sqlite'), { readonly: true });
    try {
      await waitFor('the job of the deleted fax to stop', () => (db.prepare('SELECT done FROM pstn_jobs WHERE fax_id = ?').get(id) as { done: number }).done === 1, 20_000);
    } finally {
      db.close();
    }
    expect(mintfax.requests.filter((r) => r.method === 'POST' && r.status === 201)).toHaveLength(0);

    await clinic.call('trash.restore', { ids: [id] });
    const done = await waitForState(clinic, id, ['delivered', 'failed']);
    expect(done).toMatchObject({ state: 'delivered', route: 'pstn', folder: 'sent' });
    const accepted = mintfax.requests.filter((r) => r.method === 'POST' && r.status === 201);
    expect(accepted.map((r) => r.idempotencyKey)).toEqual([id]);
  });
});
