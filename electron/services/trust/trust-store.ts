/**
 * Trust on first use, for every org we exchange faxes with, on send, receive and receipts
 * alike. Two kinds of pin:
 *
 *  - org → keys: the org's fingerprint (see fingerprint.ts) and every bundle fingerprint we
 *    have seen under it. With bundle signatures, a rotation the org itself signed passes
 *    silently (like Signal's prekeys); a different org key is a change. Without them, a bundle
 *    we have never seen for that org is a change.
 *  - fax number → org: the org that answered a number (send) or sent from it (receive). A
 *    relay that hands a known number to another org, however valid that org's own keys, is
 *    a change too: otherwise a lying relay could simply answer with an org of its own.
 *
 * A change is never applied by itself: it is recorded as pending, the fax is held, and only
 * `accept` with the very fingerprint the user was shown (ideally confirmed by phone) pins it.
 */
import type { Fingerprint, OrgId } from '../../../shared/domain/ids.ts';
import type { BundleView } from '../../../shared/fxe-api/types.ts';
import { b64uDecode } from '../../../shared/protocol/index.ts';
import { DeskError } from '../errors.ts';
import type { Db } from '../storage/database.ts';
import { keysFromBundle, type ObservedKeys } from './observed-keys.ts';

export type TrustDecision =
  | { kind: 'trusted'; firstUse: boolean }
  | {
    kind: 'changed';
    orgId: OrgId;
    /** Set when the number was pinned to another org: the relay moved it to `orgId`. */
    previousOrgId: OrgId | null;
    /** '' when there was none (a number moving to an org we never saw). */
    previousFingerprint: Fingerprint | '';
    newFingerprint: Fingerprint;
  };

interface KeyPinRow { fingerprint: Fingerprint; bundle_fingerprints: string }
interface PendingRow { fingerprint: Fingerprint; bundle_fingerprints: string }


function receiptError(code: string, sentence: string, detail: string): DeskError {
  return new DeskError(code, sentence, { detail });
}

export class TrustStore {
  private readonly db: Db;
  private readonly nowMs: () => number;

  constructor(db: Db, nowMs: () => number) {
    this.db = db;
    this.nowMs = nowMs;
  }

  /**
   * Keys a relay showed for an org, and the fax number they came with: the number looked up
   * (send) or the envelope's `from_number` (receive). Pins on first use; records a pending
   * change otherwise.
   */
  check(keys: ObservedKeys, faxNumber: string | null): TrustDecision {
    return this.db.transaction((): TrustDecision => {
      const now = this.nowMs();
      const pin = this.keyPin(keys.orgId);
      const numberOwner = faxNumber === null ? null : this.numberOwner(faxNumber);
      const numberMoved = numberOwner !== null && numberOwner !== keys.orgId;
      const keysKnown = pin !== null && this.keysMatch(pin, keys);
      if ((pin === null || keysKnown) && !numberMoved) {
        if (pin === null) {
          this.db.prepare('INSERT INTO key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?)')
            .run(keys.orgId, keys.fingerprint, JSON.stringify(keys.bundleFingerprints), now, now);
        } else {
          // Union, not replace: a receipt may still come signed by a bundle the org has since retired.
          this.db.prepare('UPDATE key_pins SET bundle_fingerprints = ?, updated_at = ? WHERE peer_org_id = ?')
            .run(JSON.stringify(union(parseList(pin.bundle_fingerprints), keys.bundleFingerprints)), now, keys.orgId);
        }
        if (faxNumber !== null && numberOwner === null) {
          this.db.prepare('INSERT INTO number_pins (fax_number, peer_org_id, first_seen_at, updated_at) VALUES (?, ?, ?, ?)').run(faxNumber, keys.orgId, now, now);
        }
        return { kind: 'trusted', firstUse: pin === null };
      }
      this.db.prepare(`INSERT INTO pending_key_changes (peer_org_id, fingerprint, bundle_fingerprints, at) VALUES (?, ?, ?, ?)
        ON CONFLICT(peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, at = excluded.at`)
        .run(keys.orgId, keys.fingerprint, JSON.stringify(keys.bundleFingerprints), now);
      if (numberMoved && faxNumber !== null) {
        this.db.prepare('UPDATE number_pins SET pending_org_id = ?, updated_at = ? WHERE fax_number = ?').run(keys.orgId, now, faxNumber);
        return { kind: 'changed', orgId: keys.orgId, previousOrgId: numberOwner, previousFingerprint: this.pinned(numberOwner) ?? '', newFingerprint: keys.fingerprint };
      }
      return { kind: 'changed', orgId: keys.orgId, previousOrgId: null, previousFingerprint: pin ? pin.fingerprint : '', newFingerprint: keys.fingerprint };
    })();
  }

  /**
   * The user confirmed the new keys (ideally by phone): pin them, and hand the numbers that
   * were waiting for this org over to it.
   */
  accept(peerOrgId: OrgId, newFingerprint: Fingerprint): void {
    this.db.transaction(() => {
      const pending = this.db.prepare('SELECT fingerprint, bundle_fingerprints FROM pending_key_changes WHERE peer_org_id = ?').get(peerOrgId) as PendingRow | undefined;
      if (!pending || pending.fingerprint !== newFingerprint) {
        throw new DeskError('keys.no_pending_change', 'There is no key change waiting for that recipient, or their keys changed again. Check the recipient once more.', {
          detail: `pending=${pending?.fingerprint ?? 'none'} offered=${newFingerprint}`,
        });
      }
      const now = this.nowMs();
      const pin = this.keyPin(peerOrgId);
      const bundles = union(pin ? parseList(pin.bundle_fingerprints) : [], parseList(pending.bundle_fingerprints));
      this.db.prepare(`INSERT INTO key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, pending_fingerprint = NULL, updated_at = excluded.updated_at`)
        .run(peerOrgId, newFingerprint, JSON.stringify(bundles), now, now);
      this.db.prepare('UPDATE number_pins SET peer_org_id = ?, pending_org_id = NULL, updated_at = ? WHERE pending_org_id = ?').run(peerOrgId, now, peerOrgId);
      this.db.prepare('DELETE FROM pending_key_changes WHERE peer_org_id = ?').run(peerOrgId);
    })();
  }

  /**
   * The Ed25519 key that may sign a delivery receipt for `peerOrgId`: the bundle's, if the
   * pins say the bundle is that org's (signed by its pinned org key, or a bundle we have seen
   * under it). Throws otherwise.
   */
  receiptKey(peerOrgId: OrgId, bundle: BundleView): Uint8Array {
    const pin = this.keyPin(peerOrgId);
    if (!pin) throw receiptError('receipt.unpinned', "The recipient's keys are unknown, so the receipt cannot be checked.", 'no pin');
    const keys = keysFromBundle(peerOrgId, bundle, (detail) => receiptError('receipt.wrong_org', 'The delivery receipt was signed by a key that is not the recipient organisation\'s.', detail));
    if (!this.keysMatch(pin, keys)) {
      throw receiptError('receipt.unpinned', "The delivery receipt was signed with a key that is not the recipient's known key.", `bundle ${bundle.bundle_id}`);
    }
    return b64uDecode(bundle.ed25519_pub, 'ed25519_pub');
  }

  /** The fingerprint pinned for an org, or null. */
  pinned(peerOrgId: OrgId): Fingerprint | null {
    return this.keyPin(peerOrgId)?.fingerprint ?? null;
  }

  /** The org a fax number is pinned to, or null. */
  numberOwner(faxNumber: string): OrgId | null {
    const row = this.db.prepare('SELECT peer_org_id FROM number_pins WHERE fax_number = ?').get(faxNumber) as { peer_org_id: OrgId } | undefined;
    return row ? row.peer_org_id : null;
  }

  private keyPin(peerOrgId: OrgId): KeyPinRow | null {
    return (this.db.prepare('SELECT fingerprint, bundle_fingerprints FROM key_pins WHERE peer_org_id = ?').get(peerOrgId) as KeyPinRow | undefined) ?? null;
  }

  /**
   * Signed bundles: the pinned org key, nothing else (another org key is a change even over
   * bundles we know). Unsigned bundles: only bundles already pinned for the org.
   */
  private keysMatch(pin: KeyPinRow, keys: ObservedKeys): boolean {
    if (keys.orgSigningPub) return keys.fingerprint === pin.fingerprint;
    const known = new Set(parseList(pin.bundle_fingerprints));
    return keys.bundleFingerprints.length > 0 && keys.bundleFingerprints.every((f) => known.has(f));
  }
}

function parseList(json: string): string[] {
  const v = JSON.parse(json) as unknown;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
