/**
 * ChaCha20-Poly1305 (RFC 8439, 12-byte nonce) as a stream: feed chunks of any size, get the
 * same number of bytes back (into a buffer the caller may reuse), the tag at the end.
 *
 * The AEAD is composed from its two parts, as RFC 8439 §2.8 defines it: the Poly1305 key is
 * the first 32 bytes of keystream block 0, the data is XORed with the keystream from block 1
 * on, and the MAC covers aad ‖ pad16 ‖ ciphertext ‖ pad16 ‖ le64(len aad) ‖ le64(len ct).
 * Two providers of the parts:
 *
 * - libsodium (sodium-native: `crypto_stream_chacha20_ietf_xor_ic` and incremental
 *   `crypto_onetimeauth`), ~2 GB/s here. It does not depend on node:crypto, so the app gets
 *   the same speed in Electron, whose BoringSSL has no streamable chacha20-poly1305. Only
 *   caller-allocated buffers are passed to it: Electron's V8 memory cage forbids external
 *   buffers, so no sodium_malloc / secure buffers.
 * - noble (pure JS), the portable fallback where the native module cannot load (~100 MB/s).
 *
 * Both give the one-shot AEAD's bytes (tested against node:crypto and noble for every vector
 * and for lengths around the 64-byte block and chunk edges).
 */
import { createRequire } from 'node:module';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';

const TAG_LENGTH = 16;
const BLOCK = 64;

/** The parts of sodium-native this module uses (the package ships no types). */
interface SodiumNative {
  crypto_stream_chacha20_ietf_xor_ic(out: Uint8Array, input: Uint8Array, nonce: Uint8Array, counter: number, key: Uint8Array): void;
  crypto_onetimeauth_init(state: Uint8Array, key: Uint8Array): void;
  crypto_onetimeauth_update(state: Uint8Array, input: Uint8Array): void;
  crypto_onetimeauth_final(state: Uint8Array, out: Uint8Array): void;
  crypto_onetimeauth_STATEBYTES: number;
  sodium_memcmp(a: Uint8Array, b: Uint8Array): boolean;
}

let sodiumLoaded: SodiumNative | null | undefined;

/** libsodium, or null where the native module is missing or cannot load in this runtime. */
export function loadSodium(): SodiumNative | null {
  if (sodiumLoaded !== undefined) return sodiumLoaded;
  try {
    sodiumLoaded = createRequire(import.meta.url)('sodium-native') as SodiumNative;
  } catch {
    sodiumLoaded = null;
  }
  return sodiumLoaded;
}

/** Which implementation a stream gets: libsodium when it loads, else noble. */
export function streamCipherName(options: StreamCipherOptions = {}): 'sodium' | 'noble' {
  return !options.forceNoble && loadSodium() ? 'sodium' : 'noble';
}

export interface StreamSealer {
  /**
   * Encrypts the next chunk into `output` (default: a new array; may be `plaintext` itself
   * for in-place) and returns it: always exactly as many bytes as went in.
   */
  update(plaintext: Uint8Array, output?: Uint8Array): Uint8Array;
  /** The 16-byte tag. */
  final(): Uint8Array;
}

export interface StreamOpener {
  /** Decrypts the next chunk into `output` (as for the sealer). Nothing may be released before `final` returned true. */
  update(ciphertext: Uint8Array, output?: Uint8Array): Uint8Array;
  /** Whether the tag verifies (constant time). */
  final(tag: Uint8Array): boolean;
}

export interface StreamCipherOptions {
  /** Use noble even where libsodium loads (tests compare the two; a runtime without it gets noble anyway). */
  forceNoble?: boolean;
}

/** The two primitives the AEAD is built from. */
interface ChachaParts {
  /** XORs `input` (whole 64-byte blocks) with the keystream from block `counter` into `output`. */
  xor(key: Uint8Array, nonce: Uint8Array, counter: number, input: Uint8Array, output: Uint8Array): void;
  mac(polyKey: Uint8Array): { update(data: Uint8Array): void; digest(): Uint8Array; wipe(): void };
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

function sodiumParts(s: SodiumNative): ChachaParts {
  return {
    xor: (key, nonce, counter, input, output) => s.crypto_stream_chacha20_ietf_xor_ic(output, input, nonce, counter, key),
    mac: (polyKey) => {
      const state = new Uint8Array(s.crypto_onetimeauth_STATEBYTES);
      s.crypto_onetimeauth_init(state, polyKey);
      return {
        update: (data) => { if (data.length > 0) s.crypto_onetimeauth_update(state, data); },
        digest: () => {
          const tag = new Uint8Array(TAG_LENGTH);
          s.crypto_onetimeauth_final(state, tag);
          state.fill(0);
          return tag;
        },
        wipe: () => state.fill(0),
      };
    },
    equal: (a, b) => a.length === b.length && s.sodium_memcmp(a, b),
  };
}

const nobleParts: ChachaParts = {
  xor: (key, nonce, counter, input, output) => {
    // noble writes into `output` but refuses to alias it with `input`: in place goes through a copy.
    if (output.buffer === input.buffer && output.byteOffset === input.byteOffset) chacha20(key, nonce, input.slice(), output, counter);
    else chacha20(key, nonce, input, output, counter);
  },
  mac: (polyKey) => {
    const mac = poly1305.create(polyKey);
    return { update: (data) => { if (data.length > 0) mac.update(data); }, digest: () => mac.digest(), wipe: () => mac.destroy() };
  },
  equal: (a, b) => {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
    return diff === 0;
  },
};

function le64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

/**
 * The RFC 8439 AEAD over a stream of chunks of any length. A chunk that ends mid-block keeps
 * the rest of that keystream block for the next chunk, so the counter never drifts and no
 * byte is held back: every update returns exactly its input's length.
 */
class ChachaPolyStream {
  private readonly key: Uint8Array;
  private readonly nonce: Uint8Array;
  private readonly parts: ChachaParts;
  private readonly mac: ReturnType<ChachaParts['mac']>;
  private readonly aadLength: number;
  private counter = 1;
  /** One keystream block for a chunk that ended mid-block, and how much of it is used. */
  private readonly spare = new Uint8Array(BLOCK);
  private spareUsed = BLOCK;
  private dataLength = 0;
  private finished = false;

  constructor(parts: ChachaParts, key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array) {
    if (key.length !== 32) throw new Error('ChaCha20-Poly1305 needs a 32-byte key');
    if (nonce12.length !== 12) throw new Error('ChaCha20-Poly1305 needs a 12-byte nonce');
    this.parts = parts;
    this.key = Uint8Array.from(key); // ours to wipe, whatever the caller does with theirs
    this.nonce = Uint8Array.from(nonce12);
    const block0 = new Uint8Array(BLOCK);
    parts.xor(this.key, this.nonce, 0, block0, block0);
    this.mac = parts.mac(block0.subarray(0, 32));
    block0.fill(0);
    this.aadLength = aad.length;
    this.mac.update(aad);
    this.pad(aad.length);
  }

  private pad(length: number): void {
    const rem = length % 16;
    if (rem !== 0) this.mac.update(new Uint8Array(16 - rem));
  }

  xor(input: Uint8Array, output: Uint8Array, macInput: 'input' | 'output'): Uint8Array {
    if (this.finished) throw new Error('this cipher stream is finished');
    const n = input.length;
    if (output.length !== n) throw new Error('the output must be as long as the input');
    if (macInput === 'input') this.mac.update(input); // before the XOR: in place, it is overwritten
    let i = 0;
    while (this.spareUsed < BLOCK && i < n) output[i] = input[i++]! ^ this.spare[this.spareUsed++]!;
    const whole = (n - i) - ((n - i) % BLOCK);
    if (whole > 0) {
      this.parts.xor(this.key, this.nonce, this.counter, input.subarray(i, i + whole), output.subarray(i, i + whole));
      this.counter += whole / BLOCK;
      i += whole;
    }
    if (i < n) {
      this.spare.fill(0);
      this.parts.xor(this.key, this.nonce, this.counter++, this.spare, this.spare);
      this.spareUsed = 0;
      while (i < n) output[i] = input[i++]! ^ this.spare[this.spareUsed++]!;
    }
    if (macInput === 'output') this.mac.update(output);
    this.dataLength += n;
    return output;
  }

  tag(): Uint8Array {
    this.finished = true;
    this.pad(this.dataLength);
    this.mac.update(le64(this.aadLength));
    this.mac.update(le64(this.dataLength));
    const tag = this.mac.digest();
    this.wipe();
    return tag;
  }

  equal(a: Uint8Array, b: Uint8Array): boolean {
    return this.parts.equal(a, b);
  }

  wipe(): void {
    this.finished = true;
    this.mac.wipe();
    this.key.fill(0);
    this.spare.fill(0);
  }
}

function partsFor(options: StreamCipherOptions): ChachaParts {
  const sodium = options.forceNoble ? null : loadSodium();
  return sodium ? sodiumParts(sodium) : nobleParts;
}

export function createStreamSealer(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, options: StreamCipherOptions = {}): StreamSealer {
  const s = new ChachaPolyStream(partsFor(options), key, nonce12, aad);
  return {
    update: (p, output = new Uint8Array(p.length)) => s.xor(p, output, 'output'),
    final: () => s.tag(),
  };
}

export function createStreamOpener(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, options: StreamCipherOptions = {}): StreamOpener {
  const s = new ChachaPolyStream(partsFor(options), key, nonce12, aad);
  return {
    update: (c, output = new Uint8Array(c.length)) => s.xor(c, output, 'input'),
    final: (tag) => tag.length === TAG_LENGTH && s.equal(s.tag(), tag),
  };
}

/**
 * Decrypts any byte range of a body sealed by createStreamSealer with the same key and nonce,
 * without the rest of it (ChaCha20 seeks: byte i is keystream block 1 + ⌊i/64⌋): the sender's
 * PDF check reads the document back out of the ciphertext it is about to upload. No tag is
 * checked (the range is not the whole body): only for ciphertext this process just wrote.
 */
export function createRangeDecryptor(key: Uint8Array, nonce12: Uint8Array, options: StreamCipherOptions = {}): { decrypt(offset: number, ciphertext: Uint8Array): Uint8Array; wipe(): void } {
  if (key.length !== 32) throw new Error('ChaCha20 needs a 32-byte key');
  if (nonce12.length !== 12) throw new Error('ChaCha20 needs a 12-byte nonce');
  const parts = partsFor(options);
  const ownKey = Uint8Array.from(key);
  const nonce = Uint8Array.from(nonce12);
  return {
    decrypt(offset, ciphertext) {
      if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad offset ${offset}`);
      const skip = offset % BLOCK;
      // Whole blocks from the one the range starts in: the range sits `skip` bytes into them.
      const blocks = new Uint8Array(Math.ceil((skip + ciphertext.length) / BLOCK) * BLOCK);
      blocks.set(ciphertext, skip);
      parts.xor(ownKey, nonce, 1 + (offset - skip) / BLOCK, blocks, blocks);
      const plain = blocks.slice(skip, skip + ciphertext.length);
      blocks.fill(0); // keystream around the range
      return plain;
    },
    wipe: () => ownKey.fill(0),
  };
}
