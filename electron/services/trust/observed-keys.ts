/**
 * What a relay showed us of an org's keys, checked as far as the relay's answer allows: every
 * bundle must name the org it is for, and when the relay offers bundle signatures each one
 * must verify under the org signing key. The result is compared with the pins by the trust
 * store; nothing here decides whether the keys are the org's real ones.
 */
import type { BundleView, LookupResponse } from '../../../shared/fxe-api/types.ts';
import { b64uDecode, bundleFingerprint, verifyBundle, type CryptoBackend, type PublicBundle } from '../../../shared/protocol/index.ts';
import { DeskError, errorDetail } from '../errors.ts';
import { orgFingerprint } from './fingerprint.ts';
import { asOrgId, type Fingerprint, type OrgId } from '../../../shared/domain/ids.ts';

export interface ObservedKeys {
  orgId: OrgId;
  bundles: PublicBundle[];
  /** The org signing key, when the relay offers bundle signatures and they all verify. */
  orgSigningPub: Uint8Array | null;
  fingerprint: Fingerprint;
  bundleFingerprints: string[];
}

export type BadKeys = (detail: string) => DeskError;

const badRecipientKeys: BadKeys = (detail) => new DeskError('recipient.bundle_invalid',
  "The recipient's encryption keys are not properly signed by their organisation, so the fax was not sent. Contact the recipient, or try again later.", { detail });

function publicBundle(b: BundleView): PublicBundle {
  return { bundle_id: b.bundle_id, ml_kem_pub: b.ml_kem_pub, x25519_pub: b.x25519_pub, ...(b.ed25519_pub ? { ed25519_pub: b.ed25519_pub } : {}) };
}

function decodeOrgKey(value: string, bad: BadKeys): Uint8Array {
  let key: Uint8Array;
  try {
    key = b64uDecode(value, 'org_signing_pub');
  } catch (e) {
    throw bad(`org_signing_pub: ${errorDetail(e)}`);
  }
  if (key.length !== 32) throw bad('org_signing_pub is not 32 bytes');
  return key;
}

function observed(orgId: OrgId, bundles: PublicBundle[], orgSigningPub: Uint8Array | null): ObservedKeys {
  const bundleFingerprints = bundles.map((b) => bundleFingerprint(b)).sort();
  const fingerprint = orgFingerprint(orgSigningPub ? { orgSigningPub } : { bundleFingerprints });
  return { orgId, bundles, orgSigningPub, fingerprint, bundleFingerprints };
}

/**
 * A lookup's bundles (send side). `backend`: the process's native Ed25519 for the bundle
 * signatures (~0.2 ms each instead of noble's ~3 ms), when it has one.
 */
export function keysFromLookup(lookup: LookupResponse, bad: BadKeys = badRecipientKeys, backend?: CryptoBackend): ObservedKeys {
  const signed = typeof lookup.org_signing_pub === 'string' && lookup.bundles.every((b) => typeof b.bundle_sig === 'string');
  const orgPub = signed ? decodeOrgKey(lookup.org_signing_pub, bad) : null;
  const bundles: PublicBundle[] = [];
  for (const b of lookup.bundles) {
    if (b.org_id !== undefined && b.org_id !== lookup.org_id) throw bad(`bundle ${b.bundle_id} belongs to ${b.org_id}, not ${lookup.org_id}`);
    const pub = publicBundle(b);
    if (orgPub) {
      if (b.org_signing_pub !== undefined && b.org_signing_pub !== lookup.org_signing_pub) throw bad(`bundle ${b.bundle_id} names another org key`);
      try {
        verifyBundle(pub, b.bundle_sig, orgPub, backend);
      } catch (e) {
        throw bad(`bundle ${b.bundle_id}: ${errorDetail(e)}`);
      }
    }
    bundles.push(pub);
  }
  // Every bundle named this org (or named none), signed by its key when the relay offers that: from here on the id is the org's.
  return observed(asOrgId(lookup.org_id), bundles, orgPub);
}

/** One bundle fetched by id (a sender's bundle, or the bundle that signed a receipt). `backend` as for keysFromLookup. */
export function keysFromBundle(orgId: OrgId, bundle: BundleView, bad: BadKeys, backend?: CryptoBackend): ObservedKeys {
  if (bundle.org_id !== undefined && bundle.org_id !== orgId) throw bad(`bundle ${bundle.bundle_id} belongs to ${bundle.org_id}, not ${orgId}`);
  const pub = publicBundle(bundle);
  if (typeof bundle.org_signing_pub !== 'string' || typeof bundle.bundle_sig !== 'string') return observed(orgId, [pub], null);
  const orgPub = decodeOrgKey(bundle.org_signing_pub, bad);
  try {
    verifyBundle(pub, bundle.bundle_sig, orgPub, backend);
  } catch (e) {
    throw bad(`bundle ${bundle.bundle_id}: ${errorDetail(e)}`);
  }
  return observed(orgId, [pub], orgPub);
}
