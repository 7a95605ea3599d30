/**
 * One document to several recipients, now or at a later time. Each recipient gets a fax of
 * its own (own outbox row, own envelope sealed to its own keys, own status), all tagged with
 * one send-group id so the send can be shown whole. A recipient refused at this point (say,
 * the document is over the phone-network provider's size limit) is reported on its own line;
 * the others are queued regardless.
 */
import { uuid4 } from '../../../shared/protocol/index.ts';
import type { CoverPage, SendGroupRequest, SendGroupResult } from '../../../shared/ipc/contract.ts';
import { DeskError, toUserError } from '../errors.ts';
import { prependCoverPage, type Letterhead } from './cover-page.ts';
import type { CoverTemplates } from './cover-templates.ts';
import type { Outbox } from './outbox.ts';
import { validatePdf } from './pdf-check.ts';

/** "Send later" reaches at most this far: a date a year out is almost always a typo. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 60 * 60 * 1000;

export interface SendGroupDeps {
  /** Where each recipient's fax is queued: this desk's outbox, or (in an office) the shared one. */
  outbox: Pick<Outbox, 'submit'>;
  nowMs: () => number;
  log?: (line: string) => void;
  /** Where a chosen template's letterhead is read (absent: covers are plain). */
  coverTemplates?: Pick<CoverTemplates, 'letterhead'>;
}

/** The letterhead of the template a cover names (a deleted one: a plain sentence, nothing queued). */
export async function letterheadOf(deps: Pick<SendGroupDeps, 'coverTemplates'>, coverPage: CoverPage | null): Promise<Letterhead | null> {
  const id = coverPage?.templateId;
  if (!id || !deps.coverTemplates) return null;
  return deps.coverTemplates.letterhead(id);
}

/** The document as it goes to one recipient: with that recipient's cover page in front, if asked for. */
export async function documentFor(
  deps: Pick<SendGroupDeps, 'nowMs' | 'log' | 'coverTemplates'>,
  req: { pdf: Uint8Array; from: string; coverPage: CoverPage | null },
  to: { number: string; name?: string | undefined },
  documentPages?: number | null,
): Promise<Uint8Array> {
  const c = req.coverPage;
  if (!c) return req.pdf;
  // Check the user's file first (a clear "not a PDF" beats a cover-page failure), then build a
  // new PDF with the cover in front; the file the user picked is left as is.
  const pages = documentPages !== undefined ? documentPages : (await validatePdf(req.pdf, deps.log)).pages;
  return (await prependCoverPage(req.pdf, {
    toName: c.toName.trim() ? c.toName : to.name ?? '', toNumber: to.number, fromName: c.fromName, fromNumber: req.from, subject: c.subject, message: c.message,
    documentPages: pages, date: new Date(deps.nowMs()), letterhead: await letterheadOf(deps, c),
  })).pdf;
}

/** "Send later" reaches at most a year ahead (a time already past means now). */
export function assertScheduleInReach(nowMs: number, sendAt: number | null): void {
  if (sendAt !== null && sendAt > nowMs + MAX_SCHEDULE_AHEAD_MS) {
    throw new DeskError('send.too_far_ahead', 'That date is more than a year away. Check the date you picked for "Send later".', { detail: `sendAt ${sendAt}` });
  }
}

export async function submitGroup(deps: SendGroupDeps, req: SendGroupRequest): Promise<SendGroupResult> {
  assertScheduleInReach(deps.nowMs(), req.sendAt);
  // A document that is no PDF at all fails for everyone alike: said once, before anything is stored.
  const { pages } = await validatePdf(req.pdf, deps.log);
  // So does a template deleted since the dialog listed it.
  await letterheadOf(deps, req.coverPage);
  const sendGroup = req.recipients.length > 1 ? `s_${uuid4()}` : null;
  const items: SendGroupResult['items'] = [];
  for (const r of req.recipients) {
    try {
      const pdf = await documentFor(deps, req, { number: r.to, name: r.name }, pages);
      // Without a cover page each recipient gets the very bytes checked above: not checked again
      // (each check is a fresh pdf.js worker, ~0.3 s of CPU).
      const { id } = await deps.outbox.submit({
        orgId: req.orgId, to: r.to, from: req.from, fileName: req.fileName, pdf, route: r.route,
        subject: req.coverPage?.subject ?? null, sendGroup, sendAt: req.sendAt,
      }, pdf === req.pdf ? { pages } : undefined);
      items.push({ to: r.to, id, error: null });
    } catch (e) {
      // A refusal that concerns the whole send (wrong caller ID) would repeat for every line: stop there.
      if (e instanceof DeskError && e.code === 'send.from_not_yours') throw e;
      deps.log?.(`send group: ${r.to} refused: ${toUserError(e).code}`);
      items.push({ to: r.to, id: null, error: toUserError(e) });
    }
  }
  return { sendGroup, items };
}
