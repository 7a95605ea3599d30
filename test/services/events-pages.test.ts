// Live updates and page counts, end to end against the real local relay: receiving a fax and
// every mark read / archive / delete / undo pushes `faxes.changed` followed by a fresh
// `status.changed` (with the unread count), so the tray and the sidebar never need to poll;
// received faxes get their page count after they are stored.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppStatus, IpcEvent } from '../../shared/ipc/contract.ts';
import { countPdfPages } from '../../electron/services/inbox/page-count.ts';
import { makePdf, openTwoDesks, type TestDesk, type TwoDeskScene, waitFor } from './helpers.ts';

/** Run `action`, then wait for the faxes.changed + status.changed it must cause. */
async function expectLiveUpdate(t: TestDesk, action: () => Promise<unknown>): Promise<AppStatus> {
  const from = t.events.length;
  await action();
  const after = (): IpcEvent[] => t.events.slice(from);
  await waitFor('faxes.changed', () => after().some((e) => e.type === 'faxes.changed'));
  const status = await waitFor('status.changed', () => {
    const s = after().find((e) => e.type === 'status.changed');
    return s?.type === 'status.changed' ? s.status : null;
  });
  return status;
}

describe('live events and page counts', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;

  beforeAll(async () => {
    scene = await openTwoDesks('events', { a: { autoStart: false }, b: { autoStart: false } });
    ({ a, b, aOrg } = scene);
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('counts pages with pdf.js, and answers null for what is not a PDF', async () => {
    expect(await countPdfPages(makePdf(4))).toBe(4);
    expect(await countPdfPages(new TextEncoder().encode('%PDF-1.4 nothing else'))).toBeNull();
    expect(await countPdfPages(new Uint8Array(0))).toBeNull();
  });

  it('a received fax raises the unread count in status.changed and gets its page count', async () => {
    const pdf = makePdf(3, 10_000);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'three-pages.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).pages).toBe(3);

    const status = await expectLiveUpdate(b, async () => { expect(await b.desk.pollNow()).toBe(1); });
    expect(status.unreadCount).toBe(1);
    expect(b.events.some((e) => e.type === 'fax.received' && e.id === id)).toBe(true);
    const counted = await waitFor('page count', async () => {
      const f = await b.call('faxes.get', { id });
      return f.pages === null ? null : f;
    });
    expect(counted.pages).toBe(3);
    const listed = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(listed.items[0]).toMatchObject({ id, pages: 3 });
  });

  it('mark read / unread, archive, delete and undo each push faxes.changed and the fresh unread count', async () => {
    const [fax] = (await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 1 })).items;
    const id = fax!.id;
    expect((await expectLiveUpdate(b, () => b.call('faxes.markRead', { ids: [id], read: true }))).unreadCount).toBe(0);
    expect((await expectLiveUpdate(b, () => b.call('faxes.markRead', { ids: [id], read: false }))).unreadCount).toBe(1);
    // Fetching the document is a read only: the window marks an opened fax read with its own
    // faxes.markRead (above), so a refetch never undoes "Mark unread".
    await b.call('faxes.document', { id });
    expect((await b.call('faxes.get', { id })).read).toBe(false);
    expect((await expectLiveUpdate(b, () => b.call('faxes.archive', { ids: [id], archived: true }))).unreadCount).toBe(0); // the Inbox badge: archived faxes are out of the Inbox
    expect((await b.call('faxes.list', { folder: 'archive', offset: 0, limit: 10 })).total).toBe(1);
    expect((await expectLiveUpdate(b, () => b.call('faxes.archive', { ids: [id], archived: false }))).unreadCount).toBe(1);
    let undoToken = '';
    const afterDelete = await expectLiveUpdate(b, async () => { undoToken = (await b.call('faxes.delete', { ids: [id] })).undoToken; });
    expect(afterDelete.unreadCount).toBe(0);
    expect((await expectLiveUpdate(b, () => b.call('faxes.undoDelete', { undoToken }))).unreadCount).toBe(1);
  });
});
