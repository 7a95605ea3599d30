// Office receive and send against the real local relay and a real private PostgreSQL, in
// one process: the same ReceivePipeline with the office sink, two receivers competing for
// leadership, and the shared outbox claimed by two desks, one of which "dies" after its
// upload got through (the relay's 409 makes the re-upload count as sent).
import { asFaxId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfficeInbox } from '../../electron/services/office/office-inbox.ts';
import { enqueueOfficeSend, OfficeOutboxSender } from '../../electron/services/office/office-outbox.ts';
import { OfficeReceiver } from '../../electron/services/office/office-receiver.ts';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { makePdf, startTestRelay, tempDir, waitFor, type TestRelay } from '../services/helpers.ts';
import { resetOfficeDb } from './helpers.ts';
import { openOfficeLane, relayMessages, sendFaxes, type OfficeLane } from './office-scene.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

let server: PrivatePostgres;
let relay: TestRelay;
let outside: CliServices;
const dirs: { remove(): void }[] = [];

function stateDir(label: string): string {
  const d = tempDir(`office-${label}`);
  dirs.push(d);
  return d.path;
}

beforeAll(async () => {
  [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]);
  outside = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: stateDir('outside'), log: () => undefined });
});
afterAll(async () => {
  await outside?.close();
  await relay?.close();
  server?.destroy();
  for (const d of dirs) d.remove();
});

const officeOrg = (): { keysZipPath: string; number: string; orgId: OrgId } => ({ keysZipPath: relay.orgs[1]!.keysZipPath, number: relay.orgs[1]!.faxNumbers[0]!, orgId: relay.orgs[1]!.orgId });

describe('office receive', () => {
  it('two receivers, one leader: every fax stored once, every receipt the one committed; the other takes over when the leader quits', async () => {
    await resetOfficeDb(server.adminUrl);
    const lanes: OfficeLane[] = [];
    for (const name of ['front', 'back']) lanes.push(await openOfficeLane({ keysZipPath: officeOrg().keysZipPath, stateDir: stateDir(name), url: server.url, deskName: name }));
    const receivers = lanes.map((l) => new OfficeReceiver(l.office, { pollOnce: () => l.c.s.poller.pollOnce(), intervalMs: 200, leaseMs: 2_000, renewEveryMs: 400 }));
    try {
      for (const r of receivers) r.start();
      const first = await sendFaxes(outside, officeOrg().number, 6);
      const inbox = new OfficeInbox(lanes[1]!.office);
      await waitFor('the first faxes in the office inbox', async () => (await inbox.list({ folder: 'inbox', limit: 500 })).length === 6);
      const leader = await waitFor('a leader', () => receivers.findIndex((r) => r.isLeader) + 1);
      expect(receivers.filter((r) => r.isLeader)).toHaveLength(1);
      await receivers[leader - 1]!.stop();
      const second = await sendFaxes(outside, officeOrg().number, 6);
      await waitFor('the other receiver leading', () => receivers[2 - leader]!.isLeader);
      await waitFor('every fax in the office inbox', async () => (await inbox.list({ folder: 'inbox', limit: 500 })).length === 12);
      await waitFor('every receipt accepted', () => relayMessages(join(relay.dir.path, 'data')).filter((m) => [...first, ...second].includes(asFaxId(m.message_id)) && m.delivered_at !== null).length === 12);
      await waitFor('every receipt recorded', async () => Number((await inbox.audit({ limit: 1000 })).filter((a) => a.action === 'receipt').length) === 12);
      const listed = await inbox.list({ folder: 'inbox', limit: 500 });
      expect(listed.map((f) => f.id).sort()).toEqual([...first, ...second].sort());
      // The receipt the relay holds is, byte for byte, the one committed with the fax.
      const jobs = (await lanes[0]!.office.query<{ message_id: string; receipt_json: string; state: string }>('SELECT message_id, receipt_json, state FROM fxe.receive_jobs')).rows;
      const relayed = new Map(relayMessages(join(relay.dir.path, 'data')).map((m) => [m.message_id, m.receipt_json]));
      for (const j of jobs) {
        expect(j.state).toBe('receipted');
        expect(JSON.parse(relayed.get(j.message_id)!)).toEqual(JSON.parse(j.receipt_json));
      }
      const body = await inbox.body(first[0]!);
      expect(body.toString('latin1')).toContain('office fax');
    } finally {
      for (const r of receivers) await r.stop();
      for (const l of lanes) await l.close();
    }
  });
});

describe('office send', () => {
  it('sealed once, uploaded by whichever desk claims it; a desk dying after its upload leaves the row to another, whose upload counts as sent', async () => {
    await resetOfficeDb(server.adminUrl);
    const a = await openOfficeLane({ keysZipPath: officeOrg().keysZipPath, stateDir: stateDir('send-a'), url: server.url, deskName: 'send-a' });
    const b = await openOfficeLane({ keysZipPath: officeOrg().keysZipPath, stateDir: stateDir('send-b'), url: server.url, deskName: 'send-b' });
    try {
      const to = relay.orgs[0]!.faxNumbers[0]!;
      const from = officeOrg().number;
      const ids: FaxId[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await enqueueOfficeSend(a.office, a.c.s, { orgId: a.c.orgId, to, from, fileName: `out-${i}.pdf`, pdf: makePdf(1), subject: `Referral ${i}` })).id);
      }
      // Desk A uploads the first row, then "dies" before recording it: its lease runs out.
      const dying = new OfficeOutboxSender(a.office, { clients: a.c.s.clients, leaseMs: 1_000, afterUpload: () => { throw new Error('killed after upload'); } });
      await expect(dying.sendOne()).resolves.toBe(true);
      const stuck = (await a.office.query<{ fax_id: FaxId; claimed_by: string | null; done: boolean }>('SELECT fax_id, claimed_by, done FROM fxe.outbox WHERE attempts > 0')).rows;
      expect(stuck).toHaveLength(1);
      // (The simulated death happened inside the try: the failure path released the claim. A
      // real SIGKILL leaves the claim held: make it so, and let the lease run out.)
      await a.office.query("UPDATE fxe.outbox SET claimed_by = 'desk-send-a', lease_until = now() + interval '800 milliseconds', done = false WHERE fax_id = $1", [stuck[0]!.fax_id]);
      const senders = [new OfficeOutboxSender(a.office, { clients: a.c.s.clients, leaseMs: 1_000 }), new OfficeOutboxSender(b.office, { clients: b.c.s.clients, leaseMs: 1_000 })];
      await Promise.all(senders.map((s) => s.drain()));
      await waitFor('the dead claim re-claimed after its lease', async () => { await Promise.all(senders.map((s) => s.drain())); return senders[0]!.sent + senders[1]!.sent === 5; });
      const relayed = relayMessages(join(relay.dir.path, 'data')).filter((m) => ids.includes(asFaxId(m.message_id)));
      expect(relayed.map((m) => m.message_id).sort()).toEqual([...ids].sort());
      const sent = await new OfficeInbox(b.office).list({ folder: 'sent', limit: 50 });
      expect(sent.map((f) => f.id).sort()).toEqual([...ids].sort());
      const trail = await new OfficeInbox(b.office).audit({ faxId: stuck[0]!.fax_id });
      expect(trail.map((t) => t.detail)).toContain('uploaded (the relay already had it)');
      expect((await new OfficeInbox(b.office).list({ search: 'referral 3' })).length).toBe(1);
      // The outside org receives each exactly once.
      let received = 0;
      await waitFor('the recipient to get them', async () => { received += await outside.s.poller.pollOnce(); return received >= 5; });
      expect(received).toBe(5);
      expect(outside.s.faxes.exists(ids[0]!)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
