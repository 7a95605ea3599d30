/** Our orgs: import (keys.zip, invite, backup), facts, the active one, removal, backups, key rotation. */
import type { DeskServices } from '../../desk-services.ts';
import { removeOrg } from '../../vault/org-removal.ts';
import { exportBackup, importBackupFile, importKeysZipBytes, offerKeysZipBackup, readKeysZipFile, redeemInvite } from '../../vault/onboarding.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type OrgServices = Pick<DeskServices, 'orgs' | 'clients' | 'faxes' | 'blobs' | 'rotation' | 'applyReceiveMode'>;

type OrgChannel = 'orgs.importKeysZip' | 'orgs.redeemInvite' | 'orgs.setActive' | 'orgs.setFacts' | 'orgs.remove'
  | 'orgs.exportBackup' | 'orgs.importBackup' | 'orgs.rotateKeys';

export function orgHandlers(ctx: HandlerContext<OrgServices>): HandlersFor<OrgChannel> {
  const svc = ctx.services;
  return {
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
      removeOrg(await svc(), orgId);
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
  };
}
