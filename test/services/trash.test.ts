// The Trash with real faxes received from the real local relay, a real database and a real
// blob store: Delete moves a fax to the Trash (out of its folder, the unread count, search
// and tags), Undo and Restore put it back where it was, "Delete forever" and "Empty Trash"
// remove row and encrypted body at once, and the audit log records each step.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makePdf, openTwoDesks, type TestDesk, type TwoDeskScene } from './helpers.ts';

function auditOf(dataDir: string, faxId: FaxId): { action: string; detail: string }[] {
  const db = new Database(join(dataDir, 'desk.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT action, detail FROM audit_log WHERE fax_id = ? ORDER BY seq').all(faxId) as { action: string; detail: string }[];
  } finally {
    db.close();
  }
}

const blobFiles = (dataDir: string): string[] => readdirSync(join(dataDir, 'blobs')).filter((f) => f.endsWith('.bin'));

describe('Trash', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;
  const ids: FaxId[] = [];

  beforeAll(async () => {
    scene = await openTwoDesks('trash', { a: { autoStart: false }, b: { autoStart: false } });
    ({ a, b, aOrg, bOrg } = scene);
    for (const name of ['lease-renewal.pdf', 'invoice-2291.pdf', 'referral.pdf']) {
      const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: name, pdf: makePdf(1, 2_000), coverPage: null, route: 'fxe' });
      ids.push(id);
    }
    await a.desk.flushOutbox();
    expect(await b.desk.pollNow()).toBe(3);
  });

  afterAll(async () => {
    await scene?.close();
  });

  const inbox = async (query?: string) => (await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10, ...(query ? { query } : {}) })).items.map((f) => f.id);
  const trash = async () => b.call('trash.list', { orgId: bOrg, offset: 0, limit: 10 });

  it('moves a deleted fax to the Trash: out of its folder, unread count, search and tags; Undo brings it back', async () => {
    await b.call('faxes.setTags', { id: ids[0]!, tags: ['leases'] });
    expect((await b.call('app.status', {})).unreadCount).toBe(3);
    const { undoToken } = await b.call('faxes.delete', { ids: [ids[0]!] });

    expect(await inbox()).not.toContain(ids[0]);
    expect(await inbox('lease-renewal')).toEqual([]);
    expect((await b.call('app.status', {})).unreadCount).toBe(2);
    expect(await b.call('faxes.tags', {})).toEqual([]);
    const page = await trash();
    expect(page.total).toBe(1);
    expect(page.removeAfterDays).toBe(365);
    expect(page.items[0]).toMatchObject({ id: ids[0], folder: 'inbox', fileName: 'lease-renewal.pdf', read: false });
    expect(blobFiles(b.dataDir)).toHaveLength(3);

    await b.call('faxes.undoDelete', { undoToken });
    expect(await inbox()).toContain(ids[0]);
    expect((await trash()).total).toBe(0);
    expect((await b.call('app.status', {})).unreadCount).toBe(3);
    expect(await b.call('faxes.tags', {})).toEqual(['leases']);
  });

  it('restores a fax to the folder it was deleted from', async () => {
    await b.call('faxes.archive', { ids: [ids[1]!], archived: true });
    await b.call('faxes.delete', { ids: [ids[0]!, ids[1]!] });
    expect((await trash()).items.map((f) => [f.id, f.folder])).toEqual(expect.arrayContaining([[ids[0], 'inbox'], [ids[1], 'archive']]));

    expect(await b.call('trash.restore', { ids: [ids[0]!, ids[1]!] })).toEqual({ restored: 2 });
    expect(await inbox()).toContain(ids[0]);
    expect((await b.call('faxes.list', { folder: 'archive', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([ids[1]]);
    expect((await trash()).total).toBe(0);
    expect(auditOf(b.dataDir, ids[1]!).map((r) => r.action).slice(-2)).toEqual(['delete', 'restore']);
  });

  it('deletes forever only what is in the Trash, body included', async () => {
    // A fax still in its folder is not purged by a "Delete forever" request.
    expect(await b.call('trash.deleteForever', { ids: [ids[2]!] })).toEqual({ purged: 0 });
    expect(await inbox()).toContain(ids[2]);

    await b.call('faxes.delete', { ids: [ids[2]!] });
    expect(await b.call('trash.deleteForever', { ids: [ids[2]!] })).toEqual({ purged: 1 });
    expect(blobFiles(b.dataDir)).toHaveLength(2);
    expect((await trash()).total).toBe(0);
    const gone = await b.desk.invoke('faxes.get', { id: ids[2]! });
    expect(gone.ok ? null : gone.error.code).toBe('fax.not_found');
    expect(auditOf(b.dataDir, ids[2]!).slice(-2)).toEqual([{ action: 'delete', detail: '' }, { action: 'purge', detail: 'deleted forever' }]);
  });

  it('empties the Trash of the organisation shown', async () => {
    await b.call('faxes.delete', { ids: [ids[0]!, ids[1]!] });
    // The sender's own copies are another org's: they stay.
    await a.call('faxes.delete', { ids: [ids[0]!] });
    expect(await b.call('trash.empty', { orgId: bOrg })).toEqual({ purged: 2 });
    expect(blobFiles(b.dataDir)).toHaveLength(0);
    expect((await trash()).total).toBe(0);
    expect(await inbox()).toEqual([]);
    expect((await a.call('trash.list', { orgId: aOrg, offset: 0, limit: 10 })).total).toBe(1);
    expect(auditOf(b.dataDir, ids[0]!).at(-1)).toEqual({ action: 'purge', detail: 'Trash emptied' });
  });
});
