// The behaviour every InboxStore engine owes the window, run against each engine for real
// (SQLite in a temp folder; PostgreSQL on the private test server). The caller seeds faxes
// through the engine's own write path, the way the receive and send lanes store them.
import { expect, it } from 'vitest';
import type { InboxStore } from '../../electron/services/storage/inbox-store.ts';
import type { DeskError } from '../../electron/services/errors.ts';

export interface SeedFax {
  id: string;
  orgId: string;
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
  orgId: string;
  seed(f: SeedFax): Promise<void>;
}

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: DeskError) => e.code);

export function inboxStoreContract(scene: () => InboxStoreScene): void {
  const pdf = new TextEncoder().encode('%PDF-1.4\n% a tiny body\n%%EOF\n');
  const fax = (id: string, fileName: string, at: number, direction: 'in' | 'out' = 'in'): SeedFax => ({
    id, orgId: scene().orgId, direction, peerNumber: direction === 'in' ? '+15557770001' : '+15557770002', fileName, at, pdf,
  });

  it('lists folders newest first, counts unread, finds by file name and number', async () => {
    const { store, seed } = scene();
    await seed(fax('store-a1', 'lab-results.pdf', 1_000));
    await seed(fax('store-a2', 'referral-smith.pdf', 2_000));
    await seed(fax('store-a3', 'invoice-77.pdf', 3_000, 'out'));
    const inbox = await store.list({ folder: 'inbox', offset: 0, limit: 10 });
    expect(inbox.items.map((f) => f.id)).toEqual(['store-a2', 'store-a1']);
    expect(inbox.total).toBe(2);
    expect((await store.list({ folder: 'sent', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-a3']);
    expect(await store.unreadCount()).toBe(2);
    expect((await store.list({ folder: 'inbox', query: 'referral', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-a2']);
    expect((await store.list({ folder: 'inbox', query: '+1 555 777 0001', offset: 0, limit: 10 })).total).toBe(2);
  });

  it('opens the document, marks read and unread, keeps notes and tags', async () => {
    const { store } = scene();
    const doc = await store.document('store-a1');
    expect(doc.fileName).toBe('lab-results.pdf');
    expect(new TextDecoder().decode(doc.pdf)).toContain('a tiny body');
    await store.markRead(['store-a1'], true);
    expect((await store.detail('store-a1')).read).toBe(true);
    expect(await store.unreadCount()).toBe(1);
    await store.markRead(['store-a1'], false);
    expect(await store.unreadCount()).toBe(2);
    await store.setNote('store-a2', 'called the clinic back');
    await store.setTags('store-a2', ['referrals', 'urgent']);
    const d = await store.detail('store-a2');
    expect(d.note).toBe('called the clinic back');
    expect(d.tags.sort()).toEqual(['referrals', 'urgent']);
    expect(await store.allTags()).toEqual(['referrals', 'urgent']);
    expect((await store.list({ folder: 'inbox', tag: 'urgent', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-a2']);
    expect((await store.list({ folder: 'inbox', query: 'clinic back', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-a2']);
  });

  it('archives, deletes with undo, restores and purges from the Trash', async () => {
    const { store } = scene();
    await store.archive(['store-a1'], true);
    expect((await store.list({ folder: 'archive', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-a1']);
    await store.archive(['store-a1'], false);
    const { undoToken } = await store.delete(['store-a2']);
    expect(await codeOf(store.detail('store-a2'))).toBe('fax.not_found');
    expect((await store.listTrash(undefined, 0, 10)).items.map((f) => f.id)).toEqual(['store-a2']);
    expect(await store.allTags()).toEqual([]);
    expect(await store.undoDelete(undoToken)).toBe(1);
    expect((await store.detail('store-a2')).id).toBe('store-a2');
    await store.delete(['store-a2']);
    expect(await store.restore(['store-a2'])).toBe(1);
    await store.delete(['store-a3']);
    expect(await store.deleteForever(['store-a3', 'store-a1'])).toBe(1); // a1 is not in the Trash
    expect((await store.listTrash(undefined, 0, 10)).total).toBe(0);
    expect(await codeOf(store.document('store-a3'))).toBe('fax.not_found');
    await store.delete(['store-a1']);
    expect(await store.emptyTrash(undefined)).toBe(1);
    expect((await store.list({ folder: 'inbox', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-a2']);
  });

  it('writes views, prints and exports to the fax audit trail, oldest first', async () => {
    const { store } = scene();
    await store.audit('view', 'store-a2', '');
    await store.audit('print', 'store-a2', '');
    await store.audit('export', 'store-a2', '/home/desk/referral.pdf');
    const actions = (await store.auditTrail('store-a2')).map((e) => e.action);
    expect(actions.filter((a) => ['view', 'print', 'export'].includes(a))).toEqual(['view', 'print', 'export']);
    expect(actions).toContain('restore');
  });

  it('lists the faxes of one receiving number (a department), searches within it, counts its unread', async () => {
    const { store, seed, orgId } = scene();
    await seed({ ...fax('store-l1', 'billing-march.pdf', 5_000), toNumber: '+15550000101' });
    await seed({ ...fax('store-l2', 'billing-april.pdf', 6_000), toNumber: '+15550000101' });
    await seed({ ...fax('store-l3', 'lab-panel.pdf', 7_000), toNumber: '+15550000102' });
    await store.markRead(['store-l2'], true);
    const billing = await store.list({ folder: 'inbox', line: '+15550000101', offset: 0, limit: 10 });
    expect(billing.items.map((f) => f.id)).toEqual(['store-l2', 'store-l1']);
    expect(billing.total).toBe(2);
    expect((await store.list({ folder: 'inbox', line: '+15550000101', query: 'march', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual(['store-l1']);
    expect((await store.list({ folder: 'inbox', line: '+15550000101', query: 'lab', offset: 0, limit: 10 })).total).toBe(0);
    const unreadOf = async (n: string) => (await store.lineCounts(orgId)).find((c) => c.number === n)?.unread;
    expect(await unreadOf('+15550000101')).toBe(1);
    expect(await unreadOf('+15550000102')).toBe(1);
    // Archived: out of the Inbox and its count, like the Inbox badge.
    await store.archive(['store-l3'], true);
    expect(await unreadOf('+15550000102')).toBe(0);
    expect((await store.list({ folder: 'inbox', line: '+15550000102', offset: 0, limit: 10 })).total).toBe(0);
    expect((await store.lineCounts('org_someone_else')).length).toBe(0);
    await store.delete(['store-l1', 'store-l2', 'store-l3']);
    await store.emptyTrash(undefined);
  });

  it('keeps the phone book: one entry per number, search, export', async () => {
    const { store } = scene();
    const c = await store.contacts.save({ name: 'Northside Clinic', organisation: 'Northside', faxNumber: '+15557770001' });
    expect(await codeOf(store.contacts.save({ name: 'Other', organisation: '', faxNumber: '+15557770001' }))).toBe('contact.duplicate_number');
    await store.contacts.save({ ...c, name: 'Northside Clinic (front desk)' });
    expect((await store.contacts.list('front desk')).map((x) => x.id)).toEqual([c.id]);
    expect(await store.contacts.exportCsv()).toContain('Northside Clinic (front desk),Northside,');
    // The inbox shows the phone book's name for the number.
    expect((await store.detail('store-a2')).peerName).toBe('Northside Clinic (front desk)');
    await store.contacts.delete(c.id);
    expect(await store.contacts.list()).toEqual([]);
  });
}
