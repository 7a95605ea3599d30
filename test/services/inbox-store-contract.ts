// The behaviour every InboxStore engine owes the window, run against each engine for real
// (SQLite in a temp folder; PostgreSQL on the private test server). The caller seeds faxes
// through the engine's own write path, the way the receive and send lanes store them.
import { asFaxId, asOrgId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { expect, it } from 'vitest';
import type { InboxStore } from '../../electron/services/storage/inbox-store.ts';
import type { DeskError } from '../../electron/services/errors.ts';

export interface SeedFax {
  id: FaxId;
  orgId: OrgId;
  direction: 'in' | 'out';
  peerNumber: string;
  fileName: string;
  at: number;
  pdf: Uint8Array;
  /** The number of ours it came in on (incoming); a fixed one when absent. */
  toNumber?: string;
}

export interface InboxStoreScene {
  store: InboxStore;
  orgId: OrgId;
  seed(f: SeedFax): Promise<void>;
}

// The seeded faxes' ids, as the engines hand them back.
export const A1 = asFaxId('store-a1');
export const A2 = asFaxId('store-a2');
export const A3 = asFaxId('store-a3');

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: DeskError) => e.code);

export function inboxStoreContract(scene: () => InboxStoreScene): void {
  const pdf = new TextEncoder().encode('%PDF-1.4\n% a tiny body\n%%EOF\n');
  const fax = (id: FaxId, fileName: string, at: number, direction: 'in' | 'out' = 'in'): SeedFax => ({
    id, orgId: scene().orgId, direction, peerNumber: direction === 'in' ? '+15557770001' : '+15557770002', fileName, at, pdf,
  });

  it('lists folders newest first, counts unread, finds by file name and number', async () => {
    const { store, seed } = scene();
    await seed(fax(A1, 'lab-results.pdf', 1_000));
    await seed(fax(A2, 'referral-smith.pdf', 2_000));
    await seed(fax(A3, 'invoice-77.pdf', 3_000, 'out'));
    const inbox = await store.list({ folder: 'inbox', offset: 0, limit: 10 });
    expect(inbox.items.map((f) => f.id)).toEqual([A2, A1]);
    expect(inbox.total).toBe(2);
    expect((await store.list({ folder: 'sent', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([A3]);
    expect(await store.unreadCount()).toBe(2);
    expect((await store.list({ folder: 'inbox', query: 'referral', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([A2]);
    expect((await store.list({ folder: 'inbox', query: '+1 555 777 0001', offset: 0, limit: 10 })).total).toBe(2);
  });

  it('opens the document, marks read and unread, keeps notes and tags', async () => {
    const { store } = scene();
    const doc = await store.document(A1);
    expect(doc.fileName).toBe('lab-results.pdf');
    expect(new TextDecoder().decode(doc.pdf)).toContain('a tiny body');
    await store.markRead([A1], true);
    expect((await store.detail(A1)).read).toBe(true);
    expect(await store.unreadCount()).toBe(1);
    await store.markRead([A1], false);
    expect(await store.unreadCount()).toBe(2);
    await store.setNote(A2, 'called the clinic back');
    await store.setTags(A2, ['referrals', 'urgent']);
    const d = await store.detail(A2);
    expect(d.note).toBe('called the clinic back');
    expect(d.tags.sort()).toEqual(['referrals', 'urgent']);
    expect(await store.allTags()).toEqual(['referrals', 'urgent']);
    expect((await store.list({ folder: 'inbox', tag: 'urgent', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([A2]);
    expect((await store.list({ folder: 'inbox', query: 'clinic back', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([A2]);
  });

  it('archives, deletes with undo, restores and purges from the Trash', async () => {
    const { store } = scene();
    await store.archive([A1], true);
    expect((await store.list({ folder: 'archive', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([A1]);
    await store.archive([A1], false);
    const { undoToken } = await store.delete([A2]);
    expect(await codeOf(store.detail(A2))).toBe('fax.not_found');
    expect((await store.listTrash(undefined, 0, 10)).items.map((f) => f.id)).toEqual([A2]);
    expect(await store.allTags()).toEqual([]);
    expect(await store.undoDelete(undoToken)).toBe(1);
    expect((await store.detail(A2)).id).toBe(A2);
    await store.delete([A2]);
    expect(await store.restore([A2])).toBe(1);
    await store.delete([A3]);
    expect(await store.deleteForever([A3, A1])).toBe(1); // a1 is not in the Trash
    expect((await store.listTrash(undefined, 0, 10)).total).toBe(0);
    expect(await codeOf(store.document(A3))).toBe('fax.not_found');
    await store.delete([A1]);
    expect(await store.emptyTrash(undefined)).toBe(1);
    expect((await store.list({ folder: 'inbox', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([A2]);
  });

  it('writes views, prints and exports to the fax audit trail, oldest first', async () => {
    const { store } = scene();
    await store.audit('view', A2, '');
    await store.audit('print', A2, '');
    await store.audit('export', A2, '/home/desk/referral.pdf');
    const actions = (await store.auditTrail(A2)).map((e) => e.action);
    expect(actions.filter((a) => ['view', 'print', 'export'].includes(a))).toEqual(['view', 'print', 'export']);
    expect(actions).toContain('restore');
  });

  it('lists the faxes of one receiving number (a department), searches within it, counts its unread', async () => {
    const { store, seed, orgId } = scene();
    await seed({ ...fax(asFaxId('store-l1'), 'billing-march.pdf', 5_000), toNumber: '+15550000101' });
    await seed({ ...fax(asFaxId('store-l2'), 'billing-april.pdf', 6_000), toNumber: '+15550000101' });
    await seed({ ...fax(asFaxId('store-l3'), 'lab-panel.pdf', 7_000), toNumber: '+15550000102' });
    await store.markRead([asFaxId('store-l2')], true);
    const billing = await store.list({ folder: 'inbox', line: '+15550000101', offset: 0, limit: 10 });
    expect(billing.items.map((f) => f.id)).toEqual(['store-l2', 'store-l1']);
    expect(billing.total).toBe(2);
    expect((await store.list({ folder: 'inbox', line: '+15550000101', query: 'march', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-l1']);
    expect((await store.list({ folder: 'inbox', line: '+15550000101', query: 'lab', offset: 0, limit: 10 })).total).toBe(0);
    const unreadOf = async (n: string) => (await store.lineCounts(orgId)).find((c) => c.number === n)?.unread;
    expect(await unreadOf('+15550000101')).toBe(1);
    expect(await unreadOf('+15550000102')).toBe(1);
    // Archived: out of the Inbox and its count, like the Inbox badge.
    await store.archive([asFaxId('store-l3')], true);
    expect(await unreadOf('+15550000102')).toBe(0);
    expect((await store.list({ folder: 'inbox', line: '+15550000102', offset: 0, limit: 10 })).total).toBe(0);
    expect((await store.lineCounts(asOrgId('org_someone_else'))).length).toBe(0);
    await store.delete(['store-l1', 'store-l2', 'store-l3'].map(asFaxId));
    await store.emptyTrash(undefined);
  });

  it('reads a fax in the same shape from either engine: numbers as numbers, ids as given, nothing desk-only invented', async () => {
    const { store, orgId, seed } = scene();
    const a4 = asFaxId('store-a4');
    await seed(fax(a4, 'invoice-78.pdf', 4_000, 'out'));
    const shape = {
      id: a4, orgId, direction: 'out', folder: 'sent', route: 'fxe', peerNumber: '+15557770002', fileName: 'invoice-78.pdf', subject: null,
      sizeBytes: pdf.length, at: 4_000, read: true, tags: [], hasNote: false, sendAt: null, sendGroup: null,
    };
    expect((await store.list({ folder: 'sent', offset: 0, limit: 10 })).items[0]).toMatchObject(shape);
    const detail = await store.detail(a4);
    expect(detail).toMatchObject({ ...shape, note: '', toNumber: '+15557770002', pstn: null, receipt: null, failureReason: null, progress: null });
    expect([typeof detail.sizeBytes, typeof detail.at]).toEqual(['number', 'number']);
  });

  it('keeps the phone book: one entry per number, search, export', async () => {
    const { store } = scene();
    const c = await store.contacts.save({ name: 'Northside Clinic', organisation: 'Northside', faxNumber: '+15557770001' });
    expect(await codeOf(store.contacts.save({ name: 'Other', organisation: '', faxNumber: '+15557770001' }))).toBe('contact.duplicate_number');
    await store.contacts.save({ ...c, name: 'Northside Clinic (front desk)' });
    expect((await store.contacts.list('front desk')).map((x) => x.id)).toEqual([c.id]);
    expect(await store.contacts.exportCsv()).toContain('Northside Clinic (front desk),Northside,');
    // The inbox shows the phone book's name for the number.
    expect((await store.detail(A2)).peerName).toBe('Northside Clinic (front desk)');
    await store.contacts.delete(c.id);
    expect(await store.contacts.list()).toEqual([]);
  });
}
