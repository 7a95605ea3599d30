/**
 * The organisations of this install (more than one is fine: a practice with two numbers on
 * two relays, or the demo pair). Public facts (name, numbers, relay, fingerprint) are kept in
 * the database; the keys.zip bytes live only in the vault, encrypted, and are opened on
 * demand. Importing validates the zip with the protocol core before anything is written.
 */
import { asOrgId, type OrgId } from '../../../shared/domain/ids.ts';
import type { OrgSummary } from '../../../shared/domain/types.ts';
import { readKeysZip, signingPublicKeyOf, type KeysZipCrypto, type OrgKeys } from '../../../shared/protocol/index.ts';
import { DeskError, isDeskError } from '../errors.ts';
import { kvGet, kvSet, type Db } from '../storage/database.ts';
import { orgFingerprint } from '../trust/index.ts';
import type { Vault } from './vault.ts';

const ORGS_KEY = 'orgs';
const ACTIVE_KEY = 'orgs.active';

export function keysRecordName(orgId: OrgId): string {
  return `org/${orgId}/keys.zip`;
}

/** The keys.zip of a bundle the org rotated away from, kept until nothing can still arrive for it. */
export function previousKeysRecordName(orgId: OrgId, bundleId: string): string {
  return `org/${orgId}/previous-bundle/${bundleId}/keys.zip`;
}

function previousListKey(orgId: OrgId): string {
  return `orgs.previous-bundles.${orgId}`;
}

/** The org id of a keys.zip that passed readKeysZip (which checked its credentials). */
export function orgIdOf(keys: OrgKeys): OrgId {
  return asOrgId(keys.credentials.org_id);
}

export interface ImportFacts {
  /** From the relay (GET /v1/orgs/me) when reachable; otherwise left as known before. */
  name?: string;
  faxNumbers?: string[];
  isDemo?: boolean;
}

export class OrgRegistry {
  private readonly db: Db;
  private readonly vault: Vault;
  private readonly cache = new Map<string, OrgKeys>();
  /** Keys of previous (rotated-away) bundles, by `${orgId}/${bundleId}`. */
  private readonly previousCache = new Map<string, OrgKeys>();

  /** A native X25519 for the keys.zip check (the backend's), noble's otherwise. */
  private readonly crypto: KeysZipCrypto;

  constructor(db: Db, vault: Vault, crypto: KeysZipCrypto = {}) {
    this.db = db;
    this.vault = vault;
    this.crypto = crypto;
  }

  list(): OrgSummary[] {
    const raw = kvGet(this.db, ORGS_KEY);
    return raw ? (JSON.parse(raw) as OrgSummary[]) : [];
  }

  get(orgId: OrgId): OrgSummary {
    const o = this.list().find((x) => x.orgId === orgId);
    if (!o) throw new DeskError('org.not_found', 'That organisation is not set up in fxe Desk.', { detail: `unknown org ${orgId}` });
    return o;
  }

  activeOrgId(): OrgId | null {
    const a = kvGet(this.db, ACTIVE_KEY);
    const orgs = this.list();
    return orgs.find((o) => o.orgId === a)?.orgId ?? orgs[0]?.orgId ?? null;
  }

  setActive(orgId: OrgId): void {
    this.get(orgId);
    kvSet(this.db, ACTIVE_KEY, orgId);
  }

  /** Validate a keys.zip and keep it (encrypted). Re-importing the same org replaces its keys. */
  async validate(zip: Uint8Array): Promise<OrgKeys> {
    try {
      return await readKeysZip(zip, this.crypto); // leaves `zip` untouched: we still store these bytes
    } catch (e) {
      if (isDeskError(e)) throw e;
      throw new DeskError('org.keys_zip_invalid', 'That file is not a valid fxe keys.zip. Use the keys.zip you downloaded when you joined fxe.', {
        detail: e instanceof Error ? e.message : String(e),
        cause: e,
      });
    }
  }

  store(zip: Uint8Array, keys: OrgKeys, facts: ImportFacts): OrgSummary {
    const c = keys.credentials;
    const orgId = orgIdOf(keys);
    const previous = this.list().find((o) => o.orgId === orgId);
    const summary: OrgSummary = {
      orgId,
      name: facts.name ?? previous?.name ?? orgId,
      faxNumbers: facts.faxNumbers ?? previous?.faxNumbers ?? [],
      relay: c.relay,
      bundleId: c.bundle_id,
      // What a partner's desk pins for us and shows in its key-change warning.
      fingerprint: orgFingerprint({ orgSigningPub: signingPublicKeyOf(keys) }),
      isDemo: facts.isDemo ?? previous?.isDemo ?? false,
    };
    // Secret first: a listed org must always have its keys.
    this.vault.put(keysRecordName(orgId), zip);
    this.cache.set(orgId, keys);
    const others = this.list().filter((o) => o.orgId !== orgId);
    kvSet(this.db, ORGS_KEY, JSON.stringify([...others, summary]));
    return summary;
  }

  updateFacts(orgId: OrgId, facts: ImportFacts): OrgSummary {
    const all = this.list();
    const i = all.findIndex((o) => o.orgId === orgId);
    const cur = all[i];
    if (!cur) return this.get(orgId);
    const next: OrgSummary = { ...cur, name: facts.name ?? cur.name, faxNumbers: facts.faxNumbers ?? cur.faxNumbers };
    all[i] = next;
    kvSet(this.db, ORGS_KEY, JSON.stringify(all));
    return next;
  }

  async keys(orgId: OrgId): Promise<OrgKeys> {
    const hit = this.cache.get(orgId);
    if (hit) return hit;
    const zip = this.keysZip(orgId);
    const keys = await readKeysZip(zip, this.crypto);
    zip.fill(0);
    this.cache.set(orgId, keys);
    return keys;
  }

  keysZip(orgId: OrgId): Uint8Array {
    const zip = this.vault.get(keysRecordName(orgId));
    if (!zip) throw new DeskError('org.keys_missing', "This organisation's keys are missing. Import its keys.zip again.", { detail: `no vault record for ${orgId}` });
    return zip;
  }

  /** Bundle ids of the org's previous key sets still kept (newest last). */
  previousBundleIds(orgId: OrgId): string[] {
    const raw = kvGet(this.db, previousListKey(orgId));
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  /** Keep the keys.zip of a bundle being rotated away from (secret first, then the list). */
  keepPreviousKeys(orgId: OrgId, bundleId: string, zip: Uint8Array): void {
    this.vault.put(previousKeysRecordName(orgId, bundleId), zip);
    const ids = this.previousBundleIds(orgId).filter((x) => x !== bundleId);
    kvSet(this.db, previousListKey(orgId), JSON.stringify([...ids, bundleId]));
  }

  /** Forget a previous bundle's private keys for good. */
  dropPreviousKeys(orgId: OrgId, bundleId: string): void {
    kvSet(this.db, previousListKey(orgId), JSON.stringify(this.previousBundleIds(orgId).filter((x) => x !== bundleId)));
    this.vault.delete(previousKeysRecordName(orgId, bundleId));
    const cached = this.previousCache.get(`${orgId}/${bundleId}`);
    if (cached) wipeKeys(cached);
    this.previousCache.delete(`${orgId}/${bundleId}`);
  }

  /**
   * The key set that opens an envelope addressed to any of `bundleIds` (the envelope's
   * wrapped keys): the current bundle if named, else a previous one we still hold. Falls back
   * to the current keys, so a fax for a bundle we no longer hold fails as "not for our keys".
   */
  async keysForBundles(orgId: OrgId, bundleIds: readonly string[]): Promise<OrgKeys> {
    const current = await this.keys(orgId);
    if (bundleIds.includes(current.credentials.bundle_id)) return current;
    for (const id of this.previousBundleIds(orgId)) {
      if (!bundleIds.includes(id)) continue;
      const key = `${orgId}/${id}`;
      const hit = this.previousCache.get(key);
      if (hit) return hit;
      const zip = this.vault.get(previousKeysRecordName(orgId, id));
      if (!zip) continue;
      const keys = await readKeysZip(zip, this.crypto);
      zip.fill(0);
      this.previousCache.set(key, keys);
      return keys;
    }
    return current;
  }

  remove(orgId: OrgId): void {
    this.get(orgId);
    for (const id of this.previousBundleIds(orgId)) this.dropPreviousKeys(orgId, id);
    this.db.prepare('DELETE FROM kv WHERE key = ?').run(previousListKey(orgId));
    kvSet(this.db, ORGS_KEY, JSON.stringify(this.list().filter((o) => o.orgId !== orgId)));
    this.vault.delete(keysRecordName(orgId));
    this.vault.delete(`org/${orgId}/webhook-secrets`);
    const cached = this.cache.get(orgId);
    if (cached) wipeKeys(cached);
    this.cache.delete(orgId);
    if (kvGet(this.db, ACTIVE_KEY) === orgId) this.db.prepare('DELETE FROM kv WHERE key = ?').run(ACTIVE_KEY);
  }

  close(): void {
    for (const k of this.cache.values()) wipeKeys(k);
    this.cache.clear();
    for (const k of this.previousCache.values()) wipeKeys(k);
    this.previousCache.clear();
  }
}

function wipeKeys(k: OrgKeys): void {
  k.signingSeed.fill(0);
  k.bundleSeed.fill(0);
  k.mlkemSecret.fill(0);
  k.x25519Secret.fill(0);
}
