/**
 * The relay's webhook signing secrets of each org, in the vault. Registering again gives a
 * new secret; the relay signs with the old one as well only for the overlap it announces
 * (five minutes, see fxe-wire.md), so the old one is accepted for that long and no longer:
 * a leaked old secret must not keep working until the next rotation.
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import type { Vault } from '../vault/vault.ts';

export const WEBHOOK_SECRET_OVERLAP_MS = 5 * 60_000;

export function webhookSecretsRecord(orgId: OrgId): string {
  return `org/${orgId}/webhook-secrets`;
}

interface StoredSecrets {
  current: string;
  previous?: string;
  previousUntilMs?: number;
}

function parse(raw: Uint8Array): StoredSecrets | null {
  const v = JSON.parse(new TextDecoder().decode(raw)) as unknown;
  // Earlier versions kept a bare list, newest first, with no date on the older one.
  if (Array.isArray(v)) return typeof v[0] === 'string' ? { current: v[0] } : null;
  if (typeof v === 'object' && v !== null && typeof (v as StoredSecrets).current === 'string') return v as StoredSecrets;
  return null;
}

export class WebhookSecretStore {
  private readonly vault: Vault;
  private readonly nowMs: () => number;

  constructor(vault: Vault, nowMs: () => number) {
    this.vault = vault;
    this.nowMs = nowMs;
  }

  /** The secrets a delivery may be signed with right now: the current one, and the previous during the overlap. */
  secrets(orgId: OrgId): Uint8Array[] {
    const raw = this.vault.get(webhookSecretsRecord(orgId));
    const stored = raw ? parse(raw) : null;
    if (!stored) return [];
    const te = new TextEncoder();
    const list = [te.encode(stored.current)];
    if (stored.previous && stored.previousUntilMs !== undefined && this.nowMs() < stored.previousUntilMs) list.push(te.encode(stored.previous));
    return list;
  }

  set(orgId: OrgId, secret: string): void {
    const raw = this.vault.get(webhookSecretsRecord(orgId));
    const old = raw ? parse(raw) : null;
    const next: StoredSecrets = old && old.current !== secret
      ? { current: secret, previous: old.current, previousUntilMs: this.nowMs() + WEBHOOK_SECRET_OVERLAP_MS }
      : { ...(old ?? {}), current: secret };
    this.vault.put(webhookSecretsRecord(orgId), new TextEncoder().encode(JSON.stringify(next)));
  }
}
