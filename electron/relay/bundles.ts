/**
 * Key bundles: validating an uploaded bundle (lengths, id, the org's signature over it) and
 * presenting stored ones. The relay checks the bundle signature on upload so it never serves
 * a bundle its org did not sign; clients verify it again, because they must not trust us.
 */
import { b64uDecode, isProtocolError, verifyBundle } from '../../shared/protocol/index.ts';
import { BUNDLE_ID_PATTERN, type BundleUpload, type BundleView } from '../../shared/fxe-api/index.ts';
import { RelayHttpError } from './http-util.ts';
import type { BundleRow, OrgRow } from './store.ts';

const KEY_LENGTHS = { ml_kem_pub: 1184, x25519_pub: 32, ed25519_pub: 32 } as const;

export function decodeFixed(value: unknown, length: number, field: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    if (typeof value !== 'string') throw new Error('not a string');
    bytes = b64uDecode(value, field);
  } catch {
    throw new RelayHttpError('malformed_request', { field, detail: `${field} is not base64url` });
  }
  if (bytes.length !== length) throw new RelayHttpError('malformed_request', { field, detail: `${field} must be ${length} bytes` });
  return bytes;
}

/** Shape and signature of an uploaded bundle; `signingPub` is the org's signing key. */
export function parseSignedBundle(bundleValue: unknown, signature: unknown, signingPub: Uint8Array): BundleUpload {
  if (typeof bundleValue !== 'object' || bundleValue === null || Array.isArray(bundleValue)) {
    throw new RelayHttpError('malformed_request', { field: 'bundle' });
  }
  const b = bundleValue as Record<string, unknown>;
  if (typeof b['bundle_id'] !== 'string' || !BUNDLE_ID_PATTERN.test(b['bundle_id'])) {
    throw new RelayHttpError('malformed_request', { field: 'bundle.bundle_id', detail: 'bundle_id must match ^[A-Za-z0-9_-]{3,64}$' });
  }
  for (const [key, length] of Object.entries(KEY_LENGTHS)) decodeFixed(b[key], length, `bundle.${key}`);
  const bundle: BundleUpload = {
    bundle_id: b['bundle_id'],
    ml_kem_pub: b['ml_kem_pub'] as string,
    x25519_pub: b['x25519_pub'] as string,
    ed25519_pub: b['ed25519_pub'] as string,
  };
  if (typeof signature !== 'string') throw new RelayHttpError('malformed_request', { field: 'bundle_sig' });
  try {
    verifyBundle(bundle, signature, signingPub);
  } catch (e) {
    if (isProtocolError(e)) throw new RelayHttpError('bundle_signature_invalid', { field: 'bundle_sig', detail: e.message });
    throw e;
  }
  return bundle;
}

/** A bundle as the reference relay shows it: the public keys, no signature, no org key. */
export function referenceBundleView(row: BundleRow): Pick<BundleView, 'bundle_id' | 'ml_kem_pub' | 'x25519_pub' | 'ed25519_pub'> {
  return { bundle_id: row.bundle_id, ml_kem_pub: row.ml_kem_pub, x25519_pub: row.x25519_pub, ed25519_pub: row.ed25519_pub };
}

export function bundleView(row: BundleRow, org: OrgRow): BundleView {
  return {
    bundle_id: row.bundle_id,
    ml_kem_pub: row.ml_kem_pub,
    x25519_pub: row.x25519_pub,
    ed25519_pub: row.ed25519_pub,
    org_id: row.org_id,
    bundle_sig: row.bundle_sig,
    org_signing_pub: org.signing_pub,
    status: row.retired_at === null ? 'active' : 'retired',
    created_at: row.created_at,
    retired_at: row.retired_at,
  };
}
