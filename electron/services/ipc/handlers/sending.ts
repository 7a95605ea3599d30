/**
 * Sending to several recipients and at a later time (Send now, Cancel), the phone book's
 * contact groups, and the reports of what was sent and received (transmission, activity).
 */
import { writeFileSync } from 'node:fs';
import type { DeskServices } from '../../desk-services.ts';
import { DeskError, errorDetail } from '../../errors.ts';
import { activityLines } from '../../inbox/activity.ts';
import { submitGroup, type SendGroupDeps } from '../../outbox/send-group.ts';
import { activityCsv, activityPdf, transmissionReportPdf, transmissionTimes } from '../../print/transmission-report.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type SendingServices = Pick<DeskServices, 'outbox' | 'groups' | 'faxes' | 'orgs' | 'db' | 'office' | 'coverTemplates' | 'inbox'>;

type SendingChannel =
  | 'send.submitGroup' | 'outbox.cancelScheduled' | 'outbox.sendNow' | 'groups.list' | 'groups.save' | 'groups.delete' | 'groups.setMembers'
  | 'faxes.transmissionReport' | 'reports.activity';

function writeChosenFile(path: string, bytes: Uint8Array | string): void {
  try {
    writeFileSync(path, bytes, { mode: 0o600 });
  } catch (e) {
    throw new DeskError('file.write_failed', 'fxe Desk could not save the report there. Pick another place.', { detail: errorDetail(e), cause: e });
  }
}

/**
 * In an office the org's faxes go out through the office's shared outbox, one row per recipient,
 * at once or at their time ("Send later"), over fxe or, for a member the person chose to reach
 * over the phone network, through its phone lane (office-pstn.ts).
 */
function sharedOutbox(office: DeskServices['office']): SendGroupDeps['outbox'] {
  return {
    async submit(req) {
      const officeReq = { orgId: req.orgId, to: req.to, from: req.from, fileName: req.fileName, pdf: req.pdf, subject: req.subject ?? null, sendAt: req.sendAt ?? null };
      const queued = req.route === 'pstn' ? await office.sendPstn(officeReq) : await office.send(officeReq);
      return { id: queued.id, pages: null };
    },
  };
}

export function sendingHandlers(ctx: HandlerContext<SendingServices>): HandlersFor<SendingChannel> {
  const svc = ctx.services;
  return {
    'send.submitGroup': async (req) => {
      const s = await svc();
      const result = await submitGroup({ outbox: s.office.orgId() === req.orgId ? sharedOutbox(s.office) : s.outbox, nowMs: ctx.nowMs, log: ctx.log, coverTemplates: s.coverTemplates() }, req);
      ctx.emitFaxesChanged();
      return result;
    },
    'outbox.cancelScheduled': async ({ id }) => {
      const s = await svc();
      if (s.office.orgId() !== null && s.inbox().engine !== 'sqlite') await s.office.cancelScheduled(id);
      else s.outbox.cancelScheduled(id);
      ctx.emitFaxesChanged();
      return null;
    },
    'outbox.sendNow': async ({ id }) => {
      const s = await svc();
      // In an office: due at once in the shared outbox, whichever desk claims it first.
      if (s.office.orgId() !== null && s.inbox().engine !== 'sqlite') await s.office.sendNow(id);
      // Not awaited: the answer is "it is on its way", the Outbox follows the rest.
      else void s.outbox.sendNow(id);
      ctx.emitFaxesChanged();
      return null;
    },
    'faxes.transmissionReport': async ({ id, thumbnailPng, timeZone, action }) => {
      const s = await svc();
      const fax = s.faxes.detail(id);
      if (fax.direction !== 'out') throw new DeskError('fax.not_sent', 'Transmission reports exist only for faxes you sent.', { detail: id });
      let senderName: string = fax.orgId;
      try { senderName = s.orgs.get(fax.orgId).name; } catch { /* an org removed since: its id says who */ }
      const pdf = await transmissionReportPdf(
        { fax, senderName, ...transmissionTimes(fax, s.faxes.auditTrail(id)), thumbnailPng },
        ctx.nowMs(), { timeZone, locale: 'en-GB' },
      );
      if (action === 'print') {
        const printed = await ctx.printer.printPdf(pdf, `Transmission report ${fax.id}`);
        if (printed) s.faxes.audit('print', fax.orgId, id, 'transmission report');
        return { done: printed, savedTo: null };
      }
      const path = await ctx.dialogs.saveFile({ title: 'Save the transmission report', defaultPath: `transmission-report-${fax.id.slice(0, 8)}.pdf`, filters: [{ name: 'PDF', extensions: ['pdf'] }] });
      if (!path) return { done: false, savedTo: null };
      writeChosenFile(path, pdf);
      s.faxes.audit('export', fax.orgId, id, `transmission report to ${path}`);
      return { done: true, savedTo: path };
    },
    'reports.activity': async ({ orgId, direction, fromMs, toMs, format, timeZone }) => {
      const s = await svc();
      const lines = activityLines(s.db, { orgId, direction, fromMs, toMs });
      const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      const name = `fax-activity-${day.format(fromMs)}-to-${day.format(toMs - 1)}.${format}`;
      const path = await ctx.dialogs.saveFile({ title: 'Save the activity report', defaultPath: name, filters: format === 'csv' ? [{ name: 'CSV', extensions: ['csv'] }] : [{ name: 'PDF', extensions: ['pdf'] }] });
      if (!path) return null;
      const what = { received: 'Faxes received', sent: 'Faxes sent', all: 'Fax activity' }[direction];
      const org = orgId ? s.orgs.list().find((o) => o.orgId === orgId)?.name : undefined;
      writeChosenFile(path, format === 'csv'
        ? activityCsv(lines, { timeZone })
        : await activityPdf(lines, { fromMs, toMs: toMs - 1, title: `${what}${org ? `: ${org}` : ''}` }, ctx.nowMs(), { timeZone, locale: 'en-GB' }));
      s.faxes.audit('export', orgId ?? null, null, `activity report (${direction}, ${lines.length} faxes) to ${path}`);
      return { savedTo: path, count: lines.length };
    },
    'groups.list': async () => (await svc()).groups().list(),
    'groups.save': async (req) => (await svc()).groups().save(req),
    'groups.delete': async ({ id }) => { await (await svc()).groups().delete(id); return null; },
    'groups.setMembers': async ({ id, contactIds }) => (await svc()).groups().setMembers(id, contactIds),
  };
}
