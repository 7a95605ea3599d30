/**
 * ChaCha20-Poly1305 (RFC 8439, 12-byte nonce) as a stream: feed chunks, get chunks back, the
 * tag at the end. Two implementations behind one shape:
 *
 * - native (node:crypto), when the runtime has 'chacha20-poly1305' (Node's OpenSSL);
 * - noble's ChaCha20 keystream plus an incremental Poly1305, for runtimes without it
 *   (Electron's BoringSSL exposes ChaCha20-Poly1305 only as an AEAD, not as a cipher Node
 *   can stream). Slower (~110 MB/s) but still O(chunk) memory, so a 100 MiB fax never has
 *   to be held whole just because the fast path is missing.
 *
 * Both produce byte-identical output (tested against each other and the one-shot AEAD).
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';

const TAG_LENGTH = 16;
const BLOCK = 64;

export interface StreamSealer {
  /** Encrypts the next chunk; the output may be shorter or longer than the input (noble buffers to 64-byte blocks). */
  update(plaintext: Uint8Array): Uint8Array;
  /** The remaining ciphertext and the 16-byte tag. */
  final(): { rest: Uint8Array; tag: Uint8Array };
}

export interface StreamOpener {
  /** Decrypts the next chunk. The caller must not release any of it until `final` returned true. */
  update(ciphertext: Uint8Array): Uint8Array;
  /** The remaining plaintext, and whether the tag verifies. */
  final(tag: Uint8Array): { rest: Uint8Array; ok: boolean };
}

export interface StreamCipherOptions {
  /** For tests: use the noble implementation even where the native one exists. */
  forceNoble?: boolean;
}

export function nativeStreamingChachaAvailable(): boolean {
  return getCiphers().includes('chacha20-poly1305');
}

const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const EMPTY = new Uint8Array(0);

function le64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

/**
 * The RFC 8439 AEAD built from its parts: the Poly1305 key is the first 32 bytes of keystream
 * block 0, the data is encrypted from block 1 on, and the MAC covers
 * aad ‖ pad16 ‖ ciphertext ‖ pad16 ‖ le64(len aad) ‖ le64(len ciphertext).
 */
class NobleChachaStream {
  private readonly key: Uint8Array;
  private readonly nonce: Uint8Array;
  private readonly mac: ReturnType<typeof poly1305.create>;
  private readonly aadLength: number;
  private counter = 1;
  private carry = EMPTY;
  private dataLength = 0;

  constructor(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array) {
    this.key = key;
    this.nonce = nonce12;
    const polyKey = chacha20(key, nonce12, new Uint8Array(32), undefined, 0);
    this.mac = poly1305.create(polyKey);
    polyKey.fill(0);
    this.aadLength = aad.length;
    this.mac.update(aad);
    this.pad(aad.length);
  }

  private pad(length: number): void {
    const rem = length % 16;
    if (rem !== 0) this.mac.update(new Uint8Array(16 - rem));
  }

  /** XORs whole 64-byte blocks now and keeps the tail for later, so the counter stays aligned. */
  xor(input: Uint8Array, last: boolean, macInput: 'input' | 'output'): Uint8Array {
    let data = input;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + input.length);
      data.set(this.carry, 0);
      data.set(input, this.carry.length);
    }
    const take = last ? data.length : data.length - (data.length % BLOCK);
    this.carry = take < data.length ? data.slice(take) : EMPTY;
    if (take === 0) return EMPTY;
    const chunk = data.subarray(0, take);
    if (macInput === 'input') this.mac.update(chunk);
    const out = chacha20(this.key, this.nonce, chunk, undefined, this.counter);
    if (macInput === 'output') this.mac.update(out);
    this.counter += Math.ceil(take / BLOCK);
    this.dataLength += take;
    return out;
  }

  tag(): Uint8Array {
    this.pad(this.dataLength);
    this.mac.update(le64(this.aadLength));
    this.mac.update(le64(this.dataLength));
    return this.mac.digest();
  }
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function createStreamSealer(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, options: StreamCipherOptions = {}): StreamSealer {
  if (!options.forceNoble && nativeStreamingChachaAvailable()) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce12, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad, { plaintextLength: 0 }); // the length only matters for CCM; chacha20-poly1305 ignores it
    return {
      update: (p) => asBytes(cipher.update(p)),
      final: () => ({ rest: asBytes(cipher.final()), tag: asBytes(cipher.getAuthTag()) }),
    };
  }
  const s = new NobleChachaStream(key, nonce12, aad);
  return {
    update: (p) => s.xor(p, false, 'output'),
    final: () => {
      const rest = s.xor(EMPTY, true, 'output');
      return { rest, tag: s.tag() };
    },
  };
}

export function createStreamOpener(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, options: StreamCipherOptions = {}): StreamOpener {
  if (!options.forceNoble && nativeStreamingChachaAvailable()) {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce12, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad, { plaintextLength: 0 }); // as above: ignored outside CCM
    return {
      update: (c) => asBytes(decipher.update(c)),
      final: (tag) => {
        decipher.setAuthTag(tag);
        try {
          return { rest: asBytes(decipher.final()), ok: true };
        } catch {
          return { rest: EMPTY, ok: false };
        }
      },
    };
  }
  const s = new NobleChachaStream(key, nonce12, aad);
  return {
    update: (c) => s.xor(c, false, 'input'),
    final: (tag) => {
      const rest = s.xor(EMPTY, true, 'input');
      return { rest, ok: tag.length === TAG_LENGTH && constantTimeEqual(s.tag(), tag) };
    },
  };
}
