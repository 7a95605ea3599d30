/**
 * node:crypto versions of the small primitives (Ed25519, X25519, ML-KEM-768) for the node
 * backend. noble spends about 10 ms on them per message, node:crypto a few hundred µs: for a
 * 1 MiB fax that is the difference between ~200 and ~800 MB/s.
 *
 * node:crypto takes keys as KeyObjects, so raw bytes are wrapped in the fixed DER forms of
 * RFC 8410 (Ed25519/X25519) and of the IETF ML-KEM key formats (SPKI BIT STRING = the
 * 1184-byte FIPS 203 encapsulation key; PKCS#8 `expandedKey` = the 2400-byte decapsulation
 * key, exactly what keys.zip holds). OpenSSL checks H(ek) inside the expanded key on import.
 *
 * Each primitive is probed once (against answers noble gave, kept in the source): a runtime that
 * lacks it, such as Electron's BoringSSL without ML-KEM, simply leaves it out and the
 * protocol falls back to noble for that one primitive.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, decapsulate, diffieHellman, encapsulate, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { x25519 } from '@noble/curves/ed25519.js';
import type { CryptoBackend } from '../../../shared/protocol/index.ts';
import { MLKEM768_PROBE } from './mlkem-probe-answers.ts';

export type NativeAsymmetric = Pick<
  CryptoBackend,
  | 'ed25519Sign' | 'ed25519Verify' | 'x25519PublicKey' | 'x25519SharedSecret' | 'x25519Ephemeral' | 'mlkem768Encapsulate' | 'mlkem768Decapsulate'
  | 'aes256GcmSeal' | 'aes256GcmOpen'
>;

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// RFC 8410 prefixes: SEQUENCE { AlgorithmIdentifier { OID 1.3.101.112 / .110 }, key }.
const ED25519_SPKI = hex('302a300506032b6570032100');
const ED25519_PKCS8 = hex('302e020100300506032b657004220420');
const X25519_SPKI = hex('302a300506032b656e032100');
const X25519_PKCS8 = hex('302e020100300506032b656e04220420');
// ML-KEM-768, OID 2.16.840.1.101.3.4.4.2: SPKI with a 1185-byte BIT STRING (0 unused bits ‖ ek);
// PKCS#8 whose privateKey OCTET STRING holds the `expandedKey` OCTET STRING (2400 bytes).
const MLKEM768_SPKI = hex('308204b2300b0609608648016503040402038204a100');
const MLKEM768_PKCS8 = hex('30820978020100300b06096086480165030404020482096404820960');

function withPrefix(prefix: Uint8Array, key: Uint8Array, length: number): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== length) throw new Error(`key must be ${length} bytes`);
  const der = Buffer.allocUnsafeSlow(prefix.length + length);
  der.set(prefix, 0);
  der.set(key, prefix.length);
  return der;
}

/**
 * Imported KeyObjects, remembered per key array. A hit is used only if the array still holds
 * the same bytes (its SHA-256 is compared), so a caller that wipes or refills its array never
 * gets a stale key. Importing a 2400-byte ML-KEM key costs ~100 µs; the check ~3 µs.
 */
class KeyObjectCache {
  private readonly entries = new WeakMap<Uint8Array, { digest: Buffer; key: KeyObject }>();
  get(bytes: Uint8Array, load: () => KeyObject): KeyObject {
    const digest = createHash('sha256').update(bytes).digest();
    const hit = this.entries.get(bytes);
    if (hit && hit.digest.equals(digest)) return hit.key;
    const key = load();
    this.entries.set(bytes, { digest, key });
    return key;
  }
}

/**
 * Imported public keys, by content: bundles are decoded afresh for every seal, so identity
 * would never hit, and a public key is no secret. Bounded (oldest dropped first).
 */
class PublicKeyCache {
  private readonly entries = new Map<string, KeyObject>();
  private readonly limit: number;
  constructor(limit = 64) {
    this.limit = limit;
  }
  get(bytes: Uint8Array, load: () => KeyObject): KeyObject {
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    let key = this.entries.get(id);
    if (key === undefined) {
      key = load();
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(id, key);
    }
    return key;
  }
}

function privateKey(prefix: Uint8Array, secret: Uint8Array, length: number): KeyObject {
  const der = withPrefix(prefix, secret, length);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

const publicKey = (prefix: Uint8Array, key: Uint8Array, length: number): KeyObject =>
  createPublicKey({ key: withPrefix(prefix, key, length), format: 'der', type: 'spki' });

function buildAll(): Required<NativeAsymmetric> {
  // One cache per key type: the same 32 bytes can be handed in as an Ed25519 seed and as an
  // X25519 secret, and must not come back as the other kind of key.
  const edSecrets = new KeyObjectCache();
  const edPublics = new PublicKeyCache();
  const xSecrets = new KeyObjectCache();
  const xPublics = new PublicKeyCache();
  const kemSecrets = new KeyObjectCache();
  const kemPublics = new PublicKeyCache();
  const xPublic = (pub: Uint8Array): KeyObject => xPublics.get(pub, () => publicKey(X25519_SPKI, pub, 32));
  const rawX = (key: KeyObject): Uint8Array => {
    const { x } = key.export({ format: 'jwk' });
    if (typeof x !== 'string') throw new Error('node:crypto returned an X25519 key without x');
    return Uint8Array.from(Buffer.from(x, 'base64url'));
  };
  const edPrivate = (seed: Uint8Array): KeyObject => edSecrets.get(seed, () => privateKey(ED25519_PKCS8, seed, 32));
  const xPrivate = (secret: Uint8Array): KeyObject => xSecrets.get(secret, () => privateKey(X25519_PKCS8, secret, 32));
  return {
    ed25519Sign: (seed, message) => toBytes(sign(null, message, edPrivate(seed))),
    ed25519Verify(pub, message, signature) {
      if (pub.length !== 32 || signature.length !== 64) return false;
      try {
        return verify(null, message, edPublics.get(pub, () => publicKey(ED25519_SPKI, pub, 32)), signature);
      } catch {
        return false;
      }
    },
    // Through the cache: a seal asks for the ephemeral key's public half and then its shared
    // secret, and importing an X25519 private key (~60 µs) is most of the cost. The JWK export
    // is ~1 µs where the DER one is ~25 µs.
    x25519PublicKey: (secret) => rawX(createPublicKey(xPrivate(secret))),
    x25519SharedSecret: (secret, pub) =>
      // OpenSSL refuses an all-zero result (a low-order public key), as noble does.
      toBytes(diffieHellman({ privateKey: xPrivate(secret), publicKey: xPublic(pub) })),
    x25519Ephemeral(peer) {
      // Generated inside OpenSSL: the ephemeral secret never exists as JS bytes.
      const pair = generateKeyPairSync('x25519');
      return { publicKey: rawX(pair.publicKey), sharedSecret: toBytes(diffieHellman({ privateKey: pair.privateKey, publicKey: xPublic(peer) })) };
    },
    aes256GcmSeal(key, nonce, plaintext, aad) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      cipher.setAAD(aad);
      return toBytes(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    },
    aes256GcmOpen(key, nonce, sealed, aad) {
      if (sealed.length < 16) throw new Error('AES-GCM input shorter than its tag');
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return toBytes(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]));
    },
    mlkem768Encapsulate(pub) {
      const { sharedKey, ciphertext } = encapsulate(kemPublics.get(pub, () => publicKey(MLKEM768_SPKI, pub, 1184)));
      return { cipherText: toBytes(ciphertext), sharedSecret: toBytes(sharedKey) };
    },
    mlkem768Decapsulate: (cipherText, secret) =>
      toBytes(decapsulate(kemSecrets.get(secret, () => privateKey(MLKEM768_PKCS8, secret, 2400)), cipherText)),
  };
}

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

let detected: NativeAsymmetric | undefined;

/**
 * The primitives this runtime offers natively, probed once per process (a few ms, against
 * stored answers) and shared by every backend. Each backend gets its own key caches.
 */
export function nativeAsymmetric(): NativeAsymmetric {
  detected ??= detectNativeAsymmetric();
  const fresh = buildAll();
  const found: NativeAsymmetric = {};
  for (const name of Object.keys(detected) as (keyof NativeAsymmetric)[]) (found as Record<string, unknown>)[name] = fresh[name];
  return found;
}

/**
 * noble's answers for the fixed probe inputs below (seed 32 × 0x03, message 48 × 0x05, peer
 * secret 32 × 0x09, GCM key 32 × 0x04 and nonce 12 × 0x06), computed once with noble and kept
 * here: working them out at each start made noble build its Ed25519 base-point tables, ~0.1 s
 * of every CLI run. test/protocol/native-asymmetric.test.ts checks them against noble.
 */
export const PROBE_ANSWERS = {
  ed25519Public: 'ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1',
  ed25519Signature: 'a3ec020dd752b66afc1a8c540fbd9eb944a1efe5e5b56eac8a483d34b72086e98ab044add76c2e1d182f038f7434f2ba8d7c952e760f1e6b1c05d006e6d7b706',
  x25519Peer: '57db4b359f23ae5e146e4e2512056704722506348c150c14753d0c933d04d421',
  x25519Public: '5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22',
  x25519Shared: 'd83b04c3f2684f5b4984644d8d9b3b2e2449148408929c1461ab6a3416bb5a7a',
  aes256GcmSealed: '20d991defc0e1d6a316659f5a0f6b8ca8739d71dc526a1efb0104362a42761defe6706600cd38534c36800022861437b3630a673e1ded73a2c12741a5e4e4a90',
} as const;

/**
 * Probes each primitive on fixed inputs and keeps only those that work and give noble's bytes
 * (PROBE_ANSWERS, MLKEM768_PROBE; ML-KEM encapsulation, randomised, by opening what it made).
 */
export function detectNativeAsymmetric(): NativeAsymmetric {
  const all = buildAll();
  const found: NativeAsymmetric = {};
  const seed = new Uint8Array(32).fill(3);
  const message = new Uint8Array(48).fill(5);
  const nine = new Uint8Array(32).fill(9);
  const probe = (check: () => boolean): boolean => {
    try {
      return check();
    } catch {
      return false;
    }
  };
  const edSig = hex(PROBE_ANSWERS.ed25519Signature);
  const edPub = hex(PROBE_ANSWERS.ed25519Public);
  if (probe(() => bytesEqual(all.ed25519Sign(seed, message), edSig))) found.ed25519Sign = all.ed25519Sign;
  if (probe(() => all.ed25519Verify(edPub, message, edSig) && !all.ed25519Verify(edPub, seed, edSig))) {
    found.ed25519Verify = all.ed25519Verify;
  }
  const peer = hex(PROBE_ANSWERS.x25519Peer);
  if (probe(() => bytesEqual(all.x25519PublicKey(seed), hex(PROBE_ANSWERS.x25519Public)) && bytesEqual(all.x25519PublicKey(nine), peer))) found.x25519PublicKey = all.x25519PublicKey;
  if (probe(() => bytesEqual(all.x25519SharedSecret(seed, peer), hex(PROBE_ANSWERS.x25519Shared)))) found.x25519SharedSecret = all.x25519SharedSecret;
  // The ephemeral's secret is random: its shared secret is checked from the peer's side, with
  // the shared-secret primitive just checked (noble's when the native one is missing).
  const sharedOf = found.x25519SharedSecret ?? ((secret: Uint8Array, pub: Uint8Array) => x25519.getSharedSecret(secret, pub));
  if (
    probe(() => {
      const eph = all.x25519Ephemeral(peer);
      return bytesEqual(sharedOf(nine, eph.publicKey), eph.sharedSecret);
    })
  ) {
    found.x25519Ephemeral = all.x25519Ephemeral;
  }
  const gcmKey = new Uint8Array(32).fill(4);
  const gcmNonce = new Uint8Array(12).fill(6);
  if (
    probe(() => {
      const sealed = all.aes256GcmSeal(gcmKey, gcmNonce, message, seed);
      return bytesEqual(sealed, hex(PROBE_ANSWERS.aes256GcmSealed)) && bytesEqual(all.aes256GcmOpen(gcmKey, gcmNonce, sealed, seed), message);
    })
  ) {
    found.aes256GcmSeal = all.aes256GcmSeal;
    found.aes256GcmOpen = all.aes256GcmOpen;
  }
  // ML-KEM against stored noble answers (noble itself costs ~45 ms cold, at every CLI start):
  // decapsulation must give noble's shared secret; an encapsulation must then open with it.
  const dk = Uint8Array.from(Buffer.from(MLKEM768_PROBE.decapsulationKey, 'base64'));
  const ek = dk.subarray(1152, 1152 + 1184);
  if (probe(() => bytesEqual(all.mlkem768Decapsulate(Uint8Array.from(Buffer.from(MLKEM768_PROBE.cipherText, 'base64')), dk), hex(MLKEM768_PROBE.sharedSecret)))) {
    found.mlkem768Decapsulate = all.mlkem768Decapsulate;
  }
  const decapsulate = found.mlkem768Decapsulate ?? ((ct: Uint8Array, secret: Uint8Array) => ml_kem768.decapsulate(ct, secret));
  if (
    probe(() => {
      const enc = all.mlkem768Encapsulate(ek);
      return bytesEqual(decapsulate(enc.cipherText, dk), enc.sharedSecret);
    })
  ) {
    found.mlkem768Encapsulate = all.mlkem768Encapsulate;
  }
  return found;
}
