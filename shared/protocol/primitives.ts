/**
 * The small asymmetric primitives, through the crypto seam: the backend's native version when
 * it offers one, noble's otherwise. wrap.ts and ed25519-domain.ts call these and never pick
 * an implementation themselves, so a backend can speed up any subset without changing bytes.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { gcm } from '@noble/ciphers/aes.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { CryptoBackend } from './crypto-backend.ts';

type Backend = CryptoBackend | undefined;

export function ed25519Sign(backend: Backend, seed: Uint8Array, message: Uint8Array): Uint8Array {
  return backend?.ed25519Sign ? backend.ed25519Sign(seed, message) : ed25519.sign(message, seed);
}

/** Strict RFC 8032 (zip215 off: no non-canonical encodings), as OpenSSL does. Never throws. */
export function ed25519Verify(backend: Backend, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (backend?.ed25519Verify) return backend.ed25519Verify(publicKey, message, signature);
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export function x25519PublicKey(backend: Backend, secret: Uint8Array): Uint8Array {
  return backend?.x25519PublicKey ? backend.x25519PublicKey(secret) : x25519.getPublicKey(secret);
}

export function x25519SharedSecret(backend: Backend, secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return backend?.x25519SharedSecret ? backend.x25519SharedSecret(secret, publicKey) : x25519.getSharedSecret(secret, publicKey);
}

/**
 * With `message` (FIPS 203's 32-byte m, drawn from an injected random source for deterministic
 * tests), noble encapsulates with it; without, the backend may encapsulate natively with its
 * own CSPRNG (noble then draws its own m).
 */
export function mlkem768Encapsulate(backend: Backend, publicKey: Uint8Array, message?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
  if (message === undefined && backend?.mlkem768Encapsulate) return backend.mlkem768Encapsulate(publicKey);
  return ml_kem768.encapsulate(publicKey, message);
}

export function mlkem768Decapsulate(backend: Backend, cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return backend?.mlkem768Decapsulate ? backend.mlkem768Decapsulate(cipherText, secretKey) : ml_kem768.decapsulate(cipherText, secretKey);
}

/**
 * An ephemeral X25519 key pair and its shared secret with `peerPublic`. With `secret` (drawn
 * from an injected random source) that secret is used; without, the backend may generate the
 * pair natively, or noble draws one from the system CSPRNG (and it is wiped after use).
 */
export function x25519Ephemeral(backend: Backend, peerPublic: Uint8Array, secret?: Uint8Array): { publicKey: Uint8Array; sharedSecret: Uint8Array } {
  if (secret === undefined && backend?.x25519Ephemeral) return backend.x25519Ephemeral(peerPublic);
  const own = secret ?? randomBytes(32);
  try {
    return { publicKey: x25519PublicKey(backend, own), sharedSecret: x25519SharedSecret(backend, own, peerPublic) };
  } finally {
    if (secret === undefined) own.fill(0);
  }
}

export function aes256GcmSeal(backend: Backend, key: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  return backend?.aes256GcmSeal ? backend.aes256GcmSeal(key, nonce12, plaintext, aad) : gcm(key, nonce12, aad).encrypt(plaintext);
}

/** Throws on a bad tag. */
export function aes256GcmOpen(backend: Backend, key: Uint8Array, nonce12: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  return backend?.aes256GcmOpen ? backend.aes256GcmOpen(key, nonce12, sealed, aad) : gcm(key, nonce12, aad).decrypt(sealed);
}
