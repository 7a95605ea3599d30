// The office engine of InboxStore on a real private PostgreSQL (the office schema, migrated
// for real): the same contract as the single desk's SQLite, then what only an office has —
// read state per person ("read by"), "handled by", and an audit trail naming desk and person.
import { asFaxId, asOrgId } from '../../shared/domain/ids.ts';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOffice, type Office } from '../../electron/services/office/office.ts';
import { officeError } from '../../electron/services/office-link/office-errors.ts';
import { postgresInboxStore } from '../../electron/services/office/postgres-inbox-store.ts';
import type { InboxStore } from '../../electron/services/storage/inbox-store.ts';
import { A2, inboxStoreContract, type InboxStoreScene, type SeedFax } from '../services/inbox-store-contract.ts';
import { seedOfficeFax } from './office-seed.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const ORG = asOrgId('org_store');
const R1 = asFaxId('office-r1');

describe('InboxStore on the office PostgreSQL', () => {
  let server: PrivatePostgres;
  let offices: Office[] = [];
  let signingSeed: Uint8Array;
  let scene: InboxStoreScene;
  let ann: InboxStore;
  let ben: InboxStore;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    signingSeed = randomBytes(32);
    const a = await openOffice({ url: server.url, orgId: ORG, signingSeed, desk: { deskId: 'desk-1', deskName: 'Front desk', person: 'Ann' } });
    const b = await openOffice({ url: server.url, orgId: ORG, signingSeed, desk: { deskId: 'desk-2', deskName: 'Back office', person: 'Ben' } });
    offices = [a, b];
    const open = (o: Office): InboxStore => postgresInboxStore({ office: o, toError: (e) => officeError(e, o.where) });
    ann = open(a);
    ben = open(b);
    scene = { store: ann, orgId: ORG, seed: (f: SeedFax) => seedOfficeFax(a, f) };
  }, 60_000);

  afterAll(async () => {
    for (const o of offices) await o.close();
    server?.destroy();
  });

  inboxStoreContract(() => scene);

  it('keeps read state per person and says who read a fax, on which desk', async () => {
    await scene.seed({ id: R1, orgId: ORG, direction: 'in', peerNumber: '+15557770009', fileName: 'xray.pdf', at: 9_000, pdf: new Uint8Array([37, 80, 68, 70]) });
    const annBefore = await ann.unreadCount();
    const benBefore = await ben.unreadCount();
    await ann.markRead([R1], true);
    expect(await ann.unreadCount()).toBe(annBefore - 1);
    expect(await ben.unreadCount()).toBe(benBefore);
    expect((await ben.detail(R1)).read).toBe(false);
    const seenByBen = await ben.detail(R1);
    expect(seenByBen.readBy).toEqual([{ person: 'Ann', desk: 'Front desk', at: expect.any(Number) }]);
    await ben.markRead([R1], true);
    expect((await ann.detail(R1)).readBy?.map((r) => r.person)).toEqual(['Ann', 'Ben']);
    await ann.markRead([R1], false);
    expect((await ben.detail(R1)).readBy?.map((r) => r.person)).toEqual(['Ben']);
  });

  it('assigns a fax to a person; every desk sees "handled by" in the list and the detail', async () => {
    await ann.assign(R1, 'Ben');
    expect((await ben.detail(R1)).assignee).toBe('Ben');
    const listed = (await ben.list({ folder: 'inbox', offset: 0, limit: 50 })).items.find((f) => f.id === R1);
    expect(listed?.assignee).toBe('Ben');
    await ben.assign(R1, null);
    expect((await ann.detail(R1)).assignee).toBeNull();
    await expect(ann.assign(asFaxId('no-such-fax'), 'Ann')).rejects.toMatchObject({ code: 'fax.not_found' });
  });

  it('names desk and person in every audit entry: view, print, export, send, assignment, delete', async () => {
    await ann.audit('view', R1, '');
    await ben.audit('print', R1, '');
    await ben.audit('export', R1, '/home/ben/xray.pdf');
    await ann.delete([R1]);
    const trail = await ben.auditTrail(R1);
    const pick = (action: string) => trail.filter((e) => e.action === action).map((e) => `${e.person}@${e.desk}`);
    expect(pick('view')).toEqual(['Ann@Front desk']);
    expect(pick('print')).toEqual(['Ben@Back office']);
    expect(pick('export')).toEqual(['Ben@Back office']);
    expect(pick('assign')).toEqual(['Ann@Front desk']);
    expect(pick('unassign')).toEqual(['Ben@Back office']);
    expect(pick('delete')).toEqual(['Ann@Front desk']);
  });

  it('undo of a deletion belongs to the desk that deleted; another desk restores from the Trash', async () => {
    const { undoToken } = await ann.delete([A2]);
    await expect(ben.undoDelete(undoToken)).rejects.toMatchObject({ code: 'fax.undo_expired' });
    expect(await ben.restore([A2])).toBe(1);
    await expect(ann.undoDelete(undoToken)).rejects.toMatchObject({ code: 'fax.undo_expired' });
  });

  it('turns a database that went away into a plain "cannot be reached" (last: it stops the server)', async () => {
    server.stop();
    await expect(ann.list({ folder: 'inbox', offset: 0, limit: 5 })).rejects.toMatchObject({ code: 'office.unreachable' });
    await expect(ben.detail(A2)).rejects.toMatchObject({ code: 'office.unreachable' });
  });
});
