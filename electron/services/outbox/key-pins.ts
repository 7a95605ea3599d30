/**
 * Trust on first use for recipient orgs. The first lookup of an org pins its identity: the
 * org signing key that signs its bundles (our bundle-signature extension). Later lookups must
 * show bundles signed by that same key; a rotation the org itself signed passes silently
 * (like Signal's prekeys), a different org key holds the fax until the user accepts it
 * (like Signal's safety-number change). A relay without bundle signatures degrades to
 * pinning the exact set of bundle fingerprints, so any change there is held too.
 */
import { createHash } from 'node:crypto';
import type { BundleView, LookupResponse } from '../../../shared/fxe-api/types.ts';
import { b64uDecode, bundleFingerprint, verifyBundle, type PublicBundle } from '../../../shared/protocol/index.ts';
import { DeskError } from '../errors.ts';
import type { Db } from '../inbox/database.ts';

export interface VerifiedRecipient {
  orgId: string;
  bundles: PublicBundle[];
  fingerprint: string;
  bundleFingerprints: string[];
}

export type PinDecision =
  | { kind: 'trusted'; firstUse: boolean }
  | { kind: 'changed'; previousFingerprint: string; newFingerprint: string };

function badBundle(detail: string): DeskError {
  return new DeskError('recipient.bundle_invalid', "The recipient's encryption keys are not properly signed by their organisation, so the fax was not sent. Contact the recipient, or try again later.", { detail });
}

/** Verify every bundle of a lookup and compute the org's identity fingerprint. */
export function verifyLookup(lookup: LookupResponse): VerifiedRecipient {
  const signed = typeof lookup.org_signing_pub === 'string' && lookup.bundles.every((b) => typeof b.bundle_sig === 'string');
  const bundles: PublicBundle[] = [];
  let orgPub: Uint8Array | null = null;
  if (signed) {
    orgPub = b64uDecode(lookup.org_signing_pub, 'org_signing_pub');
    if (orgPub.length !== 32) throw badBundle('org_signing_pub is not 32 bytes');
  }
  for (const b of lookup.bundles as BundleView[]) {
    if (b.org_id !== undefined && b.org_id !== lookup.org_id) throw badBundle(`bundle ${b.bundle_id} belongs to ${b.org_id}, not ${lookup.org_id}`);
    const pub: PublicBundle = { bundle_id: b.bundle_id, ml_kem_pub: b.ml_kem_pub, x25519_pub: b.x25519_pub, ...(b.ed25519_pub ? { ed25519_pub: b.ed25519_pub } : {}) };
    if (orgPub) {
      if (b.org_signing_pub !== undefined && b.org_signing_pub !== lookup.org_signing_pub) throw badBundle(`bundle ${b.bundle_id} names another org key`);
      try {
        verifyBundle(pub, b.bundle_sig, orgPub);
      } catch (e) {
        throw badBundle(`bundle ${b.bundle_id}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    bundles.push(pub);
  }
  const bundleFingerprints = bundles.map((b) => bundleFingerprint(b)).sort();
  const fingerprint = orgPub
    ? createHash('sha256').update(orgPub).digest('hex')
    : createHash('sha256').update(bundleFingerprints.join('\n')).digest('hex');
  return { orgId: lookup.org_id, bundles, fingerprint, bundleFingerprints };
}

export class KeyPins {
  private readonly db: Db;
  private readonly nowMs: () => number;

  constructor(db: Db, nowMs: () => number) {
    this.db = db;
    this.nowMs = nowMs;
  }

  /** Compare with the pin; pins on first use; records a pending change otherwise. */
  check(r: VerifiedRecipient): PinDecision {
    const now = this.nowMs();
    const pin = this.db.prepare('SELECT fingerprint FROM key_pins WHERE peer_org_id = ?').get(r.orgId) as { fingerprint: string } | undefined;
    if (!pin) {
      this.db.prepare('INSERT INTO key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(r.orgId, r.fingerprint, JSON.stringify(r.bundleFingerprints), now, now);
      return { kind: 'trusted', firstUse: true };
    }
    if (pin.fingerprint === r.fingerprint) {
      // Union, not replace: a receipt may still come signed by a bundle the org has since retired.
      const known = this.record(r.orgId)?.bundleFingerprints ?? [];
      const merged = [...new Set([...known, ...r.bundleFingerprints])].sort();
      this.db.prepare('UPDATE key_pins SET bundle_fingerprints = ?, updated_at = ? WHERE peer_org_id = ?').run(JSON.stringify(merged), now, r.orgId);
      return { kind: 'trusted', firstUse: false };
    }
    this.db.prepare('UPDATE key_pins SET pending_fingerprint = ?, updated_at = ? WHERE peer_org_id = ?').run(r.fingerprint, now, r.orgId);
    return { kind: 'changed', previousFingerprint: pin.fingerprint, newFingerprint: r.fingerprint };
  }

  /** The user confirmed the new keys (ideally by phone): pin them. */
  accept(peerOrgId: string, newFingerprint: string): void {
    const pin = this.db.prepare('SELECT pending_fingerprint FROM key_pins WHERE peer_org_id = ?').get(peerOrgId) as { pending_fingerprint: string | null } | undefined;
    if (!pin || pin.pending_fingerprint !== newFingerprint) {
      throw new DeskError('keys.no_pending_change', 'There is no key change waiting for that recipient, or their keys changed again. Check the recipient once more.', {
        detail: `pending=${pin?.pending_fingerprint ?? 'none'} offered=${newFingerprint}`,
      });
    }
    this.db.prepare('UPDATE key_pins SET fingerprint = ?, pending_fingerprint = NULL, updated_at = ? WHERE peer_org_id = ?').run(newFingerprint, this.nowMs(), peerOrgId);
  }

  record(peerOrgId: string): { fingerprint: string; bundleFingerprints: string[] } | null {
    const pin = this.db.prepare('SELECT fingerprint, bundle_fingerprints FROM key_pins WHERE peer_org_id = ?').get(peerOrgId) as { fingerprint: string; bundle_fingerprints: string } | undefined;
    return pin ? { fingerprint: pin.fingerprint, bundleFingerprints: JSON.parse(pin.bundle_fingerprints) as string[] } : null;
  }

  pinned(peerOrgId: string): string | null {
    const pin = this.db.prepare('SELECT fingerprint FROM key_pins WHERE peer_org_id = ?').get(peerOrgId) as { fingerprint: string } | undefined;
    return pin?.fingerprint ?? null;
  }

  /** Force a pin (tests of the key-change path, and re-verification by phone). */
  set(peerOrgId: string, fingerprint: string): void {
    const now = this.nowMs();
    this.db.prepare(`INSERT INTO key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES (?, ?, '[]', ?, ?)
      ON CONFLICT(peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, pending_fingerprint = NULL, updated_at = excluded.updated_at`).run(peerOrgId, fingerprint, now, now);
  }
}
