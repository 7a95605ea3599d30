// The shared outbox's "Send later", Resend and Trash restore, on a private PostgreSQL and the
// real local relay: two desks (each with its own sender), an office clock the test moves
// forward, and the relay's own records to count what reached the recipient.
import { asFaxId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OfficeInbox } from '../../electron/services/office/office-inbox.ts';
import { cancelScheduledOffice, enqueueOfficeSend, OfficeOutboxSender, resendOfficeFax, sendScheduledNow } from '../../electron/services/office/office-outbox.ts';
import { makePdf, startTestRelay, tempDir, type TestRelay } from '../services/helpers.ts';
import { resetOfficeDb } from './helpers.ts';
import { openOfficeLane, relayMessages, type OfficeLane } from './office-scene.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

let server: PrivatePostgres;
let relay: TestRelay;
const dirs: { remove(): void }[] = [];
/** The office's clock, for every desk: real time plus what the test added. */
let shift = 0;
const officeNow = (): number => Date.now() + shift;
const HOUR = 3_600_000;

function stateDir(label: string): string {
  const d = tempDir(`office-${label}`);
  dirs.push(d);
  return d.path;
}

beforeAll(async () => {
  [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]);
});
afterAll(async () => {
  await relay?.close();
  server?.destroy();
  for (const d of dirs) d.remove();
});
beforeEach(async () => {
  shift = 0;
  await resetOfficeDb(server.adminUrl);
});

const office = (): { keysZipPath: string; number: string; orgId: OrgId } => ({ keysZipPath: relay.orgs[1]!.keysZipPath, number: relay.orgs[1]!.faxNumbers[0]!, orgId: relay.orgs[1]!.orgId });
const lane = (name: string): Promise<OfficeLane> => openOfficeLane({ keysZipPath: office().keysZipPath, stateDir: stateDir(name), url: server.url, deskName: name, nowMs: officeNow });
const sender = (l: OfficeLane): OfficeOutboxSender => new OfficeOutboxSender(l.office, { clients: l.c.s.clients });
const atRelay = (id: FaxId): number => relayMessages(join(relay.dir.path, 'data')).filter((m) => m.message_id === id).length;

async function queue(l: OfficeLane, name: string, sendAt: number | null = null): Promise<FaxId> {
  return (await enqueueOfficeSend(l.office, l.c.s, { orgId: l.c.orgId, to: relay.orgs[0]!.faxNumbers[0]!, from: office().number, fileName: `${name}.pdf`, pdf: makePdf(1), sendAt })).id;
}

async function stateOf(l: OfficeLane, id: FaxId): Promise<string> {
  return (await new OfficeInbox(l.office).detail(id)).state;
}

describe('office outbox: Send later', () => {
  it('waits for its time whichever desks quit, then one of two desks sends it, once', async () => {
    const a = await lane('later-a');
    const id = await queue(a, 'later', officeNow() + HOUR);
    const listed = (await new OfficeInbox(a.office).list({ folder: 'outbox' })).find((f) => f.id === id);
    expect(listed?.state).toBe('scheduled');
    expect(listed?.sendAt).toBeGreaterThan(officeNow());
    // The desk that scheduled it quits; two others are open. Before its time neither sends it.
    await a.close();
    const b = await lane('later-b');
    const c = await lane('later-c');
    try {
      expect(await sender(b).drain()).toBe(0);
      expect(atRelay(id)).toBe(0);
      // Its time comes: both desks look for work at once; it goes once.
      shift = HOUR + 1_000;
      const counts = await Promise.all([sender(b).drain(), sender(c).drain()]);
      expect(counts[0] + counts[1]).toBe(1);
      expect(atRelay(id)).toBe(1);
      expect(await stateOf(b, id)).toBe('sent');
    } finally {
      await b.close();
      await c.close();
    }
  });

  it('"Send now" makes it due at once; "Cancel" puts it in the Trash unsent, and restoring it does not send it', async () => {
    const a = await lane('now-a');
    try {
      const now = await queue(a, 'now', officeNow() + HOUR);
      const cancelled = await queue(a, 'cancelled', officeNow() + HOUR);
      await sendScheduledNow(a.office, now);
      await cancelScheduledOffice(a.office, cancelled);
      await expect(sendScheduledNow(a.office, cancelled)).rejects.toMatchObject({ code: 'send.not_scheduled' });
      expect(await sender(a).drain()).toBe(1);
      expect(atRelay(now)).toBe(1);
      const trash = await new OfficeInbox(a.office).list({ folder: 'trash' });
      expect(trash.map((f) => f.id)).toEqual([cancelled]);
      await new OfficeInbox(a.office).restore([cancelled]);
      shift = 2 * HOUR;
      expect(await sender(a).drain()).toBe(0);
      expect(atRelay(cancelled)).toBe(0);
      expect(await stateOf(a, cancelled)).toBe('failed');
    } finally {
      await a.close();
    }
  });
});

describe('office outbox: Trash and Resend', () => {
  it('a queued fax in the Trash is not sent; restored, it goes on; a scheduled one restored after its time is not sent late', async () => {
    const a = await lane('trash-a');
    const b = await lane('trash-b');
    try {
      const queued = await queue(a, 'queued');
      const scheduled = await queue(a, 'scheduled', officeNow() + HOUR);
      await new OfficeInbox(a.office).delete([queued, scheduled]);
      shift = 2 * HOUR;
      expect(await sender(b).drain()).toBe(0);
      expect(atRelay(queued)).toBe(0);
      expect(atRelay(scheduled)).toBe(0);
      // Restored at another desk: the queued one goes on, once; the scheduled one's time passed.
      await new OfficeInbox(b.office).restore([queued, scheduled]);
      expect(await sender(b).drain()).toBe(1);
      expect(atRelay(queued)).toBe(1);
      expect(await stateOf(b, queued)).toBe('sent');
      expect(atRelay(scheduled)).toBe(0);
      expect(await stateOf(b, scheduled)).toBe('failed');
      const why = (await b.office.query<{ failure_json: string }>('SELECT failure_json FROM fxe.faxes WHERE id = $1', [scheduled])).rows[0]!.failure_json;
      expect((JSON.parse(why) as { code: string }).code).toBe('send.schedule_missed');
      // Resend then sends it, from its own row.
      expect((await resendOfficeFax(b.office, b.c.s, scheduled)).id).toBe(scheduled);
      expect(await sender(a).drain()).toBe(1);
      expect(atRelay(scheduled)).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('Resend of a failed fax whose upload had reached the relay puts the same row back: the relay says it has it, counted as sent, never sent twice', async () => {
    const a = await lane('resend-a');
    const b = await lane('resend-b');
    try {
      const id = await queue(a, 'resend');
      expect(await sender(a).drain()).toBe(1);
      expect(atRelay(id)).toBe(1);
      // As if that attempt had ended failed after its upload got through (the answer lost).
      await a.office.query("UPDATE fxe.faxes SET state = 'failed', failure_json = $2 WHERE id = $1", [id, JSON.stringify({ code: 'relay.unreachable', message: 'lost' })]);
      const again = await resendOfficeFax(b.office, b.c.s, id);
      expect(again.id).toBe(id);
      expect(await stateOf(a, id)).toBe('queued');
      await expect(resendOfficeFax(a.office, a.c.s, id)).rejects.toMatchObject({ code: 'send.already_queued' });
      expect(await sender(b).drain()).toBe(1);
      expect(atRelay(id)).toBe(1);
      expect(await stateOf(a, id)).toBe('sent');
      const trail = await new OfficeInbox(a.office).audit({ faxId: id });
      expect(trail.map((t) => t.detail)).toContain('uploaded (the relay already had it)');
      // A sent fax sent again is a new fax (a new message), like on a single desk.
      const copy = await resendOfficeFax(a.office, a.c.s, id);
      expect(copy.id).not.toBe(id);
      expect(await sender(a).drain()).toBe(1);
      expect(atRelay(asFaxId(copy.id))).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
