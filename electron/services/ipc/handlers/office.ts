/**
 * Office mode: this desk joins (or creates) the office that shares one inbox on PostgreSQL,
 * reports where it stands, and leaves. The database URL goes into the vault (OfficeLink) and
 * never comes back; on first run the keys.zip is picked in main's own dialog, checked, used to
 * open the office, and only then stored, so a failed join leaves the desk as it was.
 */
import type { DeskServices } from '../../desk-services.ts';
import { wipeOrgKeys } from '../../../../shared/protocol/index.ts';
import { DeskError } from '../../errors.ts';
import { importKeysZipBytes, readKeysZipFile } from '../../vault/onboarding.ts';
import { orgIdOf } from '../../vault/org-registry.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type OfficeServices = Pick<DeskServices, 'office' | 'orgs' | 'clients' | 'faxes' | 'applyReceiveMode'>;

type OfficeChannel = 'office.status' | 'office.join' | 'office.leave';

export function officeHandlers(ctx: HandlerContext<OfficeServices>): HandlersFor<OfficeChannel> {
  const svc = ctx.services;
  const joinedOrLeft = (): void => {
    ctx.emitStatus();
    ctx.emitFaxesChanged(); // everything on screen now comes from elsewhere
  };
  return {
    'office.status': async () => (await svc()).office.status(),
    'office.join': async (req) => {
      const s = await svc();
      if (!req.importKeysZip) {
        const orgId = s.orgs.activeOrgId();
        if (!orgId) throw new DeskError('office.no_org', "Import your organisation's keys.zip first: the office's faxes open only with it.", { detail: 'no organisation' });
        const status = await s.office.join(req, orgId);
        joinedOrLeft();
        return status;
      }
      const path = await ctx.dialogs.openFile({ title: "Open your office's fxe keys.zip", filters: [{ name: 'fxe keys', extensions: ['zip'] }] });
      if (!path) return null;
      const zip = readKeysZipFile(path);
      try {
        const keys = await s.orgs.validate(zip);
        try {
          await s.office.join(req, orgIdOf(keys), keys.signingSeed);
        } finally {
          wipeOrgKeys(keys);
        }
        await importKeysZipBytes(s, zip, { log: ctx.log });
        await s.applyReceiveMode();
        joinedOrLeft();
        return s.office.status();
      } finally {
        zip.fill(0); // the vault holds its own encrypted copy
      }
    },
    'office.leave': async () => {
      const status = await (await svc()).office.leave();
      joinedOrLeft();
      return status;
    },
  };
}
