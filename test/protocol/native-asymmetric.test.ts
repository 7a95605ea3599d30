// node:crypto's Ed25519 / X25519 / ML-KEM-768 in the node backend: same bytes and verdicts as
// noble on the vectors' keys and on fresh ones, key caching that never goes stale, and the
// fallback when a runtime lacks them.
import { describe, expect, it } from 'vitest';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { gcm } from '@noble/ciphers/aes.js';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import { PROBE_ANSWERS, detectNativeAsymmetric } from '../../electron/services/crypto/native-asymmetric.ts';
import { MLKEM768_PROBE } from '../../electron/services/crypto/mlkem-probe-answers.ts';
import { generateKeyMaterial, wrapCek, decodeWrappedKey, unwrapCek, nobleBackend } from '../../shared/protocol/index.ts';
import { orgKeys } from './fixtures.ts';

const native = detectNativeAsymmetric();
const rnd = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

describe('native small primitives (node:crypto)', () => {
  it('are all found on Node 24 (OpenSSL 3.5 has ML-KEM)', () => {
    const all = ['aes256GcmOpen', 'aes256GcmSeal', 'ed25519Sign', 'ed25519Verify', 'mlkem768Decapsulate', 'mlkem768Encapsulate', 'x25519Ephemeral', 'x25519PublicKey', 'x25519SharedSecret'];
    expect(Object.keys(native).sort()).toEqual(all);
    expect(createNodeBackend().native.asymmetric.sort()).toEqual(all);
    expect(createNodeBackend({ disableNativeAsymmetric: true }).native.asymmetric).toEqual([]);
    expect(createNodeBackend({ disableNativeAsymmetric: true }).ed25519Sign).toBeUndefined();
  });

  it("the probe's stored answers are noble's on the probe's inputs", () => {
    const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
    const seed = new Uint8Array(32).fill(3);
    const message = new Uint8Array(48).fill(5);
    const peer = x25519.getPublicKey(new Uint8Array(32).fill(9));
    expect(PROBE_ANSWERS).toEqual({
      ed25519Public: hex(ed25519.getPublicKey(seed)),
      ed25519Signature: hex(ed25519.sign(message, seed)),
      x25519Peer: hex(peer),
      x25519Public: hex(x25519.getPublicKey(seed)),
      x25519Shared: hex(x25519.getSharedSecret(seed, peer)),
      aes256GcmSealed: hex(gcm(new Uint8Array(32).fill(4), new Uint8Array(12).fill(6), seed).encrypt(message)),
    });
    const kem = ml_kem768.keygen(new Uint8Array(64).fill(7));
    const enc = ml_kem768.encapsulate(kem.publicKey, new Uint8Array(32).fill(1));
    const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
    expect(MLKEM768_PROBE).toEqual({ decapsulationKey: b64(kem.secretKey), cipherText: b64(enc.cipherText), sharedSecret: hex(enc.sharedSecret) });
    expect(kem.secretKey.subarray(1152, 1152 + 1184)).toEqual(kem.publicKey);
  });

  it('Ed25519: the same signatures as noble, and the same verdicts on tampered ones', () => {
    for (let i = 0; i < 20; i++) {
      const seed = rnd(32);
      const message = rnd(i * 7);
      const sig = native.ed25519Sign!(seed, message);
      expect(sig).toEqual(ed25519.sign(message, seed));
      const pub = ed25519.getPublicKey(seed);
      expect(native.ed25519Verify!(pub, message, sig)).toBe(true);
      const bad = sig.slice();
      bad[i % 64] = bad[i % 64]! ^ (1 << (i % 8));
      expect(native.ed25519Verify!(pub, message, bad)).toBe(false);
      expect(ed25519.verify(bad, message, pub, { zip215: false })).toBe(false);
    }
    // Malformed keys and signatures are a false, never a throw.
    expect(native.ed25519Verify!(new Uint8Array(31), new Uint8Array(1), new Uint8Array(64))).toBe(false);
    expect(native.ed25519Verify!(new Uint8Array(32).fill(0xff), new Uint8Array(1), new Uint8Array(64))).toBe(false);
  });

  it('X25519: the same public keys and shared secrets as noble; a low-order point throws', () => {
    for (let i = 0; i < 20; i++) {
      const a = rnd(32);
      const b = rnd(32);
      expect(native.x25519PublicKey!(a)).toEqual(x25519.getPublicKey(a));
      expect(native.x25519SharedSecret!(a, x25519.getPublicKey(b))).toEqual(x25519.getSharedSecret(a, x25519.getPublicKey(b)));
    }
    expect(() => native.x25519SharedSecret!(rnd(32), new Uint8Array(32))).toThrow();
    expect(() => x25519.getSharedSecret(rnd(32), new Uint8Array(32))).toThrow();
  });

  it('X25519 ephemeral: a fresh pair each time whose shared secret the peer derives too', () => {
    const peerSecret = rnd(32);
    const peerPublic = x25519.getPublicKey(peerSecret);
    const a = native.x25519Ephemeral!(peerPublic);
    const b = native.x25519Ephemeral!(peerPublic);
    expect(a.publicKey).not.toEqual(b.publicKey);
    expect(x25519.getSharedSecret(peerSecret, a.publicKey)).toEqual(a.sharedSecret);
    expect(() => native.x25519Ephemeral!(new Uint8Array(32))).toThrow();
  });

  it('AES-256-GCM: the same bytes as noble; a flipped bit anywhere fails to open', () => {
    const key = rnd(32);
    const nonce = rnd(12);
    const aad = rnd(70);
    const plaintext = rnd(32);
    const sealed = native.aes256GcmSeal!(key, nonce, plaintext, aad);
    expect(sealed).toEqual(gcm(key, nonce, aad).encrypt(plaintext));
    expect(native.aes256GcmOpen!(key, nonce, sealed, aad)).toEqual(plaintext);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i] = bad[i]! ^ 0x80;
      expect(() => native.aes256GcmOpen!(key, nonce, bad, aad)).toThrow();
    }
    const badAad = aad.slice();
    badAad[0] = badAad[0]! ^ 1;
    expect(() => native.aes256GcmOpen!(key, nonce, sealed, badAad)).toThrow();
    expect(() => native.aes256GcmOpen!(key, nonce, new Uint8Array(15), aad)).toThrow();
  });

  it('ML-KEM-768: native encapsulation opens with noble and the reverse, on the vectors\' keys (FIPS 203 byte formats)', async () => {
    for (const who of ['bob', 'bob_rotated'] as const) {
      const keys = await orgKeys(who);
      const enc = native.mlkem768Encapsulate!(keys.mlkemPublic);
      expect(enc.cipherText).toHaveLength(1088);
      expect(ml_kem768.decapsulate(enc.cipherText, keys.mlkemSecret)).toEqual(enc.sharedSecret);
      const back = ml_kem768.encapsulate(keys.mlkemPublic, rnd(32));
      expect(native.mlkem768Decapsulate!(back.cipherText, keys.mlkemSecret)).toEqual(back.sharedSecret);
      // Implicit rejection on a tampered ciphertext: the same pseudo-random secret as noble.
      const bad = back.cipherText.slice();
      bad[5] = bad[5]! ^ 1;
      expect(native.mlkem768Decapsulate!(bad, keys.mlkemSecret)).toEqual(ml_kem768.decapsulate(bad, keys.mlkemSecret));
    }
  });

  it('ML-KEM-768: a secret key whose embedded H(ek) is wrong is refused (noble would not notice)', () => {
    const { secretKey, publicKey } = ml_kem768.keygen();
    const enc = ml_kem768.encapsulate(publicKey);
    const broken = secretKey.slice();
    broken[2400 - 64] = broken[2400 - 64]! ^ 1; // inside H(ek)
    expect(() => native.mlkem768Decapsulate!(enc.cipherText, broken)).toThrow();
  });

  it('never uses a cached key after the caller changed the bytes in its array', () => {
    const seed = rnd(32);
    const message = rnd(40);
    expect(native.ed25519Sign!(seed, message)).toEqual(ed25519.sign(message, seed));
    seed.set(rnd(32)); // same array, new key
    expect(native.ed25519Sign!(seed, message)).toEqual(ed25519.sign(message, seed));
    const a = ml_kem768.keygen();
    const b = ml_kem768.keygen();
    const sk = a.secretKey.slice();
    const encA = ml_kem768.encapsulate(a.publicKey);
    expect(native.mlkem768Decapsulate!(encA.cipherText, sk)).toEqual(encA.sharedSecret);
    sk.set(b.secretKey);
    const encB = ml_kem768.encapsulate(b.publicKey);
    expect(native.mlkem768Decapsulate!(encB.cipherText, sk)).toEqual(encB.sharedSecret);
  });

  it('a CEK wrapped natively unwraps with noble, and the reverse', () => {
    const bob = generateKeyMaterial();
    const node = createNodeBackend();
    const aad = rnd(80);
    const cek = rnd(32);
    const recipient = { bundleId: 'kb', mlkemSecret: bob.mlkemSecret, mlkemPublic: bob.mlkemPublic, x25519Secret: bob.x25519Secret, x25519Public: bob.x25519Public };
    for (const [sealer, opener] of [[node, nobleBackend], [nobleBackend, node]] as const) {
      const wk = wrapCek({ cek, aad, bundleId: 'kb', mlkemPublic: bob.mlkemPublic, x25519Public: bob.x25519Public, backend: sealer });
      expect(unwrapCek(decodeWrappedKey(wk, 0), recipient, aad, opener)).toEqual(cek);
    }
  });

  it('with injected randomness the wrap is deterministic whatever the backend', () => {
    const bob = generateKeyMaterial();
    const seq = (): ((n: number) => Uint8Array) => {
      let k = 0;
      return (n) => Uint8Array.from({ length: n }, () => k++ & 0xff);
    };
    const wrap = (backend: typeof nobleBackend) =>
      wrapCek({ cek: new Uint8Array(32).fill(4), aad: new Uint8Array(3), bundleId: 'kb', mlkemPublic: bob.mlkemPublic, x25519Public: bob.x25519Public, random: seq(), backend });
    expect(wrap(createNodeBackend())).toEqual(wrap(nobleBackend));
  });
});

describe('native key cache', () => {
  it('keeps key types apart: one array used as an Ed25519 seed, then as an X25519 secret', () => {
    const fresh = detectNativeAsymmetric();
    const bytes = rnd(32);
    fresh.ed25519Sign!(bytes, new Uint8Array(1));
    const peer = x25519.getPublicKey(rnd(32));
    expect(fresh.x25519SharedSecret!(bytes, peer)).toEqual(x25519.getSharedSecret(bytes, peer));
  });
});
