/**
 * One handler per request channel of shared/ipc/contract.ts. Inputs arrive already validated
 * (validate.ts); handlers delegate to the services and never return a secret.
 */
import { writeFileSync } from 'node:fs';
import type { AppStatus, RequestChannel, RequestOf, ResponseOf } from '../../../shared/ipc/contract.ts';
import type { Contact, OrgSummary } from '../../../shared/domain/types.ts';
import { registerWebhooks, type DeskServices } from '../desk-services.ts';
import { DeskError, errorDetail } from '../errors.ts';
import { parseCsv } from '../inbox/contacts.ts';
import { purgeFaxes, trashDays } from '../inbox/retention.ts';
import { prependCoverPage } from '../outbox/cover-page.ts';
import { validatePdf } from '../outbox/pdf-check.ts';
import { deliveryConfirmationPdf } from '../print/delivery-confirmation.ts';
import { exportBackup, importBackupFile, importKeysZipBytes, offerKeysZipBackup, readKeysZipFile, redeemInvite } from '../vault/onboarding.ts';
import { asTurnedByUser, composeHandlers, pageRotationsOf } from './compose-handlers.ts';
import { safePdfFileName } from './safe-file-name.ts';
import { isE164 } from './validate.ts';

export interface Dialogs {
  openFile(opts: { title: string; filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
  saveFile(opts: { title: string; defaultPath: string; filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
}

export interface Printer {
  printPdf(pdf: Uint8Array, jobName: string): Promise<boolean>;
}

export interface HandlerContext {
  /** The unlocked services, or a KeychainUnavailable / vault error explaining why not. */
  services(): Promise<DeskServices>;
  status(): Promise<AppStatus>;
  startDemo(): Promise<OrgSummary[]>;
  dialogs: Dialogs;
  printer: Printer;
  nowMs: () => number;
  log: (line: string) => void;
  emitStatus(): void;
  /** Tell the UI the fax lists changed; the fresh AppStatus (unread count) follows on its own. */
  emitFaxesChanged(): void;
}

export type Handlers = { [C in RequestChannel]: (req: RequestOf<C>) => Promise<ResponseOf<C>> };

export function createHandlers(ctx: HandlerContext): Handlers {
  const svc = ctx.services;
  const pdfOf = (s: DeskServices, id: string): { fileName: string; pdf: Uint8Array } => {
    const row = s.faxes.row(id);
    if (!row.blob_id || !row.blob_key) throw new DeskError('fax.no_document', 'This fax has no document to show.', { detail: id });
    return { fileName: row.file_name, pdf: s.blobs.read(row.blob_id, row.blob_key) };
  };
  return {
    'app.status': () => ctx.status(),
    'demo.start': () => ctx.startDemo(),

    'orgs.importKeysZip': async () => {
      const s = await svc();
      const path = await ctx.dialogs.openFile({ title: 'Open your fxe keys.zip', filters: [{ name: 'fxe keys', extensions: ['zip'] }] });
      if (!path) return null;
      const org = await importKeysZipBytes(s, readKeysZipFile(path), { log: ctx.log });
      await s.applyReceiveMode();
      ctx.emitStatus();
      return org;
    },
    'orgs.redeemInvite': async (req) => {
      const s = await svc();
      const org = await redeemInvite(s, ctx.dialogs, req, ctx.log);
      if (org) { await s.applyReceiveMode(); ctx.emitStatus(); }
      return org;
    },
    'orgs.setActive': async ({ orgId }) => { (await svc()).orgs.setActive(orgId); ctx.emitStatus(); return null; },
    'orgs.setFacts': async ({ orgId, name, faxNumbers }) => {
      const s = await svc();
      s.orgs.get(orgId);
      const org = s.orgs.updateFacts(orgId, { ...(name === undefined ? {} : { name }), ...(faxNumbers === undefined ? {} : { faxNumbers }) });
      ctx.emitStatus();
      return org;
    },
    'orgs.remove': async ({ orgId }) => {
      const s = await svc();
      s.orgs.remove(orgId);
      s.clients.forget(orgId);
      for (const b of s.faxes.removeOrg(orgId)) if (b.blob_id) s.blobs.remove(b.blob_id);
      s.faxes.audit('org-remove', orgId, null, '');
      ctx.emitFaxesChanged();
      return null;
    },
    'orgs.exportBackup': async ({ orgId, passphrase }) => exportBackup(await svc(), ctx.dialogs, orgId, passphrase),
    'orgs.importBackup': async ({ passphrase }) => {
      const s = await svc();
      const path = await ctx.dialogs.openFile({ title: 'Open an fxe Desk key backup', filters: [{ name: 'fxe Desk key backup', extensions: ['json'] }] });
      if (!path) return null;
      const org = await importBackupFile(s, path, passphrase, ctx.log);
      await s.applyReceiveMode();
      ctx.emitStatus();
      return org;
    },
    'orgs.rotateKeys': async ({ orgId }) => {
      const s = await svc();
      const { summary, keysZip } = await s.rotation.rotate(orgId);
      ctx.emitStatus();
      try {
        // The keys.zip the user keeps (or restores from) must be the new one: offer it now.
        await offerKeysZipBackup(ctx.dialogs, keysZip, ctx.log);
      } finally {
        keysZip.fill(0);
      }
      return summary;
    },

    'faxes.list': async (req) => (await svc()).faxes.list(req),
    'faxes.get': async ({ id }) => (await svc()).faxes.detail(id),
    'faxes.document': async ({ id }) => {
      const s = await svc();
      const doc = pdfOf(s, id);
      const row = s.faxes.row(id);
      s.faxes.audit('view', row.org_id, id, '');
      if (row.direction === 'in' && row.read === 0) { s.faxes.markRead([id], true); ctx.emitFaxesChanged(); }
      return { ...doc, rotations: pageRotationsOf(s, id) };
    },
    'faxes.markRead': async ({ ids, read }) => { (await svc()).faxes.markRead(ids, read); ctx.emitFaxesChanged(); return null; },
    'faxes.archive': async ({ ids, archived }) => { (await svc()).faxes.archive(ids, archived); ctx.emitFaxesChanged(); return null; },
    'faxes.delete': async ({ ids }) => { const undoToken = (await svc()).faxes.softDelete(ids); ctx.emitFaxesChanged(); return { undoToken }; },
    'faxes.undoDelete': async ({ undoToken }) => { (await svc()).faxes.undoDelete(undoToken); ctx.emitFaxesChanged(); return null; },
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
    'faxes.setTags': async ({ id, tags }) => { (await svc()).faxes.setTags(id, tags); ctx.emitFaxesChanged(); return null; },
    'faxes.setNote': async ({ id, note }) => { (await svc()).faxes.setNote(id, note); ctx.emitFaxesChanged(); return null; },
    'faxes.print': async ({ id }) => {
      const s = await svc();
      const doc = pdfOf(s, id);
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
      const doc = pdfOf(s, id);
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
    'faxes.resend': async ({ id }) => {
      const s = await svc();
      const row = s.faxes.row(id);
      if (row.direction !== 'out') throw new DeskError('fax.not_sent', 'Only faxes you sent can be sent again; use Forward for received faxes.', { detail: id });
      // A fax waiting in needs-pstn is not on fxe: sending it again would only park a copy there.
      // Leaving the encrypted network takes the user's explicit go-ahead (faxes.sendViaPstn).
      if (row.state === 'needs-pstn') {
        throw new DeskError('fax.needs_pstn_choice', 'This fax is not on the fxe network yet. Open it and choose "Send over phone network…" to send it unencrypted.', { detail: `${id} is needs-pstn` });
      }
      const { pdf } = pdfOf(s, id);
      const res = await s.outbox.submit({ orgId: row.org_id, to: row.to_number, from: row.from_number, fileName: row.file_name, pdf, route: row.route });
      return { id: res.id };
    },
    'faxes.sendViaPstn': async ({ id }) => {
      const s = await svc();
      const row = s.faxes.row(id);
      if (row.direction !== 'out') throw new DeskError('fax.not_sent', 'Only faxes you send can go over the phone network.', { detail: id });
      // Only an item parked in needs-pstn: anything else is already on its way (or done), and
      // re-routing it could fax it twice.
      if (row.state !== 'needs-pstn') {
        throw new DeskError('pstn.not_waiting', 'This fax is not waiting to go over the phone network.', { detail: `${id} is ${row.state}` });
      }
      s.pstn.enqueue(id); // same item, so the same idempotency key at the provider
      return null;
    },
    'faxes.forward': async ({ id, to, from }) => {
      const s = await svc();
      const row = s.faxes.row(id);
      const { fileName, pdf } = pdfOf(s, id);
      const res = await s.outbox.submit({ orgId: row.org_id, to, from, fileName, pdf, route: 'fxe' });
      return { id: res.id };
    },
    'faxes.tags': async () => (await svc()).faxes.allTags(),

    'send.check': async ({ orgId, to }) => (await svc()).outbox.check(orgId, to),
    'send.acceptKeyChange': async ({ recipientOrgId, newFingerprint }) => {
      const s = await svc();
      s.outbox.acceptKeyChange(recipientOrgId, newFingerprint);
      s.pipeline.forgetKeyChangeRejections(recipientOrgId);
      return null;
    },
    'send.submit': async (req) => {
      const s = await svc();
      let pdf = req.pdf;
      if (req.coverPage) {
        // Check the user's file first (a clear "not a PDF" beats a cover-page failure), then
        // send a new PDF with the cover in front; the file the user picked is left as is.
        const { pages } = await validatePdf(req.pdf, ctx.log);
        const c = req.coverPage;
        pdf = (await prependCoverPage(req.pdf, {
          toName: c.toName, toNumber: req.to, fromName: c.fromName, fromNumber: req.from, subject: c.subject, message: c.message,
          documentPages: pages, date: new Date(ctx.nowMs()),
        })).pdf;
      }
      const res = await s.outbox.submit({ orgId: req.orgId, to: req.to, from: req.from, fileName: req.fileName, pdf, route: req.route, subject: req.coverPage?.subject ?? null });
      return { id: res.id };
    },

    ...composeHandlers(ctx),

    'contacts.list': async ({ query }) => (await svc()).contacts.list(query),
    'contacts.save': async (c) => { const s = await svc(); const saved = s.contacts.save(c); return saved; },
    'contacts.delete': async ({ id }) => { (await svc()).contacts.delete(id); return null; },
    'contacts.importCsv': async ({ csv }) => {
      const s = await svc();
      const rows = parseCsv(csv);
      let imported = 0;
      let skipped = 0;
      const header = rows[0]?.map((h) => h.trim().toLowerCase()) ?? [];
      const hasHeader = header.includes('name') || header.some((h) => h.includes('fax'));
      const col = (names: string[], fallback: number): number => { const i = header.findIndex((h) => names.includes(h)); return hasHeader && i >= 0 ? i : fallback; };
      const nameCol = col(['name'], 0);
      const orgCol = col(['organisation', 'organization', 'company'], 1);
      const faxCol = col(['fax_number', 'fax', 'fax number', 'number'], 2);
      // Our export prefixes cells starting with = + - @ with an apostrophe so spreadsheets
      // don't run them as formulas; undo that so an exported file imports again.
      const cell = (r: string[], i: number): string => (r[i] ?? '').replace(/^'(?=[=+\-@])/, '');
      for (const r of hasHeader ? rows.slice(1) : rows) {
        const name = cell(r, nameCol).trim();
        const fax = cell(r, faxCol).replace(/[\s().-]/g, '');
        if (!name || name.length > 200 || !isE164(fax)) { skipped++; continue; }
        try {
          s.contacts.save({ name, organisation: cell(r, orgCol).trim().slice(0, 200), faxNumber: fax } satisfies Omit<Contact, 'id'>);
          imported++;
        } catch (e) {
          // A number already in the phone book (e.g. the same file imported twice) is skipped.
          if (e instanceof DeskError && e.code === 'contact.duplicate_number') { skipped++; continue; }
          throw e;
        }
      }
      return { imported, skipped };
    },
    'contacts.exportCsv': async () => ({ csv: (await svc()).contacts.exportCsv() }),

    'settings.get': async () => (await svc()).settings.get(),
    'receiving.status': async () => (await svc()).receivingStatus(),
    'receiving.configureTunnel': async ({ enabled, authtoken }) => {
      const s = await svc();
      await s.configureTunnel({ enabled, ...(authtoken === undefined ? {} : { authtoken }) });
      return s.receivingStatus();
    },
    'receiving.setWebhookSecret': async ({ orgId, secret }) => {
      const s = await svc();
      s.orgs.get(orgId); // a clear error for an org that is not here
      s.setWebhookSecret(orgId, secret);
      return s.receivingStatus();
    },
    'settings.update': async (patch) => {
      const s = await svc();
      const next = s.settings.update(patch);
      await s.applyReceiveMode();
      if (patch.webhookTunnelUrl && next.receiveMode === 'webhook') await registerWebhooks(s, next.webhookTunnelUrl, ctx.log);
      return next;
    },
    'settings.configurePstn': async ({ provider, fromNumber, credentials }) => {
      // Into the vault, merged with what is saved; the answer never contains a credential.
      return (await svc()).pstn.configure({ provider, fromNumber, credentials });
    },
  };
}
