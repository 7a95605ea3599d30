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
 *
 * This module decides; where the pins are kept is a PinStorage (pin-storage.ts): the desk's
 * own SQLite, or in an office the office database, so that a pin or an accepted change on
 * one desk holds for every desk.
 */
import { asFingerprint, asOrgId, type Fingerprint, type OrgId } from '../../../shared/domain/ids.ts';
import type { BundleView } from '../../../shared/fxe-api/types.ts';
import { b64uDecode } from '../../../shared/protocol/index.ts';
import { DeskError } from '../errors.ts';
import type { Db } from '../storage/database.ts';
import { keysFromBundle, type ObservedKeys } from './observed-keys.ts';
import type { KeyPin, PendingKeyChange, PinOp, PinSteps, PinStorage } from './pin-storage.ts';
import { sqlitePinStorage } from './sqlite-pins.ts';

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

function receiptError(code: string, sentence: string, detail: string): DeskError {
  return new DeskError(code, sentence, { detail });
}

// One step each: yield the operation, get its answer back (pin-storage.ts).
function* keyPin(orgId: string): PinSteps<KeyPin | null> { return (yield { op: 'keyPin', orgId }) as KeyPin | null; }
function* numberOwnerOf(faxNumber: string): PinSteps<string | null> { return (yield { op: 'numberOwner', faxNumber }) as string | null; }
function* pendingOf(orgId: string): PinSteps<KeyPin | null> { return (yield { op: 'pending', orgId }) as KeyPin | null; }
function* write(op: PinOp): PinSteps<void> { yield op; }

/**
 * Signed bundles: the pinned org key, nothing else (another org key is a change even over
 * bundles we know). Unsigned bundles: only bundles already pinned for the org.
 */
function keysMatch(pin: KeyPin, keys: ObservedKeys): boolean {
  if (keys.orgSigningPub) return keys.fingerprint === pin.fingerprint;
  const known = new Set(pin.bundleFingerprints);
  return keys.bundleFingerprints.length > 0 && keys.bundleFingerprints.every((f) => known.has(f));
}

function* checkSteps(keys: ObservedKeys, faxNumber: string | null, now: number): PinSteps<TrustDecision> {
  const pin = yield* keyPin(keys.orgId);
  const numberOwner = faxNumber === null ? null : yield* numberOwnerOf(faxNumber);
  const numberMoved = numberOwner !== null && numberOwner !== keys.orgId;
  const keysKnown = pin !== null && keysMatch(pin, keys);
  if ((pin === null || keysKnown) && !numberMoved) {
    if (pin === null) {
      yield* write({ op: 'putKeyPin', orgId: keys.orgId, pin: { fingerprint: keys.fingerprint, bundleFingerprints: keys.bundleFingerprints }, now });
    } else {
      // Union, not replace: a receipt may still come signed by a bundle the org has since retired.
      yield* write({ op: 'putBundles', orgId: keys.orgId, bundleFingerprints: union(pin.bundleFingerprints, keys.bundleFingerprints), now });
    }
    if (faxNumber !== null && numberOwner === null) yield* write({ op: 'putNumberPin', faxNumber, orgId: keys.orgId, now });
    return { kind: 'trusted', firstUse: pin === null };
  }
  yield* write({ op: 'putPending', orgId: keys.orgId, pin: { fingerprint: keys.fingerprint, bundleFingerprints: keys.bundleFingerprints }, now });
  if (numberMoved && faxNumber !== null) {
    yield* write({ op: 'holdNumber', faxNumber, pendingOrgId: keys.orgId, now });
    const ownerPin = yield* keyPin(numberOwner);
    return { kind: 'changed', orgId: keys.orgId, previousOrgId: asOrgId(numberOwner), previousFingerprint: ownerPin ? asFingerprint(ownerPin.fingerprint) : '', newFingerprint: keys.fingerprint };
  }
  return { kind: 'changed', orgId: keys.orgId, previousOrgId: null, previousFingerprint: pin ? asFingerprint(pin.fingerprint) : '', newFingerprint: keys.fingerprint };
}

function* acceptSteps(peerOrgId: OrgId, newFingerprint: Fingerprint, now: number): PinSteps<void> {
  const pending = yield* pendingOf(peerOrgId);
  if (!pending || pending.fingerprint !== newFingerprint) {
    throw new DeskError('keys.no_pending_change', 'There is no key change waiting for that recipient, or their keys changed again. Check the recipient once more.', {
      detail: `pending=${pending?.fingerprint ?? 'none'} offered=${newFingerprint}`,
    });
  }
  const pin = yield* keyPin(peerOrgId);
  const bundles = union(pin ? pin.bundleFingerprints : [], pending.bundleFingerprints);
  yield* write({ op: 'putKeyPin', orgId: peerOrgId, pin: { fingerprint: newFingerprint, bundleFingerprints: bundles }, now });
  yield* write({ op: 'releaseNumbers', orgId: peerOrgId, now });
  yield* write({ op: 'dropPending', orgId: peerOrgId });
}

function* listPendingSteps(): PinSteps<PendingKeyChange[]> {
  return (yield { op: 'listPending' }) as PendingKeyChange[];
}

export class TrustStore {
  private readonly storage: PinStorage;
  private readonly nowMs: () => number;

  /** `pins`: a desk's own database (its SQLite pins) or another storage (the office's). */
  constructor(pins: Db | PinStorage, nowMs: () => number) {
    this.storage = 'prepare' in pins ? sqlitePinStorage(pins) : pins;
    this.nowMs = nowMs;
  }

  private run<T>(steps: PinSteps<T>): Promise<T> {
    try {
      return Promise.resolve(this.storage.run(steps));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /**
   * Keys a relay showed for an org, and the fax number they came with: the number looked up
   * (send) or the envelope's `from_number` (receive). Pins on first use; records a pending
   * change otherwise.
   */
  check(keys: ObservedKeys, faxNumber: string | null): Promise<TrustDecision> {
    return this.run(checkSteps(keys, faxNumber, this.nowMs()));
  }

  /**
   * The user confirmed the new keys (ideally by phone): pin them, and hand the numbers that
   * were waiting for this org over to it.
   */
  accept(peerOrgId: OrgId, newFingerprint: Fingerprint): Promise<void> {
    return this.run(acceptSteps(peerOrgId, newFingerprint, this.nowMs()));
  }

  /** Key changes waiting for someone to accept them (in an office: whichever desk met them). */
  pendingChanges(): Promise<PendingKeyChange[]> {
    return this.run(listPendingSteps());
  }

  /**
   * The Ed25519 key that may sign a delivery receipt for `peerOrgId`: the bundle's, if the
   * pins say the bundle is that org's (signed by its pinned org key, or a bundle we have seen
   * under it). Throws otherwise.
   */
  async receiptKey(peerOrgId: OrgId, bundle: BundleView): Promise<Uint8Array> {
    const pin = await this.run(keyPin(peerOrgId));
    if (!pin) throw receiptError('receipt.unpinned', "The recipient's keys are unknown, so the receipt cannot be checked.", 'no pin');
    const keys = keysFromBundle(peerOrgId, bundle, (detail) => receiptError('receipt.wrong_org', 'The delivery receipt was signed by a key that is not the recipient organisation\'s.', detail));
    if (!keysMatch(pin, keys)) {
      throw receiptError('receipt.unpinned', "The delivery receipt was signed with a key that is not the recipient's known key.", `bundle ${bundle.bundle_id}`);
    }
    return b64uDecode(bundle.ed25519_pub, 'ed25519_pub');
  }

  /** The fingerprint pinned for an org, or null. */
  async pinned(peerOrgId: OrgId): Promise<Fingerprint | null> {
    const fp = (await this.run(keyPin(peerOrgId)))?.fingerprint;
    return fp === undefined ? null : asFingerprint(fp);
  }

  /** The org a fax number is pinned to, or null. */
  async numberOwner(faxNumber: string): Promise<OrgId | null> {
    const owner = await this.run(numberOwnerOf(faxNumber));
    return owner === null ? null : asOrgId(owner);
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
