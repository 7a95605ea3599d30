/**
 * The faxes in the folders and the Trash: list, open, read state, archive, delete and undo,
 * tags and notes, print, save, the delivery confirmation. Sending is in send.ts.
 */
import { writeFileSync } from 'node:fs';
import type { DeskServices } from '../../desk-services.ts';
import { DeskError, errorDetail } from '../../errors.ts';
import { readFaxDocument } from '../../inbox/fax-document.ts';
import { purgeFaxes, trashDays } from '../../inbox/retention.ts';
import { deliveryConfirmationPdf } from '../../print/delivery-confirmation.ts';
import { safePdfFileName } from '../safe-file-name.ts';
import { asTurnedByUser, pageRotationsOf } from './compose.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type FaxServices = Pick<DeskServices, 'db' | 'faxes' | 'blobs' | 'settings'>;

type FaxChannel = 'faxes.list' | 'faxes.get' | 'faxes.document' | 'faxes.markRead' | 'faxes.archive' | 'faxes.delete'
  | 'faxes.undoDelete' | 'faxes.setTags' | 'faxes.setNote' | 'faxes.print' | 'faxes.saveAs' | 'faxes.printDeliveryConfirmation'
  | 'faxes.tags' | 'trash.list' | 'trash.restore' | 'trash.deleteForever' | 'trash.empty';

export function faxHandlers(ctx: HandlerContext<FaxServices>): HandlersFor<FaxChannel> {
  const svc = ctx.services;
  return {
    'faxes.list': async (req) => (await svc()).faxes.list(req),
    'faxes.get': async ({ id }) => (await svc()).faxes.detail(id),
    // A read of the document only: marking the fax read is the caller's own faxes.markRead,
    // so fetching a document again (a refresh, a re-render) never undoes "Mark unread".
    'faxes.document': async ({ id }) => {
      const s = await svc();
      const doc = readFaxDocument(s, id);
      s.faxes.audit('view', s.faxes.row(id).org_id, id, '');
      return { ...doc, rotations: pageRotationsOf(s, id) };
    },
    'faxes.markRead': async ({ ids, read }) => { (await svc()).faxes.markRead(ids, read); ctx.emitFaxesChanged(); return null; },
    'faxes.archive': async ({ ids, archived }) => { (await svc()).faxes.archive(ids, archived); ctx.emitFaxesChanged(); return null; },
    'faxes.delete': async ({ ids }) => { const undoToken = (await svc()).faxes.softDelete(ids); ctx.emitFaxesChanged(); return { undoToken }; },
    'faxes.undoDelete': async ({ undoToken }) => { (await svc()).faxes.undoDelete(undoToken); ctx.emitFaxesChanged(); return null; },
    'faxes.setTags': async ({ id, tags }) => { (await svc()).faxes.setTags(id, tags); ctx.emitFaxesChanged(); return null; },
    'faxes.setNote': async ({ id, note }) => { (await svc()).faxes.setNote(id, note); ctx.emitFaxesChanged(); return null; },
    'faxes.tags': async () => (await svc()).faxes.allTags(),
    'faxes.print': async ({ id }) => {
      const s = await svc();
      const doc = readFaxDocument(s, id);
      doc.pdf = await asTurnedByUser(s, id, doc.pdf, ctx.log);
      const printed = await ctx.printer.printPdf(doc.pdf, safePdfFileName(doc.fileName, `fax-${id.slice(0, 8)}`));
      doc.pdf.fill(0);
      if (printed) s.faxes.audit('print', s.faxes.row(id).org_id, id, '');
      return { printed };
    },
    'faxes.saveAs': async ({ id }) => {
      const s = await svc();
      const row = s.faxes.row(id);
      const path = await ctx.dialogs.saveFile({ title: 'Save the fax as PDF', defaultPath: safePdfFileName(row.file_name, `fax-${id.slice(0, 8)}`), filters: [{ name: 'PDF', extensions: ['pdf'] }] });
      if (!path) return null;
      const doc = readFaxDocument(s, id);
      doc.pdf = await asTurnedByUser(s, id, doc.pdf, ctx.log);
      try {
        writeFileSync(path, doc.pdf, { mode: 0o600 });
      } catch (e) {
        throw new DeskError('file.write_failed', 'fxe Desk could not save the fax there. Pick another place.', { detail: errorDetail(e), cause: e });
      } finally {
        doc.pdf.fill(0);
      }
      s.faxes.audit('export', row.org_id, id, path);
      return { savedTo: path };
    },
    'faxes.printDeliveryConfirmation': async ({ id }) => {
      const s = await svc();
      const fax = s.faxes.detail(id);
      if (fax.direction !== 'out') throw new DeskError('fax.not_sent', 'Delivery confirmations exist only for faxes you sent.', { detail: id });
      const printed = await ctx.printer.printPdf(deliveryConfirmationPdf(fax, ctx.nowMs()), `Delivery confirmation ${fax.id}`);
      if (printed) s.faxes.audit('print', fax.orgId, id, 'delivery confirmation');
      return { printed };
    },

    'trash.list': async ({ orgId, offset, limit }) => {
      const s = await svc();
      return { ...s.faxes.listTrash(orgId, offset, limit), removeAfterDays: trashDays(s.settings.get().retention) };
    },
    'trash.restore': async ({ ids }) => { const restored = (await svc()).faxes.restore(ids); ctx.emitFaxesChanged(); return { restored }; },
    'trash.deleteForever': async ({ ids }) => {
      const s = await svc();
      const purged = purgeFaxes(s.faxes, s.blobs, s.faxes.trashed(ids), 'deleted forever', ctx.log);
      ctx.emitFaxesChanged();
      return { purged };
    },
    'trash.empty': async ({ orgId }) => {
      const s = await svc();
      const purged = purgeFaxes(s.faxes, s.blobs, s.faxes.allTrashed(orgId), 'Trash emptied', ctx.log);
      ctx.emitFaxesChanged();
      return { purged };
    },
  };
}
