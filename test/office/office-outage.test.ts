// The office through database trouble: PostgreSQL restarted in the middle of receiving, then
// one desk cut off for 30 s (a paused TCP proxy between it and the server: no error, just
// silence). The receiver and the other desk carry on; the cut-off desk says it lost the
// database, and when the line comes back it reconnects and catches up: every fax, the note
// written meanwhile, nothing lost or doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { ChangeFeed, type FeedStatus } from '../../electron/services/office/change-feed.ts';
import { OfficeInbox } from '../../electron/services/office/office-inbox.ts';
import { OfficeReceiver } from '../../electron/services/office/office-receiver.ts';
import { startTestRelay, tempDir, waitFor, type TestRelay } from '../services/helpers.ts';
import { openOfficeLane, sendFaxes, type OfficeLane } from './office-scene.ts';
import { startPausableProxy, type PausableProxy } from './pausable-proxy.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

let server: PrivatePostgres;
let relay: TestRelay;
let proxy: PausableProxy;
let outside: CliServices;
const dirs: { path: string; remove(): void }[] = [];

function dir(label: string): string {
  const d = tempDir(`office-${label}`);
  dirs.push(d);
  return d.path;
}

beforeAll(async () => {
  [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]);
  proxy = await startPausableProxy(server.port);
  outside = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: dir('outside'), log: () => undefined });
});
afterAll(async () => {
  await outside?.close();
  await proxy?.close();
  await relay?.close();
  server?.destroy();
  for (const d of dirs) d.remove();
});

describe('office through a database restart and a cut-off desk', () => {
  it('reconnects, catches up, nothing lost or doubled', async () => {
    const org = relay.orgs[1]!;
    const proxiedUrl = server.url.replace(`:${server.port}/`, `:${proxy.port}/`);
    const lanes: OfficeLane[] = [];
    const receiverLane = await openOfficeLane({ keysZipPath: org.keysZipPath, stateDir: dir('recv'), url: server.url, deskName: 'server' });
    lanes.push(receiverLane);
    const deskA = await openOfficeLane({ keysZipPath: org.keysZipPath, stateDir: dir('a'), url: server.url, deskName: 'front', person: 'Ann' });
    lanes.push(deskA);
    const deskB = await openOfficeLane({ keysZipPath: org.keysZipPath, stateDir: dir('b'), url: proxiedUrl, deskName: 'back', person: 'Bob' });
    lanes.push(deskB);
    const receiver = new OfficeReceiver(receiverLane.office, { pollOnce: () => receiverLane.c.s.poller.pollOnce(), intervalMs: 200, leaseMs: 3_000, renewEveryMs: 500 });
    // Desk B's screen: the faxes its live feed announced, and what its feed says about the line.
    const seenByB = new Set<string>();
    const updatedForB: string[] = [];
    const statusB: FeedStatus[] = [];
    const feedB = new ChangeFeed({
      db: { url: proxiedUrl }, checkEveryMs: 1_000,
      onChanges: (cs) => { for (const c of cs) if (c.kind === 'faxes' && c.key) (c.op === 'insert' ? seenByB.add(c.key) : updatedForB.push(c.key)); },
      onStatus: (s) => statusB.push(s),
    });
    try {
      await feedB.start();
      receiver.start();
      const batch1 = await sendFaxes(outside, org.faxNumbers[0]!, 10);
      await waitFor('desk B seeing the first faxes', () => batch1.every((id) => seenByB.has(id)), 60_000);

      // PostgreSQL restarts while more faxes arrive.
      const sending2 = sendFaxes(outside, org.faxNumbers[0]!, 10);
      server.restart();
      const batch2 = await sending2;
      await waitFor('desk B seeing the faxes after the restart', () => batch2.every((id) => seenByB.has(id)), 90_000);
      expect(statusB.some((s) => !s.connected)).toBe(true);

      // Desk B is cut off for 30 s; faxes keep arriving and desk A writes a note meanwhile.
      proxy.pause();
      const cutAt = Date.now();
      const batch3 = await sendFaxes(outside, org.faxNumbers[0]!, 10);
      const inboxA = new OfficeInbox(deskA.office);
      await waitFor('the receiver storing during the cut', async () => (await inboxA.list({ limit: 100 })).length === 30, 60_000);
      await inboxA.setNote(batch1[0]!, 'Called the clinic back');
      await waitFor('desk B noticing it lost the database', () => statusB[statusB.length - 1]?.connected === false, 30_000);
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - cutAt))));
      expect(batch3.some((id) => seenByB.has(id))).toBe(false);
      proxy.resume();

      await waitFor('desk B catching up', () => batch3.every((id) => seenByB.has(id)) && updatedForB.includes(batch1[0]!), 60_000);
      expect(statusB[statusB.length - 1]).toEqual({ connected: true });
      const inboxB = new OfficeInbox(deskB.office);
      expect((await inboxB.detail(batch1[0]!)).note).toBe('Called the clinic back');
      const all = [...batch1, ...batch2, ...batch3];
      const listed = await inboxB.list({ folder: 'inbox', limit: 500 });
      expect(listed.length).toBe(30);
      expect(listed.map((f) => f.id).sort()).toEqual([...all].sort());
      expect(seenByB.size).toBe(30);
    } finally {
      await receiver.stop();
      await feedB.stop();
      for (const l of lanes) await l.close();
    }
  }, 300_000);
});
