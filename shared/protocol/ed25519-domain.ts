/**
 * Ed25519 signatures with the protocol's length-prefixed domain tags
 * (`byte(len(tag)) ‖ tag ‖ payload`), so a signature made for one purpose (a request, an
 * envelope, a receipt, a bundle) can never be replayed as another.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, utf8Encode } from './encoding.ts';
import { ProtocolError } from './errors.ts';
import type { CryptoBackend } from './crypto-backend.ts';
import { ed25519Sign, ed25519Verify } from './primitives.ts';

function domainTag(tag: string): Uint8Array {
  const bytes = utf8Encode(tag);
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

export const DOMAIN_REQUEST = domainTag('fxe-v1-request'); // 0x0e
export const DOMAIN_ENVELOPE = domainTag('fxe-v1-envelope'); // 0x0f
export const DOMAIN_RECEIPT = domainTag('fxe-v1-receipt'); // 0x0e
export const DOMAIN_BUNDLE = domainTag('fxe-v1-bundle'); // 0x0d

export const ED25519_SEED_LENGTH = 32;
export const ED25519_PUBLIC_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== ED25519_SEED_LENGTH) throw new ProtocolError('malformed', 'An Ed25519 private key must be 32 bytes.', 'seed');
  return ed25519.getPublicKey(seed);
}

/** `backend`: an optional native Ed25519 (same bytes: Ed25519 signatures are deterministic). */
export function signWithDomain(seed: Uint8Array, domain: Uint8Array, payload: Uint8Array, backend?: CryptoBackend): Uint8Array {
  if (seed.length !== ED25519_SEED_LENGTH) throw new ProtocolError('malformed', 'An Ed25519 private key must be 32 bytes.', 'seed');
  return ed25519Sign(backend, seed, concatBytes(domain, payload));
}

/**
 * Strict RFC 8032 verification (zip215 off: no non-canonical encodings), as OpenSSL does.
 * Returns false for any malformed key or signature rather than throwing.
 */
export function verifyWithDomain(publicKey: Uint8Array, domain: Uint8Array, payload: Uint8Array, signature: Uint8Array, backend?: CryptoBackend): boolean {
  if (publicKey.length !== ED25519_PUBLIC_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  return ed25519Verify(backend, publicKey, concatBytes(domain, payload), signature);
}
