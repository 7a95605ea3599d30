/** Settings, and how faxes reach this desk (receive mode, public address, tunnel, webhook secrets). */
import type { DeskServices } from '../../desk-services.ts';
import { registerWebhooks } from '../../receiver/webhook-registration.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type SettingsServices = Pick<DeskServices, 'settings' | 'orgs' | 'clients' | 'webhook' | 'webhookSecrets'
  | 'applyReceiveMode' | 'receivingStatus' | 'configureTunnel'>;

type SettingsChannel = 'settings.get' | 'settings.update' | 'receiving.status' | 'receiving.configureTunnel' | 'receiving.setWebhookSecret';

export function settingsHandlers(ctx: HandlerContext<SettingsServices>): HandlersFor<SettingsChannel> {
  const svc = ctx.services;
  return {
    'settings.get': async () => (await svc()).settings.get(),
    'settings.update': async (patch) => {
      const s = await svc();
      const next = await s.settings.save(patch);
      await s.applyReceiveMode();
      if (patch.webhookTunnelUrl && next.receiveMode === 'webhook') await registerWebhooks(s, next.webhookTunnelUrl, ctx.log);
      // The sidebar lists the lines by these names: it reloads with the fax lists.
      if (patch.lineNames) ctx.emitFaxesChanged();
      return next;
    },
    'receiving.status': async () => (await svc()).receivingStatus(),
    'receiving.configureTunnel': async ({ enabled, authtoken }) => {
      const s = await svc();
      await s.configureTunnel({ enabled, ...(authtoken === undefined ? {} : { authtoken }) });
      return s.receivingStatus();
    },
    'receiving.setWebhookSecret': async ({ orgId, secret }) => {
      const s = await svc();
      s.orgs.get(orgId); // a clear error for an org that is not here
      s.webhookSecrets.set(orgId, secret);
      return s.receivingStatus();
    },
  };
}
