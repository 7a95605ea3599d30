/**
 * Key rotation of one of our orgs (Settings → org keys → Rotate).
 *
 *   1. Generate a new bundle here (ML-KEM-768, X25519, Ed25519 bundle key); the org signing
 *      key stays, so peers' pins of our org do not change and nobody sees a key-change warning.
 *   2. Keep the new keys.zip in the vault as "pending", then upload the public bundle, signed
 *      by the org signing key (POST /v1/key-bundles). From now on lookups return BOTH bundles
 *      and senders wrap the fax key for each.
 *   3. Commit: the old keys.zip is kept as a previous bundle, the new one becomes current.
 *   4. After KEY_ROTATION_GRACE_MS the old bundle is retired on the relay (DELETE
 *      /v1/key-bundles/{id}): lookups stop returning it and the relay refuses new faxes that
 *      are only sealed to it. The old private keys are kept until no fax addressed to them can
 *      still arrive, i.e. until no message uploaded before the retirement is still pending
 *      for us; then they are wiped.
 *
 * A crash between 2 and 3 is finished at the next start (`resume`): the upload is repeated
 * (the relay answers 409 for a bundle id it already has, which we accept if it is ours).
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import type { OrgSummary } from '../../../shared/domain/types.ts';
import { bundleUploadOf, KEY_BUNDLES_PATH, keyBundlePath, newBundleId } from '../../../shared/fxe-api/index.ts';
import type { BundleView } from '../../../shared/fxe-api/types.ts';
import { generateKeyMaterial, signBundle, writeKeysZip, type OrgKeys } from '../../../shared/protocol/index.ts';
import { DeskError, errorDetail } from '../errors.ts';
import { kvGet, kvSet, type Db } from '../storage/database.ts';
import type { FaxRepository } from '../inbox/faxes.ts';
import type { RelayClientPool } from '../relay-client/client-pool.ts';
import type { OrgRegistry } from './org-registry.ts';
import type { Vault } from './vault.ts';

/**
 * How long the old bundle stays active on the relay after a rotation. Seven days: a sender
 * that sealed a fax for our old keys just before the rotation may sit in its outbox through a
 * long weekend of outage and retries; after retirement the relay would refuse that upload.
 */
export const KEY_ROTATION_GRACE_MS = 7 * 24 * 3600 * 1000;

const SCHEDULE_KEY = 'key-rotations';

/** One rotation still in progress: the old bundle is not yet retired, or its keys still kept. */
export interface RotationRecord {
  orgId: OrgId;
  previousBundleId: string;
  newBundleId: string;
  rotatedAtMs: number;
  retireAfterMs: number;
  /** Unix seconds, from the relay, once the old bundle is retired there. */
  retiredAt: number | null;
}

export interface KeyRotationDeps {
  db: Db;
  vault: Vault;
  orgs: OrgRegistry;
  clients: RelayClientPool;
  faxes: FaxRepository;
  nowMs: () => number;
  graceMs?: number;
  /** Is this message already dealt with by our receive pipeline (stored, rejected or gone)? */
  isSettled: (orgId: OrgId, messageId: string) => boolean;
  log: (line: string) => void;
}

function pendingRecordName(orgId: OrgId): string {
  return `org/${orgId}/rotation-pending/keys.zip`;
}

export class KeyRotation {
  private readonly d: KeyRotationDeps;
  private readonly inFlight = new Map<string, Promise<{ summary: OrgSummary; keysZip: Uint8Array }>>();

  constructor(deps: KeyRotationDeps) {
    this.d = deps;
  }

  schedule(): RotationRecord[] {
    const raw = kvGet(this.d.db, SCHEDULE_KEY);
    return raw ? (JSON.parse(raw) as RotationRecord[]) : [];
  }

  private saveSchedule(records: RotationRecord[]): void {
    kvSet(this.d.db, SCHEDULE_KEY, JSON.stringify(records));
  }

  /**
   * Rotate now. Resolves with the new summary and the new keys.zip bytes (for the backup the
   * user is offered; the caller wipes them).
   */
  rotate(orgId: OrgId): Promise<{ summary: OrgSummary; keysZip: Uint8Array }> {
    const running = this.inFlight.get(orgId);
    if (running) return running;
    const p = this.rotateOnce(orgId).finally(() => this.inFlight.delete(orgId));
    this.inFlight.set(orgId, p);
    return p;
  }

  private async rotateOnce(orgId: OrgId): Promise<{ summary: OrgSummary; keysZip: Uint8Array }> {
    this.d.orgs.get(orgId);
    const current = await this.d.orgs.keys(orgId);
    const material = generateKeyMaterial();
    // The org signing key is the org's identity (peers pin it): it stays.
    material.signingSeed.fill(0);
    const next: OrgKeys = { ...material, signingSeed: current.signingSeed.slice(), credentials: { ...current.credentials, bundle_id: newBundleId() } };
    const zip = await writeKeysZip(next);
    this.d.vault.put(pendingRecordName(orgId), zip);
    const summary = await this.publishAndCommit(orgId, zip);
    return { summary, keysZip: zip };
  }

  /** Finish a rotation a crash interrupted between "pending" and "committed". */
  async resume(): Promise<void> {
    for (const org of this.d.orgs.list()) {
      const zip = this.d.vault.get(pendingRecordName(org.orgId));
      if (!zip) continue;
      try {
        await this.publishAndCommit(org.orgId, zip);
        this.d.log(`key rotation of ${org.orgId} finished after a restart`);
      } catch (e) {
        this.d.log(`key rotation of ${org.orgId} could not be finished yet: ${errorDetail(e)}`);
      } finally {
        zip.fill(0);
      }
    }
  }

  private async publishAndCommit(orgId: OrgId, zip: Uint8Array): Promise<OrgSummary> {
    const next = await this.d.orgs.validate(zip);
    const current = await this.d.orgs.keys(orgId);
    const previousBundleId = current.credentials.bundle_id;
    if (previousBundleId === next.credentials.bundle_id) {
      this.d.vault.delete(pendingRecordName(orgId));
      return this.d.orgs.get(orgId);
    }
    const bundle = bundleUploadOf(next, next.credentials.bundle_id);
    const client = await this.d.clients.forOrg(orgId);
    try {
      await client.signedJson<BundleView>('POST', KEY_BUNDLES_PATH, { bundle, bundle_sig: signBundle(bundle, current.signingSeed) });
    } catch (e) {
      // An earlier attempt got through (its answer was lost): fine if the bundle is ours.
      const taken = e instanceof DeskError && e.code === 'relay.bundle_id_taken';
      const ours = taken ? await client.keyBundle(bundle.bundle_id).then((b) => b.org_id === orgId && b.ed25519_pub === bundle.ed25519_pub, () => false) : false;
      if (!ours) {
        this.d.vault.delete(pendingRecordName(orgId));
        throw e instanceof DeskError
          ? new DeskError(e.code, `The new keys could not be published, so nothing changed. ${e.message}`, { detail: e.detail ?? '', retryable: e.retryable, cause: e })
          : e;
      }
    }
    // Commit. Secrets first: the old keys are safe before the new ones replace them.
    this.d.orgs.keepPreviousKeys(orgId, previousBundleId, this.d.orgs.keysZip(orgId));
    const summary = this.d.orgs.store(zip, next, {});
    const now = this.d.nowMs();
    this.saveSchedule([
      ...this.schedule().filter((r) => !(r.orgId === orgId && r.previousBundleId === previousBundleId)),
      { orgId, previousBundleId, newBundleId: next.credentials.bundle_id, rotatedAtMs: now, retireAfterMs: now + (this.d.graceMs ?? KEY_ROTATION_GRACE_MS), retiredAt: null },
    ]);
    this.d.vault.delete(pendingRecordName(orgId));
    this.d.clients.forget(orgId);
    this.d.faxes.audit('key-rotate', orgId, null, `bundle ${previousBundleId} → ${next.credentials.bundle_id}`);
    return summary;
  }

  /**
   * Housekeeping, run with every poll: retire old bundles whose grace period is over, and
   * wipe their private keys once nothing addressed to them can still arrive.
   */
  async tick(): Promise<void> {
    const records = this.schedule();
    // Nothing to look after (almost every tick: it runs after every poll): nothing to save
    // either, so no flushed commit (an fsync) per poll.
    if (records.length === 0) return;
    const finished = new Set<RotationRecord>();
    for (const r of records) {
      if (!this.d.orgs.list().some((o) => o.orgId === r.orgId)) { finished.add(r); continue; } // org removed with its keys
      try {
        if (r.retiredAt === null && this.d.nowMs() >= r.retireAfterMs) await this.retire(r);
        if (r.retiredAt !== null && !(await this.mayStillArrive(r))) {
          this.d.orgs.dropPreviousKeys(r.orgId, r.previousBundleId);
          this.d.faxes.audit('key-retire', r.orgId, null, `private keys of bundle ${r.previousBundleId} wiped`);
          finished.add(r);
        }
      } catch (e) {
        this.d.log(`key rotation housekeeping for ${r.orgId}: ${errorDetail(e)}`);
      }
    }
    // Merge with a fresh read: a rotation may have been committed while we talked to the relay.
    const worked = new Map(records.map((r) => [`${r.orgId}/${r.previousBundleId}`, r]));
    const merged = this.schedule().map((r) => worked.get(`${r.orgId}/${r.previousBundleId}`) ?? r);
    this.saveSchedule(merged.filter((r) => !finished.has(r)));
  }

  private async retire(r: RotationRecord): Promise<void> {
    const client = await this.d.clients.forOrg(r.orgId);
    try {
      const view = await client.signedJson<BundleView>('DELETE', keyBundlePath(r.previousBundleId));
      r.retiredAt = typeof view.retired_at === 'number' ? view.retired_at : Math.floor(this.d.nowMs() / 1000);
    } catch (e) {
      if (!(e instanceof DeskError && e.code === 'relay.bundle_not_found')) throw e;
      r.retiredAt = Math.floor(this.d.nowMs() / 1000);
    }
    this.d.faxes.audit('key-retire', r.orgId, null, `bundle ${r.previousBundleId} retired on the relay`);
  }

  /** A message uploaded before the retirement and not yet dealt with may be sealed to the old keys. */
  private async mayStillArrive(r: RotationRecord): Promise<boolean> {
    const client = await this.d.clients.forOrg(r.orgId);
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const list = await client.pending(after, 500);
      if (list.messages.some((m) => m.uploaded_at <= (r.retiredAt ?? 0) && !this.d.isSettled(r.orgId, m.message_id))) return true;
      if (!list.next_cursor || list.messages.length === 0) return false;
      after = list.next_cursor;
    }
    return true;
  }
}
