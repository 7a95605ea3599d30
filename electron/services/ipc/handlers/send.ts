/** Sending on fxe: check a number, submit (with an optional cover page), resend, forward, accept a key change. */
import type { OrgId } from '../../../../shared/domain/ids.ts';
import type { DeskServices } from '../../desk-services.ts';
import { DeskError } from '../../errors.ts';
import { readFaxDocument } from '../../inbox/fax-document.ts';
import { assertScheduleInReach, documentFor } from '../../outbox/send-group.ts';
import type { HandlerContext, HandlersFor } from './context.ts';
import { heldKeyChanges } from '../../outbox/key-changes.ts';

export type SendServices = Pick<DeskServices, 'faxes' | 'blobs' | 'outbox' | 'pipeline' | 'office' | 'inbox' | 'coverTemplates' | 'pins'>;

/** In an office, the org's faxes go out through the shared outbox (over fxe, or its phone lane). */
function viaOffice(s: SendServices, orgId: OrgId): boolean {
  return s.office.orgId() === orgId;
}

type SendChannel = 'send.check' | 'send.acceptKeyChange' | 'send.submit' | 'faxes.resend' | 'faxes.forward' | 'keys.changes' | 'keys.keepBlocked';

export function sendHandlers(ctx: HandlerContext<SendServices>): HandlersFor<SendChannel> {
  const svc = ctx.services;
  return {
    'send.check': async ({ orgId, to }) => {
      const s = await svc();
      // The office's org checks against the office's pins, shared by its desks.
      return orgId === s.office.orgId() ? s.office.check(to) : s.outbox.check(orgId, to);
    },
    'send.acceptKeyChange': async ({ orgId, recipientOrgId, newFingerprint }) => {
      const s = await svc();
      if (orgId === s.office.orgId()) {
        await s.office.acceptKeyChange(recipientOrgId, newFingerprint);
        return null;
      }
      await s.outbox.acceptKeyChange(recipientOrgId, newFingerprint);
      s.pipeline.forgetKeyChangeRejections(recipientOrgId);
      return null;
    },
    'keys.changes': async ({ orgId }) => {
      const s = await svc();
      // The office's org: the office's pins and shared outbox, the same list on every desk.
      const inOffice = orgId === s.office.orgId();
      const pending = inOffice ? await s.office.pendingKeyChanges() : await s.pins.pendingChanges();
      // The sidebar asks after every change: nothing pending is one query, not the phone book.
      if (pending.length === 0) return [];
      const contacts = await s.inbox().contacts.list();
      if (inOffice) return heldKeyChanges(pending, await s.office.heldSends(), contacts, await s.office.incomingWaiting());
      return heldKeyChanges(pending, s.outbox.heldSends(), contacts, s.pipeline.keyChangeRejectionCounts());
    },
    'keys.keepBlocked': async ({ orgId, peerOrgId }) => {
      const s = await svc();
      const cancelled = orgId === s.office.orgId() ? await s.office.keepBlocked(peerOrgId) : s.outbox.keepBlocked(peerOrgId);
      ctx.emitFaxesChanged();
      return { cancelled };
    },
    'send.submit': async (req) => {
      const s = await svc();
      const pdf = await documentFor({ nowMs: ctx.nowMs, log: ctx.log, coverTemplates: s.coverTemplates() }, req, { number: req.to });
      if (viaOffice(s, req.orgId)) {
        const officeReq = { orgId: req.orgId, to: req.to, from: req.from, fileName: req.fileName, pdf, subject: req.coverPage?.subject ?? null };
        const queued = req.route === 'pstn' ? await s.office.sendPstn(officeReq) : await s.office.send(officeReq);
        ctx.emitFaxesChanged();
        return queued;
      }
      const res = await s.outbox.submit({ orgId: req.orgId, to: req.to, from: req.from, fileName: req.fileName, pdf, route: req.route, subject: req.coverPage?.subject ?? null });
      return { id: res.id };
    },
    'faxes.resend': async ({ id }) => {
      const s = await svc();
      // In an office the fax is the office's: a failed one goes again as the same sealed row.
      if (s.office.orgId() !== null && s.inbox().engine !== 'sqlite') return s.office.resend(id);
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
    'faxes.forward': async ({ id, to, from, sendAt = null }) => {
      const s = await svc();
      assertScheduleInReach(ctx.nowMs(), sendAt);
      if (s.office.orgId() !== null) {
        // The fax lives in the office: forward it from there, through the shared outbox.
        const fax = await s.inbox().detail(id);
        const doc = await s.inbox().document(id);
        if (viaOffice(s, fax.orgId)) return s.office.send({ orgId: fax.orgId, to, from, fileName: doc.fileName, pdf: doc.pdf, sendAt });
      }
      const row = s.faxes.row(id);
      const { fileName, pdf } = readFaxDocument(s, id);
      // Scheduled like any send: stored now, looked up and sealed when its time comes.
      const res = await s.outbox.submit({ orgId: row.org_id, to, from, fileName, pdf, route: 'fxe', sendAt });
      return { id: res.id };
    },
  };
}
