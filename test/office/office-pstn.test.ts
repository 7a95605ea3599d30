// The shared outbox's phone-network lane, with two desks on one private PostgreSQL, the real
// local relay (so a number really is "not on fxe") and the mintfax stand-in (the provider's
// cloud, the only thing not real here):
//  - a fax queued on one desk is submitted by exactly one desk, once, and both desks follow it
//    to its end; the provider sees one fax per fax id;
//  - a desk with no provider parks it in needs-pstn, saying so, and a desk with one sends it;
//  - busy ends failed with the reason on both desks; Resend sends a new fax;
//  - a desk that dies after the provider took the fax but before it recorded that leaves its
//    lease to run out: the other desk submits under the same key and the provider keeps one fax;
//  - with status polling off, the provider's webhooks reaching one desk move the shared row.
import { asOrgId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaxDetail } from '../../shared/domain/types.ts';
import { openOffice, type Office } from '../../electron/services/office/office.ts';
import { OfficePstnSender, queueOfficePstnSend, type OfficePstnLane } from '../../electron/services/office/office-pstn.ts';
import { createPstnProvider } from '../../electron/services/pstn/provider.ts';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { MINTFAX_SANDBOX_SECRET, startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { freePort, importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from '../services/helpers.ts';
import { FAST_PSTN, UNCOVERED } from '../services/pstn-helpers.ts';
import { addFax } from './helpers.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const FROM = '+15551110001'; // Northside Clinic's fxe number
const CALLER_ID = '+15551119999'; // the clinic's number at the fax provider

async function stateOn(t: TestDesk, id: FaxId, states: FaxDetail['state'][]): Promise<FaxDetail> {
  let last = '';
  try {
    return await waitFor(`fax ${id} to reach ${states.join('/')}`, async () => {
      const r = await t.desk.invoke('faxes.get', { id });
      last = r.ok ? `${r.value.state} ${r.value.failureReason?.code ?? ''}` : r.error.code;
      return r.ok && states.includes(r.value.state) ? r.value : null;
    }, 30_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${last}`);
  }
}

/** Waits until the provider's 429 put the fax back in line (queued, saying so). */
async function heldByRateLimit(t: TestDesk, id: FaxId): Promise<FaxDetail> {
  return waitFor(`fax ${id} to wait after a 429`, async () => {
    const f = await t.call('faxes.get', { id });
    return f.state === 'queued' && f.failureReason?.code === 'pstn.rate_limited' ? f : null;
  }, 30_000);
}

/** Two desks of one office (Ann creates it, Ben joins), each with its own vault. */
async function officeOfTwo(pgUrl: string, relay: TestRelay, dir: string, timings: Record<string, unknown>): Promise<{ a: TestDesk; b: TestDesk; orgId: OrgId }> {
  const a = await openTestDesk(join(dir, 'a'), { autoStart: false, timings: { officeReconnectMs: 200, ...timings } });
  const b = await openTestDesk(join(dir, 'b'), { autoStart: false, timings: { officeReconnectMs: 200, ...timings } });
  const orgId = await importOrg(a, relay.orgs[0]!.keysZipPath);
  const join_ = { url: pgUrl, create: false, importKeysZip: false };
  await a.call('office.join', { ...join_, create: true, personName: 'Ann', deskName: 'Front desk' });
  b.nextOpen = relay.orgs[0]!.keysZipPath;
  await b.call('office.join', { ...join_, importKeysZip: true, personName: 'Ben', deskName: 'Back office' });
  return { a, b, orgId };
}

describe('the office outbox over the phone network', () => {
  let server: PrivatePostgres;
  let relay: TestRelay;
  let mintfax: MintfaxStandIn;
  const dirs = tempDir('office-pstn');
  let a: TestDesk;
  let b: TestDesk;
  let orgId: OrgId;
  let admin: pg.Client;
  const configure = (t: TestDesk) => t.call('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: mintfax.apiKey, baseUrl: mintfax.url } });
  const postsFor = (id: FaxId) => mintfax.requests.filter((r) => r.method === 'POST' && r.idempotencyKey === id);
  const faxesFor = (id: FaxId) => [...mintfax.faxes.values()].filter((f) => f.idempotency_key === id);
  const trail = async (id: FaxId): Promise<string[]> => (await admin.query<{ line: string }>(
    "SELECT a.action || ' by ' || coalesce(d.name, '?') || ': ' || a.detail AS line FROM fxe.audit_log a LEFT JOIN fxe.desks d ON d.id = a.desk_id WHERE a.fax_id = $1 ORDER BY a.seq", [id])).rows.map((r) => r.line);

  beforeAll(async () => {
    [server, relay, mintfax] = await Promise.all([startPrivatePostgres(), startTestRelay(), startMintfaxStandIn({ apiKey: 'mfx_test_office_5Hq8' })]);
    ({ a, b, orgId } = await officeOfTwo(server.url, relay, dirs.path, FAST_PSTN));
    admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await admin?.end().catch(() => undefined);
    await mintfax?.close();
    await relay?.close();
    server?.destroy();
    dirs.remove();
  });

  it('a desk without a provider parks the fax in needs-pstn, saying so; a desk with one sends it, once', async () => {
    await configure(a);
    // Ben's desk has no provider: its prompt offers none, and the fax waits, saying why.
    expect(await b.call('send.check', { orgId, to: UNCOVERED.success })).toEqual({ kind: 'not-on-fxe', pstnProvider: null });
    const { id } = await b.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'parked.pdf', pdf: makePdf(1, 600), coverPage: null, route: 'pstn' });
    const parked = await stateOn(a, id, ['needs-pstn']);
    expect(parked).toMatchObject({ route: 'pstn', folder: 'outbox', failureReason: { code: 'pstn.not_configured' } });
    expect(parked.failureReason!.message).toMatch(/Settings/);
    const resend = await a.desk.invoke('faxes.resend', { id });
    expect(!resend.ok && resend.error.code).toBe('fax.needs_pstn_choice');

    // Ann's desk has one: "Send over phone network…" there sends this very fax.
    await a.call('faxes.sendViaPstn', { id });
    for (const t of [a, b]) expect(await stateOn(t, id, ['delivered'])).toMatchObject({ route: 'pstn', folder: 'sent', fromNumber: CALLER_ID, pstn: { provider: 'mintfax', status: 'delivered' } });
    expect(faxesFor(id)).toHaveLength(1);
    const again = await b.desk.invoke('faxes.sendViaPstn', { id });
    expect(!again.ok && again.error.code).toBe('pstn.not_waiting');
    const lines = await trail(id);
    expect(lines.some((l) => /^send by Front desk: PSTN: confirmed sending to .* through mintfax \(not end-to-end encrypted\)/.test(l))).toBe(true);
    expect(lines.some((l) => /^delivered by Front desk: PSTN: mintfax fax fax_\S+ delivered/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain(mintfax.apiKey);
  }, 60_000);

  it('two desks with the provider: every fax queued is submitted by one desk, once, and followed to delivered on both', async () => {
    await configure(b);
    expect(await b.call('send.check', { orgId, to: UNCOVERED.success })).toEqual({ kind: 'not-on-fxe', pstnProvider: 'mintfax' });
    const ids: FaxId[] = [];
    for (let i = 0; i < 6; i++) {
      const from = i % 2 === 0 ? a : b;
      ids.push((await from.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: `lab-${i}.pdf`, pdf: makePdf(1, 400 + i), coverPage: null, route: 'pstn' })).id);
    }
    for (const id of ids) {
      for (const t of [a, b]) expect(await stateOn(t, id, ['delivered', 'failed'])).toMatchObject({ state: 'delivered', route: 'pstn', fromNumber: CALLER_ID });
      // The provider got each fax once, under its own id as the key: one submission, one fax.
      expect(postsFor(id).map((r) => r.status)).toEqual([201]);
      expect(faxesFor(id)).toHaveLength(1);
      expect((await trail(id)).filter((l) => / accepted it as /.test(l))).toHaveLength(1);
    }
    const jobs = await admin.query<{ submitted_by: string; done: boolean }>('SELECT submitted_by, done FROM fxe.pstn_jobs WHERE fax_id = ANY($1::text[])', [ids]);
    expect(jobs.rows.every((j) => j.done)).toBe(true);
    // Both desks list them in Sent, the provider's fax id in the detail.
    const sentOnB = await b.call('faxes.list', { folder: 'sent', offset: 0, limit: 50 });
    expect(ids.every((id) => sentOnB.items.some((f) => f.id === id && f.route === 'pstn' && f.state === 'delivered'))).toBe(true);
  }, 90_000);

  it('busy: failed on both desks with the reason; Resend sends a new fax over the phone network', async () => {
    const { id } = await a.call('send.submit', { orgId, to: UNCOVERED.busy, from: FROM, fileName: 'busy.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'pstn' });
    for (const t of [a, b]) {
      const f = await stateOn(t, id, ['delivered', 'failed']);
      expect(f).toMatchObject({ state: 'failed', folder: 'outbox', pstn: { provider: 'mintfax', status: 'failed' }, failureReason: { code: 'pstn.failed.busy' } });
      expect(f.failureReason!.message).toMatch(/busy/i);
    }
    const again = await b.call('faxes.resend', { id });
    expect(again.id).not.toBe(id);
    expect(await stateOn(a, again.id, ['delivered', 'failed'])).toMatchObject({ route: 'pstn', state: 'failed', toNumber: UNCOVERED.busy });
    expect(faxesFor(id)).toHaveLength(1);
    expect(faxesFor(again.id)).toHaveLength(1);
  }, 60_000);

  it('Send later, Send now and the Trash work on the phone lane as on the fxe one', async () => {
    const later = Date.now() + 3_600_000;
    const group = await a.call('send.submitGroup', {
      orgId, from: FROM, fileName: 'later.pdf', pdf: makePdf(1, 300), coverPage: null, sendAt: later,
      recipients: [{ to: UNCOVERED.success, route: 'pstn' }, { to: UNCOVERED.noAnswer, route: 'pstn' }],
    });
    const [now, stays] = group.items.map((i) => i.id!);
    for (const t of [a, b]) expect(await stateOn(t, now!, ['scheduled'])).toMatchObject({ route: 'pstn', sendAt: later });
    // Not due: nobody takes it. "Send now" on the other desk: it goes, once.
    await b.call('outbox.sendNow', { id: now! });
    expect(await stateOn(a, now!, ['delivered', 'failed'])).toMatchObject({ state: 'delivered' });
    expect(faxesFor(now!)).toHaveLength(1);
    expect(faxesFor(stays!)).toHaveLength(0);
    await a.call('outbox.cancelScheduled', { id: stays! });
    expect((await admin.query('SELECT done FROM fxe.pstn_jobs WHERE fax_id = $1', [stays])).rows).toEqual([{ done: true }]);

    // A queued one in the Trash is not taken; restored, it goes at once. (The provider asks for
    // ten minutes' patience first, so that it is still queued when it is deleted.)
    mintfax.faults.rateLimit(1, '600');
    const { id } = await a.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'binned.pdf', pdf: makePdf(1, 300), coverPage: null, route: 'pstn' });
    await heldByRateLimit(b, id);
    await b.call('faxes.delete', { ids: [id] });
    await admin.query('UPDATE fxe.pstn_jobs SET next_attempt_at = 0 WHERE fax_id = $1', [id]);
    const looker = await openOffice({ url: server.url, orgId, signingSeed: (await readKeysZip(new Uint8Array(readFileSync(relay.orgs[0]!.keysZipPath)))).signingSeed, desk: { deskId: 'desk-looker', deskName: 'looker', person: 'looker' } });
    try {
      const provider = createPstnProvider({ provider: 'mintfax', apiKey: mintfax.apiKey, baseUrl: mintfax.url }, { fetch: (u, i) => fetch(u, i) });
      expect(await new OfficePstnSender(looker, { pstn: { provider: () => provider, callerId: () => CALLER_ID } }).sendOne()).toBe(false);
    } finally {
      await looker.close();
    }
    await admin.query('UPDATE fxe.pstn_jobs SET next_attempt_at = $2 WHERE fax_id = $1', [id, Date.now() + 600_000]);
    await a.call('trash.restore', { ids: [id] });
    expect(await stateOn(b, id, ['delivered', 'failed'])).toMatchObject({ state: 'delivered' });
    expect(postsFor(id).map((r) => r.status)).toEqual([429, 201]);
    expect(faxesFor(id)).toHaveLength(1);
  }, 60_000);

  it('the database\'s operator cannot redirect a phone-network fax: desks send where the person chose, and only what a desk queued', async () => {
    const keys = await readKeysZip(new Uint8Array(readFileSync(relay.orgs[0]!.keysZipPath)));
    const queuedThenHeld = async (fileName: string): Promise<FaxId> => {
      // The provider asks for ten minutes' patience: the fax waits, queued, for the operator to act.
      mintfax.faults.rateLimit(1, '600');
      const { id } = await a.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName, pdf: makePdf(1, 300), coverPage: null, route: 'pstn' });
      await heldByRateLimit(b, id);
      expect(postsFor(id).map((r) => r.status)).toEqual([429]);
      return id;
    };
    // The number in the row changed: the fax still goes to the number sealed in its order.
    const redirected = await queuedThenHeld('redirected.pdf');
    await admin.query("UPDATE fxe.faxes SET to_number = '+15005550123' WHERE id = $1", [redirected]);
    await admin.query('UPDATE fxe.pstn_jobs SET next_attempt_at = 0 WHERE fax_id = $1', [redirected]);
    await stateOn(a, redirected, ['delivered', 'failed']);
    expect(faxesFor(redirected).map((f) => f.to)).toEqual([UNCOVERED.success]);

    // The order swapped for the fax's own body: refused, nothing sent, said plainly on both desks.
    const forged = await queuedThenHeld('forged.pdf');
    await admin.query('UPDATE fxe.pstn_jobs SET order_blob_id = f.blob_id, next_attempt_at = 0 FROM fxe.faxes f WHERE f.id = fxe.pstn_jobs.fax_id AND f.id = $1', [forged]);
    for (const t of [a, b]) expect(await stateOn(t, forged, ['failed', 'delivered'])).toMatchObject({ state: 'failed', failureReason: { code: 'office.pstn_order_invalid' } });
    expect(postsFor(forged).map((r) => r.status)).toEqual([429]);

    // A job slipped in for a received fax: no desk takes it.
    const looker = await openOffice({ url: server.url, orgId, signingSeed: keys.signingSeed, desk: { deskId: 'desk-looker2', deskName: 'looker', person: 'looker' } });
    try {
      const incoming = await addFax(looker, { fileName: 'lab-results.pdf' });
      await admin.query("INSERT INTO fxe.pstn_jobs (fax_id, org_id, provider, order_blob_id) SELECT id, org_id, 'mintfax', blob_id FROM fxe.faxes WHERE id = $1", [incoming]);
      const provider = createPstnProvider({ provider: 'mintfax', apiKey: mintfax.apiKey, baseUrl: mintfax.url }, { fetch: (u, i) => fetch(u, i) });
      expect(await new OfficePstnSender(looker, { pstn: { provider: () => provider, callerId: () => CALLER_ID } }).sendOne()).toBe(false);
      expect((await a.call('faxes.get', { id: incoming })).state).toBe('received');
      expect(postsFor(incoming)).toEqual([]);
    } finally {
      await looker.close();
    }
  }, 60_000);

  it('a PDF over the provider\'s limit is refused before anything is stored or uploaded', async () => {
    const before = mintfax.requests.length;
    const res = await a.desk.invoke('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'huge.pdf', pdf: makePdf(1, 10_000_100), coverPage: null, route: 'pstn' });
    expect(!res.ok && res.error.code).toBe('pstn.file_too_large');
    expect(mintfax.requests.length).toBe(before);
    expect((await admin.query("SELECT 1 FROM fxe.faxes WHERE file_name = 'huge.pdf'")).rowCount).toBe(0);
  });

  it('a desk that dies after the provider took the fax: its lease runs out, the other desk submits under the same key, one fax', async () => {
    // Two more members of the office at the module level, so the moment of death can be chosen.
    const keys = await readKeysZip(new Uint8Array(readFileSync(relay.orgs[0]!.keysZipPath)));
    const open = (name: string): Promise<Office> => openOffice({ url: server.url, orgId: asOrgId(keys.credentials.org_id), signingSeed: keys.signingSeed, desk: { deskId: `desk-${name}`, deskName: name, person: name } });
    const lane = (): OfficePstnLane => {
      const provider = createPstnProvider({ provider: 'mintfax', apiKey: mintfax.apiKey, baseUrl: mintfax.url }, { fetch: (u, i) => fetch(u, i), retry: FAST_PSTN.pstnHttpRetry });
      return { provider: () => provider, callerId: () => CALLER_ID };
    };
    const doomed = await open('doomed');
    const heir = await open('heir');
    try {
      // Ann's and Ben's desks stop sending for this one: their providers are removed.
      for (const t of [a, b]) await t.call('settings.configurePstn', { provider: null, fromNumber: '', credentials: {} });
      const orgs = { get: () => ({ orgId, name: 'Northside Clinic', faxNumbers: [FROM] }) } as unknown as Parameters<typeof queueOfficePstnSend>[1]['orgs'];
      const { id } = await queueOfficePstnSend(doomed, { orgs, pstn: lane() }, { orgId, to: UNCOVERED.success, from: FROM, fileName: 'crash.pdf', pdf: makePdf(1, 700) });
      let died = false;
      const dying = new OfficePstnSender(doomed, {
        pstn: lane(), leaseMs: 1_500, idleMs: 50, pollBaseMs: FAST_PSTN.pstnPollBaseMs,
        // The provider has the fax; the desk dies before writing that down (its database connections go with it).
        afterSubmit: async () => { died = true; await doomed.close(); },
      });
      await dying.sendOne().catch(() => undefined);
      expect(died).toBe(true);
      expect(faxesFor(id)).toHaveLength(1);
      const job = (await admin.query<{ provider_fax_id: string | null; claimed_by: string | null }>('SELECT provider_fax_id, claimed_by FROM fxe.pstn_jobs WHERE fax_id = $1', [id])).rows[0];
      expect(job).toEqual({ provider_fax_id: null, claimed_by: 'desk-doomed' });

      // The heir takes it once the dead desk's lease ran out.
      const taking = new OfficePstnSender(heir, { pstn: lane(), leaseMs: 1_500, idleMs: 50, pollBaseMs: FAST_PSTN.pstnPollBaseMs });
      taking.start();
      try {
        const done = await stateOn(a, id, ['delivered', 'failed']);
        expect(done).toMatchObject({ state: 'delivered', route: 'pstn' });
        // Submitted twice under one key; the provider answered the second with the first fax.
        expect(postsFor(id)).toHaveLength(2);
        expect(faxesFor(id)).toHaveLength(1);
        expect(done.pstn!.providerFaxId).toBe(faxesFor(id)[0]!.id);
        const lines = await trail(id);
        expect(lines.filter((l) => / accepted it as /.test(l))).toEqual([expect.stringMatching(/^send by heir: /)]);
      } finally {
        await taking.stop();
      }
    } finally {
      await doomed.close().catch(() => undefined);
      await heir.close();
    }
  }, 60_000);
});

describe('provider webhooks for the office', () => {
  let server: PrivatePostgres;
  let relay: TestRelay;
  let mintfax: MintfaxStandIn;
  const dirs = tempDir('office-pstn-hooks');
  let a: TestDesk;
  let b: TestDesk;
  let orgId: OrgId;

  beforeAll(async () => {
    const port = await freePort();
    const listener = `http://127.0.0.1:${port}/`;
    // The account's webhook address is Ann's desk (the office's public address, say): every
    // event goes there, whichever desk submitted the fax.
    [server, relay, mintfax] = await Promise.all([startPrivatePostgres(), startTestRelay(), startMintfaxStandIn({ webhookUrl: `${listener}pstn/mintfax`, eventGapMs: 5 })]);
    // No status polling during the test: only the webhooks can move a fax past 'sent'.
    ({ a, b, orgId } = await officeOfTwo(server.url, relay, dirs.path, { relayRetries: 1, pstnPollBaseMs: 10 * 60_000 }));
    await a.call('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: listener });
    for (const t of [a, b]) {
      await t.call('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: mintfax.apiKey, baseUrl: mintfax.url, webhookSecret: MINTFAX_SANDBOX_SECRET } });
    }
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await mintfax?.close();
    await relay?.close();
    server?.destroy();
    dirs.remove();
  });

  it('the events reaching one desk move the shared row, whichever desk submitted the fax', async () => {
    const ids: FaxId[] = [];
    for (const t of [a, b, b]) ids.push((await t.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'hook.pdf', pdf: makePdf(1, 400), coverPage: null, route: 'pstn' })).id);
    for (const id of ids) for (const t of [a, b]) expect(await stateOn(t, id, ['delivered', 'failed'])).toMatchObject({ state: 'delivered', pstn: { provider: 'mintfax', status: 'delivered' } });
    await mintfax.settled();
    expect(mintfax.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(mintfax.deliveries.length).toBeGreaterThanOrEqual(ids.length * 3);
    expect(mintfax.deliveries.every((d) => d.status === 200)).toBe(true);
    // Events that beat the recording of their submission were applied then, none left over.
    const c = new pg.Client({ connectionString: server.adminUrl });
    await c.connect();
    try {
      expect((await c.query('SELECT count(*)::int AS n FROM fxe.pstn_events')).rows).toEqual([{ n: 0 }]);
    } finally {
      await c.end();
    }
  }, 60_000);
});
