/**
 * The one place that owns the rules of the fax body cipher, so no caller can get them wrong:
 * CEK is 32 bytes; the wire ciphertext is `nonce24 ‖ ChaCha20-Poly1305(CEK, nonce24[0:12],
 * plaintext, AAD)`; only the first 12 nonce bytes are used (the suite name says xchacha20,
 * the reference client does IETF ChaCha20-Poly1305: we follow the bytes); the tag is 16
 * bytes; the relay caps ciphertext at 100 MiB.
 */
import type { CryptoBackend } from './crypto-backend.ts';
import { ProtocolError } from './errors.ts';
import { constantTimeEqual, concatBytes } from './encoding.ts';

export const CEK_LENGTH = 32;
export const BODY_NONCE_LENGTH = 24;
/** The part of the 24-byte nonce the wire actually feeds to ChaCha20-Poly1305. */
export const BODY_NONCE_USED = 12;
export const BODY_TAG_LENGTH = 16;
/** Relay limit on stored ciphertext per message. */
export const MAX_CIPHERTEXT_BYTES = 100 * 1024 * 1024;
export const MAX_PLAINTEXT_BYTES = MAX_CIPHERTEXT_BYTES - BODY_NONCE_LENGTH - BODY_TAG_LENGTH;

function checkLength(value: Uint8Array, length: number, label: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new ProtocolError('malformed', `${label} must be ${length} bytes.`, label);
  }
}

/** Encrypts a fax body. Returns the wire ciphertext and its SHA-256. */
export async function sealBody(
  backend: CryptoBackend,
  cek: Uint8Array,
  nonce24: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<{ ciphertext: Uint8Array; sha256: Uint8Array }> {
  checkLength(cek, CEK_LENGTH, 'cek');
  checkLength(nonce24, BODY_NONCE_LENGTH, 'nonce');
  if (plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new ProtocolError('too_large', 'The file is larger than the 100 MiB an fxe message can carry.');
  }
  if (backend.sealAndHash) {
    const result = await backend.sealAndHash(cek, nonce24, plaintext, aad);
    if (result.ciphertext.length !== BODY_NONCE_LENGTH + plaintext.length + BODY_TAG_LENGTH || result.sha256.length !== 32) {
      throw new Error(`crypto backend ${backend.name} returned a ciphertext of the wrong size`);
    }
    return result;
  }
  const sealed = backend.chachaSeal(cek, nonce24.subarray(0, BODY_NONCE_USED), plaintext, aad);
  const ciphertext = concatBytes(nonce24, sealed);
  return { ciphertext, sha256: backend.sha256(ciphertext) };
}

/** Outcome of hashing and (maybe) decrypting a wire ciphertext; the caller ranks failures. */
export interface BodyOpenResult {
  /** SHA-256 of the whole wire ciphertext. */
  sha256: Uint8Array;
  /** null when the tag did not verify. */
  plaintext: Uint8Array | null;
}

/**
 * Hashes and decrypts a wire ciphertext. Never throws for a bad tag: returns plaintext null.
 * `hashing` is a hash of this same ciphertext already under way (CryptoBackend.sha256Early):
 * then this only decrypts, and waits for that hash.
 */
export async function hashAndOpenBody(
  backend: CryptoBackend,
  cek: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  hashing?: Promise<Uint8Array>,
): Promise<BodyOpenResult> {
  checkLength(cek, CEK_LENGTH, 'cek');
  if (ciphertext.length < BODY_NONCE_LENGTH + BODY_TAG_LENGTH) {
    throw new ProtocolError('malformed', 'The encrypted fax is too short to be valid.', 'ciphertext');
  }
  if (backend.openAndHash && !hashing) return backend.openAndHash(cek, ciphertext, aad);
  let plaintext: Uint8Array | null;
  try {
    const nonce12 = ciphertext.subarray(0, BODY_NONCE_USED);
    plaintext = backend.chachaOpen(cek, nonce12, ciphertext.subarray(BODY_NONCE_LENGTH), aad);
  } catch (e) {
    if (!(e instanceof ProtocolError && e.code === 'decrypt_failed')) throw e;
    plaintext = null;
  }
  try {
    return { sha256: hashing ? await hashing : backend.sha256(ciphertext), plaintext };
  } catch (e) {
    plaintext?.fill(0);
    throw e;
  }
}

/** True when `actual` equals the expected hash (constant time; both raw 32 bytes). */
export function sameHash(actual: Uint8Array, expected: Uint8Array): boolean {
  return constantTimeEqual(actual, expected);
}
