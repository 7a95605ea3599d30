/**
 * Composing a fax from several files (and its preview, cover included), and the pages the
 * user turned in the viewer: remembered here, honoured by Print and Save (faxes.ts).
 */
import type { FaxId } from '../../../../shared/domain/ids.ts';
import type { PageRotation, ResponseOf } from '../../../../shared/ipc/contract.ts';
import type { DeskServices } from '../../desk-services.ts';
import { composeFax, rotatedCopy } from '../../compose/compose.ts';
import { prependCoverPage } from '../../outbox/cover-page.ts';
import { letterheadOf } from '../../outbox/send-group.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type ComposeServices = Pick<DeskServices, 'db' | 'faxes' | 'coverTemplates' | 'pageTurns'>;

type ComposeChannel = 'compose.build' | 'faxes.setPageRotation';

export function composeHandlers(ctx: HandlerContext<ComposeServices>): HandlersFor<ComposeChannel> {
  return {
    'compose.build': async ({ files, paper, cover }) => {
      const doc = await composeFax(files.map((f) => ({ fileName: f.fileName, data: f.data, removePages: f.removePages })), paper);
      const answer: ResponseOf<'compose.build'> = {
        pdf: doc.pdf, pages: doc.pages, coverPages: 0, filePages: doc.partPages, sources: doc.sources.map((s) => ({ file: s.part, page: s.page })),
      };
      if (!cover) return answer;
      // The preview shows the cover as send.submit will make it (dated now; the real one is
      // dated when sent).
      const withCover = await prependCoverPage(doc.pdf, {
        toName: cover.toName, toNumber: cover.to, fromName: cover.fromName, fromNumber: cover.from, subject: cover.subject, message: cover.message,
        documentPages: doc.pages, date: new Date(ctx.nowMs()), letterhead: await letterheadOf({ coverTemplates: (await ctx.services()).coverTemplates() }, cover),
      });
      return { ...answer, pdf: withCover.pdf, pages: withCover.pages, coverPages: 1 };
    },
    'faxes.setPageRotation': async ({ id, page, degrees }) => {
      // This desk's, or in an office the office's: a plain "not found" for a fax that is not there.
      await (await ctx.services()).pageTurns().set(id, page, degrees);
      return null;
    },
  };
}

export function pageRotationsOf(s: Pick<DeskServices, 'pageTurns'>, id: FaxId): Promise<PageRotation[]> {
  return s.pageTurns().read(id);
}

/**
 * The document to print or save: turned as the user turned it in the viewer. The stored fax
 * is never rewritten; a document pdf-lib cannot rewrite goes out as it is (and the log says so).
 */
export async function asTurnedByUser(s: Pick<DeskServices, 'pageTurns'>, id: FaxId, pdf: Uint8Array, log: (line: string) => void): Promise<Uint8Array> {
  const rotations = await s.pageTurns().read(id);
  if (rotations.length === 0) return pdf;
  const turned = await rotatedCopy(pdf, rotations, log);
  if (!turned) return pdf;
  pdf.fill(0); // the decrypted original is not needed any more
  return turned;
}
