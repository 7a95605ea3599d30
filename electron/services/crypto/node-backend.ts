/**
 * The native crypto backend for the main process: node:crypto (OpenSSL / BoringSSL) for the
 * two bulk primitives, ChaCha20-Poly1305 and SHA-256, about 10× noble's speed. Large bodies
 * are encrypted in chunks on this thread while the process's hashing thread (ring-hasher.ts,
 * the same one the streamed bodies use) hashes the chunks already done, so seal costs
 * max(encrypt, hash) instead of their sum.
 *
 * Electron ships BoringSSL, which may lack 'chacha20-poly1305' in getCiphers(): then the
 * cipher falls back to noble (per primitive) and SHA-256 stays native.
 */
import { createCipheriv, createDecipheriv, createHash, getCiphers } from 'node:crypto';
import { nobleBackend, ProtocolError } from '../../../shared/protocol/index.ts';
import type { CryptoBackend } from '../../../shared/protocol/index.ts';
import { releaseChunk } from '../chunk-memory.ts';
import { RingFeeder, ringHasher } from './ring-hasher.ts';
import { nativeAsymmetric } from './native-asymmetric.ts';

const MiB = 1024 * 1024;
/** Below this, one thread does both (the worker round trips would cost more than they save). */
const DEFAULT_OVERLAP_THRESHOLD = MiB / 2;
const MAX_CHUNK = MiB;
const MIN_CHUNK = 128 * 1024;
/** Overlapped paths split a body into about this many chunks (see chunkFor). */
const CHUNKS_PER_BODY = 4;
/** Largest ciphertext sha256Early takes (handed over whole, at once: see sha256Early). */
const EARLY_HASH_MAX = 8 * MAX_CHUNK;
const NONCE24 = 24;
const NONCE12 = 12;
const TAG = 16;

export interface NodeBackendOptions {
  /** Bodies at least this large are hashed on a worker thread while encrypting. Default 512 KiB. */
  overlapThresholdBytes?: number;
  /** Chunk size for overlapped encryption and hashing. Default: a quarter of the body, 128 KiB to 1 MiB. */
  chunkBytes?: number;
  /** For tests: pretend the runtime lacks native ChaCha20-Poly1305 (as some Electron builds do). */
  disableNativeChacha?: boolean;
  /** For tests: use noble's Ed25519 / X25519 / ML-KEM even where node:crypto has them. */
  disableNativeAsymmetric?: boolean;
  /**
   * Behave as under Electron's BoringSSL: no 'chacha20-poly1305' cipher and no ML-KEM in
   * node:crypto (the benchmarks' second crypto mode). Default: the environment variable
   * FXE_CRYPTO_AS_BORINGSSL=1, so a whole process (a CLI run) can be measured that way.
   */
  boringSslShaped?: boolean;
}

/** What node:crypto lacks under BoringSSL besides the streamable ChaCha20-Poly1305 cipher. */
const ABSENT_UNDER_BORINGSSL = new Set(['mlkem768Encapsulate', 'mlkem768Decapsulate']);

export interface NodeCryptoBackend extends CryptoBackend {
  /** Which primitives are native in this runtime. */
  readonly native: { chacha20poly1305: boolean; sha256: boolean; /** names of the small primitives done natively */ asymmetric: string[] };
  /** Nothing to stop any more (the hashing thread is the process's, unref'd while idle); kept for callers. */
  close(): Promise<void>;
}

export function nativeChachaAvailable(): boolean {
  return getCiphers().includes('chacha20-poly1305');
}

const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function nativeSha256(data: Uint8Array): Uint8Array {
  return toBytes(createHash('sha256').update(data).digest());
}

function nativeChachaSeal(key: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + TAG);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce12, { authTagLength: TAG });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  let at = 0;
  for (let i = 0; i < plaintext.length; i += 1 << 20) {
    const enc = cipher.update(plaintext.subarray(i, i + (1 << 20)));
    out.set(enc, at);
    at += enc.length;
    releaseChunk(enc);
  }
  const fin = cipher.final();
  out.set(fin, at);
  at += fin.length;
  out.set(cipher.getAuthTag(), at);
  return out;
}

function nativeChachaOpen(key: Uint8Array, nonce12: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < TAG) throw new ProtocolError('decrypt_failed', 'The fax could not be decrypted: it was damaged or altered.');
  const bodyLength = sealed.length - TAG;
  const out = new Uint8Array(bodyLength);
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce12, { authTagLength: TAG });
    decipher.setAAD(aad, { plaintextLength: sealed.length - TAG });
    decipher.setAuthTag(sealed.subarray(bodyLength));
    let at = 0;
    for (let i = 0; i < bodyLength; i += 1 << 20) {
      const dec = decipher.update(sealed.subarray(i, Math.min(i + (1 << 20), bodyLength)));
      out.set(dec, at);
      at += dec.length;
      dec.fill(0);
      releaseChunk(dec);
    }
    decipher.final();
    return out;
  } catch (cause) {
    out.fill(0);
    throw new ProtocolError('decrypt_failed', 'The fax could not be decrypted: it was damaged or altered.', undefined, { cause });
  }
}

export function createNodeBackend(options: NodeBackendOptions = {}): NodeCryptoBackend {
  const boringSslShaped = options.boringSslShaped ?? process.env['FXE_CRYPTO_AS_BORINGSSL'] === '1';
  const chachaNative = !options.disableNativeChacha && !boringSslShaped && nativeChachaAvailable();
  const threshold = options.overlapThresholdBytes ?? DEFAULT_OVERLAP_THRESHOLD;
  const chunk = options.chunkBytes ?? MAX_CHUNK;
  /**
   * The overlapped paths end by waiting for the worker to hash the last chunk, so a small body
   * uses smaller chunks (about a quarter of it, at least 128 KiB): at 1 MiB the tail is then
   * ~0.15 ms instead of a whole serial hash. Eighths make the bare body seal ~10% faster at
   * 1 MiB but the whole envelope seal ~10% slower (the ninth push waits on the worker, and the
   * key wraps then run mid-body instead of during the hash tail): measured, interleaved A/B.
   */
  const chunkFor = (bodyBytes: number): number =>
    options.chunkBytes ?? Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil(bodyBytes / CHUNKS_PER_BODY / MIN_CHUNK) * MIN_CHUNK));

  const chachaSeal = chachaNative ? nativeChachaSeal : nobleBackend.chachaSeal;
  const chachaOpen = chachaNative ? nativeChachaOpen : nobleBackend.chachaOpen;

  /** nonce24 ‖ ct ‖ tag into one preallocated buffer; chunks go to the hashing thread as they are made. */
  async function sealOverlapped(key: Uint8Array, nonce24: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<{ ciphertext: Uint8Array; sha256: Uint8Array }> {
    const ciphertext = new Uint8Array(NONCE24 + plaintext.length + TAG);
    ciphertext.set(nonce24, 0);
    const feeder = new RingFeeder();
    try {
      await feeder.push(nonce24);
      const cipher = createCipheriv('chacha20-poly1305', key, nonce24.subarray(0, NONCE12), { authTagLength: TAG });
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      const step = chunkFor(plaintext.length);
      let at = NONCE24;
      for (let i = 0; i < plaintext.length; i += step) {
        const enc = cipher.update(plaintext.subarray(i, i + step));
        const n = enc.length;
        ciphertext.set(enc, at);
        releaseChunk(enc);
        await feeder.push(ciphertext.subarray(at, at + n));
        at += n;
      }
      const fin = cipher.final();
      ciphertext.set(fin, at);
      ciphertext.set(cipher.getAuthTag(), at + fin.length);
      await feeder.push(ciphertext.subarray(at));
      return { ciphertext, sha256: await feeder.end() };
    } finally {
      feeder.abort(); // a no-op once ended
    }
  }

  /** Hash (worker) and decrypt (here) at the same time; plaintext is wiped if the tag fails. */
  async function openOverlapped(key: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<{ plaintext: Uint8Array | null; sha256: Uint8Array }> {
    const bodyLength = ciphertext.length - NONCE24 - TAG;
    const plaintext = new Uint8Array(bodyLength);
    const feeder = new RingFeeder();
    try {
      return await openFed(feeder, plaintext, bodyLength, key, ciphertext, aad);
    } catch (e) {
      plaintext.fill(0); // nothing unauthenticated survives a failure half way
      throw e;
    } finally {
      feeder.abort(); // a no-op once ended
    }
  }

  async function openFed(feeder: RingFeeder, plaintext: Uint8Array, bodyLength: number, key: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<{ plaintext: Uint8Array | null; sha256: Uint8Array }> {
    await feeder.push(ciphertext.subarray(0, NONCE24));
    const decipher = createDecipheriv('chacha20-poly1305', key, ciphertext.subarray(0, NONCE12), { authTagLength: TAG });
    decipher.setAAD(aad, { plaintextLength: plaintext.length });
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG));
    let at = 0;
    const step = chunkFor(bodyLength);
    for (let i = 0; i < bodyLength; i += step) {
      const view = ciphertext.subarray(NONCE24 + i, NONCE24 + Math.min(i + step, bodyLength));
      await feeder.push(view); // copied into the ring, hashed on the other core while this one decrypts
      const dec = decipher.update(view);
      plaintext.set(dec, at);
      at += dec.length;
      dec.fill(0);
      releaseChunk(dec);
    }
    await feeder.push(ciphertext.subarray(ciphertext.length - TAG));
    let ok = true;
    try {
      decipher.final();
    } catch {
      ok = false;
    }
    const sha256 = await feeder.end();
    if (!ok) {
      plaintext.fill(0);
      return { plaintext: null, sha256 };
    }
    return { plaintext, sha256 };
  }

  const asymmetric: Partial<CryptoBackend> = options.disableNativeAsymmetric ? {} : { ...nativeAsymmetric() };
  if (boringSslShaped) for (const name of ABSENT_UNDER_BORINGSSL) delete asymmetric[name as keyof CryptoBackend];
  const backend: NodeCryptoBackend = {
    ...asymmetric,
    name: chachaNative ? 'node' : 'node-sha+noble-chacha',
    native: { chacha20poly1305: chachaNative, sha256: true, asymmetric: Object.keys(asymmetric) },
    sha256: nativeSha256,
    chachaSeal,
    chachaOpen,
    async sealAndHash(key, nonce24, plaintext, aad) {
      if (chachaNative && plaintext.length >= threshold) return sealOverlapped(key, nonce24, plaintext, aad);
      if (chachaNative) {
        // Straight into the wire buffer after the nonce: one allocation, one copy per chunk.
        const ciphertext = new Uint8Array(NONCE24 + plaintext.length + TAG);
        ciphertext.set(nonce24, 0);
        const cipher = createCipheriv('chacha20-poly1305', key, nonce24.subarray(0, NONCE12), { authTagLength: TAG });
        cipher.setAAD(aad, { plaintextLength: plaintext.length });
        let at = NONCE24;
        for (let i = 0; i < plaintext.length; i += chunk) {
          const enc = cipher.update(plaintext.subarray(i, i + chunk));
          ciphertext.set(enc, at);
          at += enc.length;
          releaseChunk(enc);
        }
        const fin = cipher.final();
        ciphertext.set(fin, at);
        ciphertext.set(cipher.getAuthTag(), at + fin.length);
        return { ciphertext, sha256: nativeSha256(ciphertext) };
      }
      const { ciphertext } = await nobleBackend.sealAndHash!(key, nonce24, plaintext, aad);
      return { ciphertext, sha256: nativeSha256(ciphertext) };
    },
    async openAndHash(key, ciphertext, aad) {
      if (chachaNative && ciphertext.length - NONCE24 - TAG >= threshold) return openOverlapped(key, ciphertext, aad);
      const sha256 = nativeSha256(ciphertext);
      try {
        return { sha256, plaintext: chachaOpen(key, ciphertext.subarray(0, NONCE12), ciphertext.subarray(NONCE24), aad) };
      } catch (e) {
        if (e instanceof ProtocolError && e.code === 'decrypt_failed') return { sha256, plaintext: null };
        throw e;
      }
    },
    sha256Early(data) {
      // Only bodies the open would otherwise hash in overlap, and only up to a size handed over
      // whole right now (copied into messages), because this thread is about to be busy
      // (signature, unwrap, decrypt) and could not feed the ring's slots meanwhile.
      if (!chachaNative || data.length < threshold || data.length > EARLY_HASH_MAX) return undefined;
      const job = ringHasher.begin();
      try {
        for (let i = 0; i < data.length; i += MAX_CHUNK) job.hashBytes(data.subarray(i, i + MAX_CHUNK));
      } catch (e) {
        job.abort();
        return Promise.reject(e);
      }
      return job.end();
    },
    close: async () => undefined,
  };
  return backend;
}
