/**
 * The faxes in the folders and the Trash: list, open, read state, archive, delete and undo,
 * tags and notes, print, save, the delivery confirmation. Sending is in send.ts.
 */
import { writeFileSync } from 'node:fs';
import type { FaxId } from '../../../../shared/domain/ids.ts';
import type { DeskServices } from '../../desk-services.ts';
import { DeskError, errorDetail } from '../../errors.ts';
import { trashDays } from '../../inbox/retention.ts';
import { deliveryConfirmationPdf } from '../../print/delivery-confirmation.ts';
import { safePdfFileName } from '../safe-file-name.ts';
import { asTurnedByUser, pageRotationsOf } from './compose.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

/**
 * The faxes come from `inbox()`: this desk's SQLite, or the office's database in an office.
 * So do page turns (`pageTurns()`): the office's in an office, the same on every desk.
 */
export type FaxServices = Pick<DeskServices, 'inbox' | 'settings' | 'db' | 'orgs' | 'faxes' | 'outbox' | 'pageTurns'>;

type FaxChannel = 'faxes.list' | 'faxes.get' | 'faxes.document' | 'faxes.pageTurns' | 'faxes.markRead' | 'faxes.archive' | 'faxes.delete'
  | 'faxes.undoDelete' | 'faxes.setTags' | 'faxes.setNote' | 'faxes.print' | 'faxes.saveAs' | 'faxes.printDeliveryConfirmation'
  | 'faxes.tags' | 'faxes.lines' | 'faxes.assign' | 'faxes.audit' | 'trash.list' | 'trash.restore' | 'trash.deleteForever' | 'trash.empty';

export function faxHandlers(ctx: HandlerContext<FaxServices>): HandlersFor<FaxChannel> {
  const inbox = async () => (await ctx.services()).inbox();
  /** A change made here: this window (and, through the office's change feed, the other desks) reloads. */
  const changed = <T>(value: T): T => { ctx.emitFaxesChanged(); return value; };
  /**
   * Outgoing faxes of this desk back from the Trash are put back as they were (the outbox
   * decides what resumes: Outbox.resumeRestored). An office's shared outbox rows are the
   * office's: its senders pick up restored rows themselves.
   */
  const afterRestore = async (ids: readonly FaxId[]): Promise<void> => {
    const s = await ctx.services();
    if (s.inbox().engine !== 'sqlite' || ids.length === 0) return;
    await s.outbox.resumeRestored(ids);
  };
  return {
    'faxes.list': async (req) => (await inbox()).list(req),
    'faxes.get': async ({ id }) => (await inbox()).detail(id),
    // A read of the document only: marking the fax read is the caller's own faxes.markRead,
    // so fetching a document again (a refresh, a re-render) never undoes "Mark unread".
    'faxes.document': async ({ id }) => {
      const store = await inbox();
      const doc = await store.document(id);
      await store.audit('view', id, '');
      return { ...doc, rotations: await pageRotationsOf(await ctx.services(), id) };
    },
    // Not a view of the document (nothing audited): the open viewer asks again after each change.
    'faxes.pageTurns': async ({ id }) => pageRotationsOf(await ctx.services(), id),
    'faxes.markRead': async ({ ids, read }) => { await (await inbox()).markRead(ids, read); return changed(null); },
    'faxes.archive': async ({ ids, archived }) => { await (await inbox()).archive(ids, archived); return changed(null); },
    'faxes.delete': async ({ ids }) => {
      const s = await ctx.services();
      const undo = await s.inbox().delete(ids);
      // An outgoing fax of this desk being uploaded right now stops: "delete" means "do not send".
      if (s.inbox().engine === 'sqlite') s.outbox.stopDeleted(ids);
      return changed(undo);
    },
    'faxes.undoDelete': async ({ undoToken }) => {
      const store = await inbox();
      const ids = store.engine === 'sqlite' ? (await ctx.services()).faxes.idsOfUndo(undoToken) : [];
      await store.undoDelete(undoToken);
      await afterRestore(ids);
      return changed(null);
    },
    'faxes.setTags': async ({ id, tags }) => { await (await inbox()).setTags(id, tags); return changed(null); },
    'faxes.setNote': async ({ id, note }) => { await (await inbox()).setNote(id, note); return changed(null); },
    'faxes.assign': async ({ id, assignee }) => { await (await inbox()).assign(id, assignee); return changed(null); },
    'faxes.audit': async ({ id }) => (await inbox()).auditTrail(id),
    'faxes.tags': async () => (await inbox()).allTags(),
    'faxes.lines': async ({ orgId }) => {
      const s = await ctx.services();
      // Every number the org receives on, even before its first fax, then any other a fax came
      // in on (a number since given up): its faxes stay findable by line.
      const ours = s.orgs.list().filter((o) => !orgId || o.orgId === orgId).flatMap((o) => o.faxNumbers);
      const counts = await (await inbox()).lineCounts(orgId);
      const unread = new Map(counts.map((c) => [c.number, c.unread]));
      const names = s.settings.get().lineNames;
      const numbers = [...new Set([...ours, ...counts.map((c) => c.number)])];
      return numbers.map((number) => ({ number, name: names[number] ?? '', unread: unread.get(number) ?? 0 }));
    },
    'faxes.print': async ({ id }) => {
      const store = await inbox();
      const doc = await store.document(id);
      doc.pdf = await asTurnedByUser(await ctx.services(), id, doc.pdf, ctx.log);
      const printed = await ctx.printer.printPdf(doc.pdf, safePdfFileName(doc.fileName, `fax-${id.slice(0, 8)}`));
      doc.pdf.fill(0);
      if (printed) await store.audit('print', id, '');
      return { printed };
    },
    'faxes.saveAs': async ({ id }) => {
      const store = await inbox();
      const fax = await store.detail(id);
      const path = await ctx.dialogs.saveFile({ title: 'Save the fax as PDF', defaultPath: safePdfFileName(fax.fileName, `fax-${id.slice(0, 8)}`), filters: [{ name: 'PDF', extensions: ['pdf'] }] });
      if (!path) return null;
      const doc = await store.document(id);
      doc.pdf = await asTurnedByUser(await ctx.services(), id, doc.pdf, ctx.log);
      try {
        writeFileSync(path, doc.pdf, { mode: 0o600 });
      } catch (e) {
        throw new DeskError('file.write_failed', 'fxe Desk could not save the fax there. Pick another place.', { detail: errorDetail(e), cause: e });
      } finally {
        doc.pdf.fill(0);
      }
      await store.audit('export', id, path);
      return { savedTo: path };
    },
    'faxes.printDeliveryConfirmation': async ({ id }) => {
      const store = await inbox();
      const fax = await store.detail(id);
      if (fax.direction !== 'out') throw new DeskError('fax.not_sent', 'Delivery confirmations exist only for faxes you sent.', { detail: id });
      const printed = await ctx.printer.printPdf(deliveryConfirmationPdf(fax, ctx.nowMs()), `Delivery confirmation ${fax.id}`);
      if (printed) await store.audit('print', id, 'delivery confirmation');
      return { printed };
    },

    'trash.list': async ({ orgId, offset, limit }) => {
      const s = await ctx.services();
      return { ...(await s.inbox().listTrash(orgId, offset, limit)), removeAfterDays: trashDays(s.settings.get().retention) };
    },
    'trash.restore': async ({ ids }) => {
      const store = await inbox();
      // Only those really in the Trash: a fax waiting out a retry elsewhere keeps its wait.
      const inTrash = store.engine === 'sqlite' ? (await ctx.services()).faxes.trashed(ids).map((r) => r.id) : [];
      const restored = await store.restore(ids);
      await afterRestore(inTrash);
      return changed({ restored });
    },
    'trash.deleteForever': async ({ ids }) => changed({ purged: await (await inbox()).deleteForever(ids) }),
    'trash.empty': async ({ orgId }) => changed({ purged: await (await inbox()).emptyTrash(orgId) }),
  };
}
