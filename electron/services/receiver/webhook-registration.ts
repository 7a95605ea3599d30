/**
 * Pointing each org's relay webhook at this desk's public address, where the relay lets us
 * register one; the secret it answers goes to the webhook secret store (the vault).
 */
import { errorDetail } from '../errors.ts';
import type { FaxLaneDeps } from '../service-deps.ts';
import type { WebhookListener } from './webhook-listener.ts';
import type { WebhookSecretStore } from './webhook-secrets.ts';

export interface WebhookRegistrationDeps extends Pick<FaxLaneDeps, 'orgs' | 'clients'> {
  /** The running listener (its per-org paths), or null when the desk does not receive by webhook. */
  webhook: WebhookListener | null;
  webhookSecrets: WebhookSecretStore;
}

/** Register (or re-point) each org's webhook at the public URL; keep the secret in the vault. */
export async function registerWebhooks(s: WebhookRegistrationDeps, publicUrl: string, log: (l: string) => void): Promise<void> {
  if (!s.webhook) return;
  for (const org of s.orgs.list()) {
    const url = `${publicUrl.replace(/\/+$/, '')}${s.webhook.pathFor(org.orgId)}`;
    try {
      const client = await s.clients.forOrg(org.orgId);
      if (!(await client.hasExtension('webhook-endpoints'))) {
        // The reference relay: its operator registers the URL and hands over the secret
        // (receiving.setWebhookSecret); the Receiving settings show which URL to give them.
        log(`webhook for ${org.orgId}: the relay cannot register webhooks; its operator must register ${url}`);
        continue;
      }
      const current = await client.me().then((me) => me.webhook?.url ?? null, () => null);
      if (current === url && s.webhookSecrets.secrets(org.orgId).length > 0) continue;
      const res = await client.registerWebhook(url);
      s.webhookSecrets.set(org.orgId, res.secret);
    } catch (e) {
      log(`webhook registration for ${org.orgId}: ${errorDetail(e)}`);
    }
  }
}
