/**
 * The redeem request, built purely from keys the client generated itself. Used by our app's
 * onboarding and by the local relay's demo helper, so the demo goes through exactly the path
 * a real org takes. Nothing secret leaves: only public keys and a signature.
 */
import {
  b64uEncode,
  publicBundleOf,
  signBundle,
  signingPublicKeyOf,
  type OrgKeys,
} from '../protocol/index.ts';
import type { BundleUpload, RedeemRequest, RedeemResponse } from './types.ts';

/** Key material without credentials: what generateKeyMaterial() returns before redeeming. */
export type KeyMaterial = Omit<OrgKeys, 'credentials'>;

/** Bundle ids the client proposes: "kb_" + 16 random bytes, base64url (22 characters). */
export function newBundleId(random: (n: number) => Uint8Array = defaultRandom): string {
  return `kb_${b64uEncode(random(16))}`;
}

/** The shape every bundle id must have (the relay rejects others with 422 malformed_request). */
export const BUNDLE_ID_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;

/** The public half of a freshly generated key set, labelled with the proposed bundle id. */
export function bundleUploadOf(keys: KeyMaterial, bundleId: string): BundleUpload {
  const bundle = publicBundleOf({ ...keys, credentials: { bundle_id: bundleId } });
  if (typeof bundle.ed25519_pub !== 'string') throw new TypeError('publicBundleOf returned no ed25519_pub');
  return { bundle_id: bundleId, ml_kem_pub: bundle.ml_kem_pub, x25519_pub: bundle.x25519_pub, ed25519_pub: bundle.ed25519_pub };
}

export interface BuildRedeemRequestInput {
  inviteToken: string;
  orgName: string;
  faxNumbers: string[];
  keys: KeyMaterial;
  /** Defaults to a fresh newBundleId(). */
  bundleId?: string;
}

/** POST /v1/redeem body. The bundle is signed with the org signing key (proof of possession). */
export function buildRedeemRequest(input: BuildRedeemRequestInput): RedeemRequest {
  const bundle = bundleUploadOf(input.keys, input.bundleId ?? newBundleId());
  return {
    invite_token: input.inviteToken,
    org_name: input.orgName,
    fax_numbers: [...input.faxNumbers],
    signing_pub: b64uEncode(signingPublicKeyOf(input.keys)),
    bundle,
    bundle_sig: signBundle(bundle, input.keys.signingSeed),
  };
}

/** The credentials.json content for keys.zip, from the relay's answer. */
export function credentialsFromRedeem(response: RedeemResponse): OrgKeys['credentials'] {
  return { relay: response.relay, org_id: response.org_id, key_id: response.key_id, bundle_id: response.bundle_id };
}

function defaultRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
