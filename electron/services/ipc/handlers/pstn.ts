/** The phone-network lane: its provider settings, and sending a parked fax over it on the user's word. */
import type { DeskServices } from '../../desk-services.ts';
import { DeskError } from '../../errors.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type PstnServices = Pick<DeskServices, 'faxes' | 'pstn' | 'office' | 'inbox'>;

export function pstnHandlers(ctx: HandlerContext<PstnServices>): HandlersFor<'faxes.sendViaPstn' | 'settings.configurePstn'> {
  const svc = ctx.services;
  return {
    'faxes.sendViaPstn': async ({ id }) => {
      const s = await svc();
      if (s.office.orgId() !== null && s.inbox().engine !== 'sqlite') {
        // The office's fax: its job goes into the shared outbox's phone lane, through this desk's provider.
        await s.office.sendViaPstn(id);
        return null;
      }
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
    // Into the vault, merged with what is saved; the answer never contains a credential.
    'settings.configurePstn': async ({ provider, fromNumber, credentials }) => (await svc()).pstn.configure({ provider, fromNumber, credentials }),
  };
}
