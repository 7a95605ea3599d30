/**
 * Bundle signatures: our extension. The seed declares the 0x0d "fxe-v1-bundle" domain but
 * never uses it; we have the org's long-term signing key sign each bundle's public keys so a
 * client can tell the relay did not swap in its own keys, and pin them (a changed
 * fingerprint is shown loudly, like a safety-number change).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { b64uDecode, b64uEncode, hexEncode, utf8Encode } from './encoding.ts';
import { signingForm } from './canonical-json.ts';
import { ProtocolError } from './errors.ts';
import { DOMAIN_BUNDLE, signWithDomain, verifyWithDomain } from './ed25519-domain.ts';
import type { PublicBundle } from './envelope.ts';
import type { CryptoBackend } from './crypto-backend.ts';

function bundleSigningForm(bundle: PublicBundle): Uint8Array {
  for (const key of ['bundle_id', 'ed25519_pub', 'ml_kem_pub', 'x25519_pub'] as const) {
    if (typeof bundle[key] !== 'string') throw new ProtocolError('malformed', `The key bundle field ${key} is missing or not text.`, key);
  }
  return utf8Encode(
    signingForm({
      bundle_id: bundle.bundle_id,
      ed25519_pub: bundle.ed25519_pub ?? null,
      ml_kem_pub: bundle.ml_kem_pub,
      x25519_pub: bundle.x25519_pub,
    }),
  );
}

/** b64u Ed25519 over 0x0d "fxe-v1-bundle" ‖ signingForm({bundle_id, ed25519_pub, ml_kem_pub, x25519_pub}). */
export function signBundle(bundle: PublicBundle, orgSigningSeed: Uint8Array): string {
  return b64uEncode(signWithDomain(orgSigningSeed, DOMAIN_BUNDLE, bundleSigningForm(bundle)));
}

/** `backend`: an optional native Ed25519 (same verdicts; every send and receive verifies one or more bundles, and noble's first verify in a process costs ~0.1 s building its tables). */
export function verifyBundle(bundle: PublicBundle, signature: string, orgSigningPub: Uint8Array, backend?: CryptoBackend): void {
  const sig = b64uDecode(signature, 'bundle_sig');
  if (!verifyWithDomain(orgSigningPub, DOMAIN_BUNDLE, bundleSigningForm(bundle), sig, backend)) {
    throw new ProtocolError('bad_signature', "The recipient's encryption keys are not signed by their organisation.", 'bundle_sig');
  }
}

/** Hex SHA-256 of the bundle's signing form: the value we pin per org. */
export function bundleFingerprint(bundle: PublicBundle): string {
  return hexEncode(sha256(bundleSigningForm(bundle)));
}
