/** Sending on fxe: check a number, submit (with an optional cover page), resend, forward, accept a key change. */
import type { DeskServices } from '../../desk-services.ts';
import { DeskError } from '../../errors.ts';
import { readFaxDocument } from '../../inbox/fax-document.ts';
import { documentFor } from '../../outbox/send-group.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type SendServices = Pick<DeskServices, 'faxes' | 'blobs' | 'outbox' | 'pipeline' | 'office' | 'inbox' | 'coverTemplates'>;

/** In an office, the org's faxes go out through the shared outbox (fxe only: the phone lane is per desk). */
function viaOffice(s: SendServices, orgId: string, route: 'fxe' | 'pstn'): boolean {
  if (s.office.orgId() !== orgId) return false;
  if (route === 'pstn') {
    throw new DeskError('office.no_pstn', 'In an office, faxes go out over fxe only for now; the phone network is not available from the shared outbox.', { detail: 'pstn route in office mode' });
  }
  return true;
}

type SendChannel = 'send.check' | 'send.acceptKeyChange' | 'send.submit' | 'faxes.resend' | 'faxes.forward';

export function sendHandlers(ctx: HandlerContext<SendServices>): HandlersFor<SendChannel> {
  const svc = ctx.services;
  return {
    'send.check': async ({ orgId, to }) => (await svc()).outbox.check(orgId, to),
    'send.acceptKeyChange': async ({ recipientOrgId, newFingerprint }) => {
      const s = await svc();
      s.outbox.acceptKeyChange(recipientOrgId, newFingerprint);
      s.pipeline.forgetKeyChangeRejections(recipientOrgId);
      return null;
    },
    'send.submit': async (req) => {
      const s = await svc();
      const pdf = await documentFor({ nowMs: ctx.nowMs, log: ctx.log, coverTemplates: s.coverTemplates }, req, { number: req.to });
      if (viaOffice(s, req.orgId, req.route)) {
        const queued = await s.office.send({ orgId: req.orgId, to: req.to, from: req.from, fileName: req.fileName, pdf, subject: req.coverPage?.subject ?? null });
        ctx.emitFaxesChanged();
        return queued;
      }
      const res = await s.outbox.submit({ orgId: req.orgId, to: req.to, from: req.from, fileName: req.fileName, pdf, route: req.route, subject: req.coverPage?.subject ?? null });
      return { id: res.id };
    },
    'faxes.resend': async ({ id }) => {
      const s = await svc();
      const row = s.faxes.row(id);
      if (row.direction !== 'out') throw new DeskError('fax.not_sent', 'Only faxes you sent can be sent again; use Forward for received faxes.', { detail: id });
      // A fax waiting in needs-pstn is not on fxe: sending it again would only park a copy there.
      // Leaving the encrypted network takes the user's explicit go-ahead (faxes.sendViaPstn).
      if (row.state === 'needs-pstn') {
        throw new DeskError('fax.needs_pstn_choice', 'This fax is not on the fxe network yet. Open it and choose "Send over phone network…" to send it unencrypted.', { detail: `${id} is needs-pstn` });
      }
      const { pdf } = readFaxDocument(s, id);
      const res = await s.outbox.submit({ orgId: row.org_id, to: row.to_number, from: row.from_number, fileName: row.file_name, pdf, route: row.route });
      return { id: res.id };
    },
    'faxes.forward': async ({ id, to, from }) => {
      const s = await svc();
      if (s.office.orgId() !== null) {
        // The fax lives in the office: forward it from there, through the shared outbox.
        const fax = await s.inbox().detail(id);
        const doc = await s.inbox().document(id);
        if (viaOffice(s, fax.orgId, 'fxe')) return s.office.send({ orgId: fax.orgId, to, from, fileName: doc.fileName, pdf: doc.pdf });
      }
      const row = s.faxes.row(id);
      const { fileName, pdf } = readFaxDocument(s, id);
      const res = await s.outbox.submit({ orgId: row.org_id, to, from, fileName, pdf, route: 'fxe' });
      return { id: res.id };
    },
  };
}
