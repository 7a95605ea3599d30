/**
 * Wrapping the content key (CEK) for one recipient bundle, the hybrid part of the suite:
 *   ML-KEM-768 encapsulate → ss_pq; ephemeral X25519 with the bundle's key → ss_classical;
 *   wrap_key = HKDF-SHA256(ikm = ss_pq ‖ ss_classical, no salt,
 *                          info = "fxe-v1-wrap|" eph_pub "|" x25519_pub "|" ml_kem_pub, 32);
 *   wrapped_cek = AES-256-GCM(wrap_key, 12-byte nonce, CEK, AAD).
 * Both shared secrets feed the key, so breaking either algorithm alone is not enough; the
 * public keys in `info` bind the wrap key to this exact recipient (no unknown-key share).
 * Every secret created here is wiped in `finally`.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { b64uDecode, b64uEncode, concatBytes, utf8Encode } from './encoding.ts';
import { ProtocolError } from './errors.ts';
import { CEK_LENGTH } from './body-cipher.ts';
import type { CryptoBackend } from './crypto-backend.ts';
import { aes256GcmOpen, aes256GcmSeal, mlkem768Decapsulate, mlkem768Encapsulate, x25519Ephemeral, x25519SharedSecret } from './primitives.ts';
import { randomBytes } from '@noble/hashes/utils.js';

export const MLKEM768_PUBLIC_LENGTH = 1184;
export const MLKEM768_SECRET_LENGTH = 2400;
export const MLKEM768_CIPHERTEXT_LENGTH = 1088;
export const X25519_KEY_LENGTH = 32;
export const WRAP_NONCE_LENGTH = 12;
export const WRAPPED_CEK_LENGTH = CEK_LENGTH + 16;

export interface WrappedKey {
  recipient_key_bundle_id: string;
  kem_ct: string;
  x25519_ephemeral_pub: string;
  wrap_nonce: string;
  wrapped_cek: string;
}

/** A recipient's KEM keys, raw bytes (from keys.zip). */
export interface RecipientKemKeys {
  bundleId: string;
  mlkemSecret: Uint8Array;
  mlkemPublic: Uint8Array;
  x25519Secret: Uint8Array;
  x25519Public: Uint8Array;
}

const WRAP_INFO_PREFIX = utf8Encode('fxe-v1-wrap');
const PIPE = utf8Encode('|');

function wrapInfo(ephPub: Uint8Array, x25519Pub: Uint8Array, mlkemPub: Uint8Array): Uint8Array {
  return concatBytes(WRAP_INFO_PREFIX, PIPE, ephPub, PIPE, x25519Pub, PIPE, mlkemPub);
}

function deriveWrapKey(ssPq: Uint8Array, ssClassical: Uint8Array, info: Uint8Array): Uint8Array {
  const ikm = concatBytes(ssPq, ssClassical);
  try {
    return hkdf(sha256, ikm, undefined, info, 32);
  } finally {
    ikm.fill(0);
  }
}

/** Wraps `cek` for one recipient bundle (public keys as raw bytes). */
export function wrapCek(p: {
  cek: Uint8Array;
  aad: Uint8Array;
  bundleId: string;
  mlkemPublic: Uint8Array;
  x25519Public: Uint8Array;
  /**
   * Injected randomness (deterministic tests): every random byte then comes from it, drawn in
   * the same order as always (ML-KEM m, ephemeral secret, wrap nonce). Absent: the system
   * CSPRNG, and the backend may encapsulate natively.
   */
  random?: (n: number) => Uint8Array;
  backend?: CryptoBackend;
}): WrappedKey {
  if (p.mlkemPublic.length !== MLKEM768_PUBLIC_LENGTH) throw new ProtocolError('malformed', `Recipient bundle ${p.bundleId} has an ML-KEM key of the wrong size.`, 'ml_kem_pub');
  if (p.x25519Public.length !== X25519_KEY_LENGTH) throw new ProtocolError('malformed', `Recipient bundle ${p.bundleId} has an X25519 key of the wrong size.`, 'x25519_pub');
  const random = p.random ?? randomBytes;
  const kemMsg = p.random ? p.random(32) : undefined;
  const ephSecret = p.random ? p.random(X25519_KEY_LENGTH) : undefined;
  let ssPq: Uint8Array | undefined;
  let ssClassical: Uint8Array | undefined;
  let wrapKey: Uint8Array | undefined;
  try {
    let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      encapsulated = mlkem768Encapsulate(p.backend, p.mlkemPublic, kemMsg);
    } catch (cause) {
      throw new ProtocolError('malformed', `Recipient bundle ${p.bundleId} has an invalid ML-KEM key.`, 'ml_kem_pub', { cause });
    }
    ssPq = encapsulated.sharedSecret;
    let ephPublic: Uint8Array;
    try {
      ({ publicKey: ephPublic, sharedSecret: ssClassical } = x25519Ephemeral(p.backend, p.x25519Public, ephSecret));
    } catch (cause) {
      throw new ProtocolError('malformed', `Recipient bundle ${p.bundleId} has an invalid X25519 key.`, 'x25519_pub', { cause });
    }
    wrapKey = deriveWrapKey(ssPq, ssClassical, wrapInfo(ephPublic, p.x25519Public, p.mlkemPublic));
    const wrapNonce = random(WRAP_NONCE_LENGTH);
    const wrapped = aes256GcmSeal(p.backend, wrapKey, wrapNonce, p.cek, p.aad);
    return {
      recipient_key_bundle_id: p.bundleId,
      kem_ct: b64uEncode(encapsulated.cipherText),
      x25519_ephemeral_pub: b64uEncode(ephPublic),
      wrap_nonce: b64uEncode(wrapNonce),
      wrapped_cek: b64uEncode(wrapped),
    };
  } finally {
    kemMsg?.fill(0);
    ephSecret?.fill(0);
    ssPq?.fill(0);
    ssClassical?.fill(0);
    wrapKey?.fill(0);
  }
}

/** Decodes a wrapped key's binary fields, checking every length (→ malformed). */
export function decodeWrappedKey(wk: WrappedKey, index: number): { kemCt: Uint8Array; ephPublic: Uint8Array; wrapNonce: Uint8Array; wrappedCek: Uint8Array } {
  const field = (name: keyof WrappedKey, length: number): Uint8Array => {
    const label = `wrapped_keys[${index}].${name}`;
    const bytes = b64uDecode(wk[name], label);
    if (bytes.length !== length) throw new ProtocolError('malformed', `${label} must be ${length} bytes.`, label);
    return bytes;
  };
  return {
    kemCt: field('kem_ct', MLKEM768_CIPHERTEXT_LENGTH),
    ephPublic: field('x25519_ephemeral_pub', X25519_KEY_LENGTH),
    wrapNonce: field('wrap_nonce', WRAP_NONCE_LENGTH),
    wrappedCek: field('wrapped_cek', WRAPPED_CEK_LENGTH),
  };
}

/** Unwraps the CEK; any cryptographic failure is ProtocolError('unwrap_failed'). */
export function unwrapCek(decoded: ReturnType<typeof decodeWrappedKey>, recipient: RecipientKemKeys, aad: Uint8Array, backend?: CryptoBackend): Uint8Array {
  let ssPq: Uint8Array | undefined;
  let ssClassical: Uint8Array | undefined;
  let wrapKey: Uint8Array | undefined;
  try {
    ssPq = mlkem768Decapsulate(backend, decoded.kemCt, recipient.mlkemSecret);
    ssClassical = x25519SharedSecret(backend, recipient.x25519Secret, decoded.ephPublic);
    wrapKey = deriveWrapKey(ssPq, ssClassical, wrapInfo(decoded.ephPublic, recipient.x25519Public, recipient.mlkemPublic));
    const cek = aes256GcmOpen(backend, wrapKey, decoded.wrapNonce, decoded.wrappedCek, aad);
    if (cek.length !== CEK_LENGTH) {
      cek.fill(0);
      throw new Error('unwrapped CEK has the wrong length');
    }
    return cek;
  } catch (cause) {
    throw new ProtocolError('unwrap_failed', 'The fax key could not be unlocked with this mailbox key: the fax was altered or was not sent to this key.', undefined, { cause });
  } finally {
    ssPq?.fill(0);
    ssClassical?.fill(0);
    wrapKey?.fill(0);
  }
}
