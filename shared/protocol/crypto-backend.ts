/**
 * The crypto seam. Only the bulk primitives (ChaCha20-Poly1305 over the fax body and SHA-256
 * over the ciphertext) go through it: they are where time goes for a 100 MiB fax. The main
 * process plugs in a node:crypto backend (electron/services/crypto/node-backend.ts); noble
 * is the pure default that runs anywhere. The small primitives (Ed25519, X25519, ML-KEM,
 * AES-GCM on 32 bytes) are optional members a backend may add; HKDF is always noble's.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ProtocolError } from './errors.ts';

export interface CryptoBackend {
  /** 'noble' | 'node' | …: shown in benchmarks and logs. */
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  /** ChaCha20-Poly1305 (IETF, 12-byte nonce); returns ct ‖ tag(16). */
  chachaSeal(key: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Throws ProtocolError('decrypt_failed') on a bad tag. */
  chachaOpen(key: Uint8Array, nonce12: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * Optional bulk path: builds the wire ciphertext `nonce24 ‖ ct ‖ tag` (ChaCha20-Poly1305
   * with nonce24[0:12]) in one preallocated buffer and returns its SHA-256, hashing while it
   * encrypts where the backend can.
   */
  sealAndHash?(key: Uint8Array, nonce24: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<{ ciphertext: Uint8Array; sha256: Uint8Array }>;
  /**
   * Optional bulk path for opening: hashes the whole wire ciphertext (`nonce24 ‖ ct ‖ tag`)
   * and decrypts it, overlapped where the backend can. `plaintext` is null when the tag does
   * not verify. The caller compares `sha256` before releasing the plaintext.
   */
  openAndHash?(key: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<{ plaintext: Uint8Array | null; sha256: Uint8Array }>;
  /**
   * Starts hashing `data` off the calling thread and resolves to its SHA-256, or returns
   * undefined when that would not pay (the caller then hashes as usual). openEnvelope uses it
   * so the ciphertext is hashed while the signature check and key unwrap run, which at 1 MiB
   * are as long as the hash itself. `data` must not change until the promise settles.
   */
  sha256Early?(data: Uint8Array): Promise<Uint8Array> | undefined;

  // Optional small primitives. They are a fixed cost per message (about 10 ms with noble, a
  // few hundred µs natively), which is what limits a 1 MiB fax. Each one a backend leaves out
  // is noble's (shared/protocol/primitives.ts picks), so a runtime that lacks one (Electron's
  // BoringSSL has no ML-KEM) still works. Every one must give noble's bytes and verdicts.
  /** Ed25519 (RFC 8032) signature of `message` with a 32-byte seed. */
  ed25519Sign?(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict Ed25519 verification; false (never a throw) for any bad key or signature. */
  ed25519Verify?(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** X25519 public key of a 32-byte secret. */
  x25519PublicKey?(secret: Uint8Array): Uint8Array;
  /** X25519 shared secret; throws on an invalid key or an all-zero (low-order) result. */
  x25519SharedSecret?(secret: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * A fresh ephemeral X25519 key pair (the backend's own CSPRNG; its secret never leaves the
   * backend) and its shared secret with `peerPublic`. Used only when no random source is
   * injected. Throws like x25519SharedSecret.
   */
  x25519Ephemeral?(peerPublic: Uint8Array): { publicKey: Uint8Array; sharedSecret: Uint8Array };
  /** AES-256-GCM with a 12-byte nonce; returns ct ‖ tag(16). */
  aes256GcmSeal?(key: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** AES-256-GCM open of ct ‖ tag; throws on a bad tag. */
  aes256GcmOpen?(key: Uint8Array, nonce12: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * ML-KEM-768 (FIPS 203) encapsulation to a 1184-byte public key, with the backend's own
   * randomness (used only when the caller did not inject a random source). Throws on a bad key.
   */
  mlkem768Encapsulate?(publicKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  /** ML-KEM-768 decapsulation with the 2400-byte (expanded) secret key. Throws on a bad key. */
  mlkem768Decapsulate?(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

function nobleChachaOpen(key: Uint8Array, nonce12: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  try {
    return chacha20poly1305(key, nonce12, aad).decrypt(sealed);
  } catch (cause) {
    throw new ProtocolError('decrypt_failed', 'The fax could not be decrypted: it was damaged or altered.', undefined, { cause });
  }
}

/** Pure-JS backend: the default everywhere (renderer-safe, no native code). */
export const nobleBackend: CryptoBackend = {
  name: 'noble',
  sha256: (data) => nobleSha256(data),
  chachaSeal: (key, nonce12, plaintext, aad) => chacha20poly1305(key, nonce12, aad).encrypt(plaintext),
  chachaOpen: nobleChachaOpen,
  // Encrypts straight into the final buffer after the nonce: no ct copy, no concat (noble's
  // one-shot path would otherwise peak near 3× the file size).
  async sealAndHash(key, nonce24, plaintext, aad) {
    const ciphertext = new Uint8Array(24 + plaintext.length + 16);
    ciphertext.set(nonce24.subarray(0, 24), 0);
    chacha20poly1305(key, nonce24.subarray(0, 12), aad).encrypt(plaintext, ciphertext.subarray(24));
    return { ciphertext, sha256: nobleSha256(ciphertext) };
  },
};
