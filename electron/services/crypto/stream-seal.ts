/**
 * Seal from any chunk source into a ciphertext file, and open a ciphertext file into any
 * chunk sink: the one body path of the app (the outbox seals straight out of the encrypted
 * blob store, so the PDF never lands on disk in plaintext; the receiver decrypts straight into
 * a new encrypted blob). The envelope rules stay in shared/protocol (sealEnvelopeWith /
 * openEnvelopeWith); this module only moves bytes, fast and in bounded memory:
 *
 * - ChaCha20-Poly1305 through libsodium (stream-cipher.ts; noble where it cannot load),
 *   encrypting in place in 1 MiB slots of a shared ring;
 * - SHA-256 of the ciphertext on a second core, reading the same slots (ring-hasher.ts; on
 *   this thread for bodies up to 4 MiB, where starting that thread would cost more);
 * - file writes (seal) and reads (open) in flight on libuv's threads meanwhile.
 *
 * Memory is the ring (4 MiB) plus one 1 MiB plaintext buffer on open, for any size.
 *
 * Opening comes in two forms: from a file (the seed's JSON download, decoded to disk first)
 * and straight from the wire (openStreamToSink: socket → hash + decrypt → sink, one pass,
 * the next bytes read from the network only as fast as they are opened).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  BODY_NONCE_LENGTH, BODY_NONCE_USED, BODY_TAG_LENGTH, MAX_CIPHERTEXT_BYTES, MAX_PLAINTEXT_BYTES, ProtocolError, openEnvelopeWith, sealEnvelopeWith,
} from '../../../shared/protocol/index.ts';
import type { CryptoBackend, Envelope, OpenParams, SealParams } from '../../../shared/protocol/index.ts';
import { fsyncDirectory } from '../storage/atomic-file.ts';
import { releaseChunk } from '../chunk-memory.ts';
import { readCiphertextEnds, readFully, sha256OfFile } from './file-chunks.ts';
import { INLINE_HASH_MAX_BYTES, RING_SLOT_BYTES, RING_SLOTS, ringHasher } from './ring-hasher.ts';
import { createRangeDecryptor, createStreamOpener, createStreamSealer, type StreamCipherOptions, type StreamOpener } from './stream-cipher.ts';

/** Writes all of `bytes` at `position` (a single write may take less). */
async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

export interface StreamSealParams extends Omit<SealParams, 'plaintext' | 'backend'> {
  /** The plaintext, in chunks of any size (1 MiB is a good size). */
  source: AsyncIterable<Uint8Array>;
  /** Exact plaintext length: checked against what the source yields. */
  plaintextSize: number;
  /** Receives the wire ciphertext (nonce24 ‖ ct ‖ tag), via `<outputPath>.<random>.part`. */
  outputPath: string;
  /**
   * fsync the file and its directory before resolving (default true). The outbox passes false:
   * its spool is checked against the envelope's hash before every upload instead, and sealed
   * again if a power cut damaged it, which saves two fsyncs on every send.
   */
  durable?: boolean;
  /**
   * Runs once the whole body is written, before the envelope is signed, with random access
   * to the plaintext read back out of the ciphertext just written (each range decrypted on
   * its own). A rejection fails the seal: nothing is kept. The sender's PDF check runs here,
   * so what it checked is byte for byte what is uploaded.
   */
  checkWritten?: (plaintext: PlaintextRanges) => Promise<void>;
  backend?: CryptoBackend;
  cipher?: StreamCipherOptions;
}

/** Random access to a plaintext (the shape pdf.js's range reads take: PdfByteSource). */
export interface PlaintextRanges {
  readonly size: number;
  read(begin: number, length: number): Uint8Array;
}

/** Seals a chunk stream into a durable ciphertext file; returns the signed envelope. */
export async function sealStreamToFile(p: StreamSealParams): Promise<{ envelope: Envelope; size: number }> {
  if (p.plaintextSize > MAX_PLAINTEXT_BYTES) throw new ProtocolError('too_large', 'The file is larger than the 100 MiB an fxe message can carry.');
  const partPath = `${p.outputPath}.${randomBytes(4).toString('hex')}.part`;
  let size = 0;
  try {
    const envelope = await sealEnvelopeWith({
      ...p,
      sealBody: async (cek, nonce24, aad) => {
        // Read back too (checkWritten): 'wx+'.
        const out = await open(partPath, p.checkWritten ? 'wx+' : 'wx', 0o600);
        const ring = ringHasher.begin({ inline: p.plaintextSize <= INLINE_HASH_MAX_BYTES });
        // Per slot: its write and its hash, both must finish before the slot is refilled.
        const busy = new Array<Promise<unknown> | undefined>(RING_SLOTS);
        let finished = false;
        try {
          const sealer = createStreamSealer(cek, nonce24.subarray(0, BODY_NONCE_USED), aad, p.cipher);
          const head = Uint8Array.from(nonce24);
          const headWritten = writeFully(out, head, 0);
          ring.hashBytes(head);
          let position = BODY_NONCE_LENGTH;
          let slot = 0;
          let fill = 0;
          const flush = async (): Promise<void> => {
            const view = ring.slots[slot]!.subarray(0, fill);
            busy[slot] = Promise.all([writeFully(out, view, position), ring.hashSlot(slot, fill)]);
            position += fill;
            slot = (slot + 1) % RING_SLOTS;
            fill = 0;
            await busy[slot];
          };
          let consumed = 0;
          for await (const chunk of p.source) {
            consumed += chunk.length;
            if (consumed > p.plaintextSize) throw new Error(`the source yielded more than the announced ${p.plaintextSize} bytes`);
            for (let at = 0; at < chunk.length; ) {
              const take = Math.min(chunk.length - at, RING_SLOT_BYTES - fill);
              const target = ring.slots[slot]!.subarray(fill, fill + take);
              sealer.update(chunk.subarray(at, at + take), target); // encrypted straight into the ring
              fill += take;
              at += take;
              if (fill === RING_SLOT_BYTES) await flush();
            }
          }
          if (consumed !== p.plaintextSize) throw new Error(`the source yielded ${consumed} bytes, not the announced ${p.plaintextSize}`);
          if (fill > 0) await flush();
          const tag = sealer.final();
          ring.hashBytes(tag);
          await Promise.all([headWritten, writeFully(out, tag, position), ...busy]);
          if (p.checkWritten) {
            const plaintext = plaintextOf(out.fd, cek, nonce24, consumed, p.cipher);
            try {
              await p.checkWritten(plaintext);
            } finally {
              plaintext.wipe();
            }
          }
          finished = true;
          if (p.durable !== false) await out.sync();
          size = BODY_NONCE_LENGTH + consumed + BODY_TAG_LENGTH;
          return { sha256: await ring.end(), size };
        } finally {
          if (!finished) {
            ring.abort();
            await Promise.allSettled(busy.filter((p) => p !== undefined)); // no write may still be running when the file is removed
          }
          await out.close();
        }
      },
    });
    await rename(partPath, p.outputPath);
    if (p.durable !== false) fsyncDirectory(dirname(p.outputPath));
    return { envelope, size };
  } catch (e) {
    await rm(partPath, { force: true });
    throw e;
  }
}

/**
 * The plaintext of a body just written to `fd` (nonce24 ‖ ct ‖ tag), read by ranges: each one
 * read from the file and decrypted on its own. Valid while the seal that made it runs.
 */
function plaintextOf(fd: number, cek: Uint8Array, nonce24: Uint8Array, size: number, cipher?: StreamCipherOptions): PlaintextRanges & { wipe(): void } {
  const decryptor = createRangeDecryptor(cek, nonce24.subarray(0, BODY_NONCE_USED), cipher);
  return {
    size,
    read(begin, length) {
      if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(length) || begin < 0 || length < 0 || begin + length > size) {
        throw new Error(`a byte range outside the document (${begin}+${length} of ${size})`);
      }
      const ciphertext = new Uint8Array(length);
      for (let at = 0; at < length; ) {
        const n = readSync(fd, ciphertext, at, length - at, BODY_NONCE_LENGTH + begin + at);
        if (n === 0) throw new Error('the sealed file ended early');
        at += n;
      }
      return decryptor.decrypt(begin, ciphertext);
    },
    wipe: () => decryptor.wipe(),
  };
}

/** Where decrypted chunks go. Nothing may be released to anyone until the open succeeded. */
export type PlaintextSink = (chunk: Uint8Array) => void | Promise<void>;

/**
 * Hashes and decrypts a body arriving in slots of the ring: `fill(into)` must fill `into`
 * completely (it is never longer than what is left of the body). The next slot is filled
 * while this one is decrypted, and the worker hashes behind both.
 */
async function openSlots(
  bodyLength: number, fill: (into: Uint8Array) => Promise<void>, opener: StreamOpener, ring: ReturnType<typeof ringHasher.begin>, sink: PlaintextSink,
): Promise<void> {
  const hashed = new Array<Promise<void> | undefined>(RING_SLOTS);
  const plain = new Uint8Array(Math.min(RING_SLOT_BYTES, bodyLength));
  const lengthOf = (k: number): number => Math.min(RING_SLOT_BYTES, bodyLength - k * RING_SLOT_BYTES);
  const count = Math.ceil(bodyLength / RING_SLOT_BYTES);
  const startFill = async (k: number): Promise<void> => {
    await hashed[k % RING_SLOTS]; // the slot's previous chunk must be hashed before it is overwritten
    await fill(ring.slots[k % RING_SLOTS]!.subarray(0, lengthOf(k)));
  };
  try {
    let filling = count > 0 ? startFill(0) : undefined;
    for (let k = 0; k < count; k++) {
      await filling;
      const n = lengthOf(k);
      const view = ring.slots[k % RING_SLOTS]!.subarray(0, n);
      hashed[k % RING_SLOTS] = ring.hashSlot(k % RING_SLOTS, n);
      filling = k + 1 < count ? startFill(k + 1) : undefined;
      filling?.catch(() => undefined); // awaited next round; a failure of this round must not leave it unhandled
      await sink(opener.update(view, plain.subarray(0, n)));
    }
    await Promise.all(hashed.filter((p) => p !== undefined));
  } finally {
    plain.fill(0);
    // Freed now (the sink copied what it keeps), not left to the collector: see chunk-memory.ts.
    releaseChunk(plain);
  }
}

export interface FileToSinkParams extends Omit<OpenParams, 'ciphertext' | 'backend'> {
  /** The wire ciphertext file (not secret: it is what the relay holds). */
  inputPath: string;
  /** The SHA-256 already computed while the file was downloaded; hashed afresh on open anyway. */
  knownSha256?: Uint8Array;
  sink: PlaintextSink;
  backend?: CryptoBackend;
  cipher?: StreamCipherOptions;
}

/**
 * Verifies (signature, size, hash, key) and decrypts a ciphertext file chunk by chunk into
 * `sink`. Resolves only when the tag and the hash verified; on any failure the caller must
 * discard whatever the sink received.
 */
export async function openFileToSink(p: FileToSinkParams): Promise<{ metadata: Envelope['metadata']; plaintextSize: number }> {
  const { size } = await stat(p.inputPath);
  if (size > MAX_CIPHERTEXT_BYTES) throw new ProtocolError('too_large', 'The encrypted fax is larger than fxe allows.', 'ciphertext');
  const bodyLength = size - BODY_NONCE_LENGTH - BODY_TAG_LENGTH;
  const result = await openEnvelopeWith({
    ...p,
    body: {
      size,
      sha256: () => (p.knownSha256 ? Promise.resolve(p.knownSha256) : sha256OfFile(p.inputPath)),
      open: async (cek, aad) => {
        if (bodyLength < 0) throw new ProtocolError('malformed', 'The encrypted fax is too short to be valid.', 'ciphertext');
        const input = await open(p.inputPath, 'r');
        const ring = ringHasher.begin({ inline: bodyLength <= INLINE_HASH_MAX_BYTES });
        let finished = false;
        try {
          const { head, tag } = await readCiphertextEnds(input, size);
          ring.hashBytes(head);
          const opener = createStreamOpener(cek, head.subarray(0, BODY_NONCE_USED), aad, p.cipher);
          let position = BODY_NONCE_LENGTH;
          await openSlots(bodyLength, async (into) => {
            const at = position;
            position += into.length;
            if (await readFully(input, into, at) !== into.length) throw new Error('the ciphertext file shrank while it was being opened');
          }, opener, ring, p.sink);
          ring.hashBytes(tag);
          const ok = opener.final(tag);
          finished = true;
          return { sha256: await ring.end(), ok };
        } finally {
          if (!finished) ring.abort();
          await input.close();
        }
      },
    },
  });
  return { metadata: result.metadata, plaintextSize: bodyLength };
}

/**
 * Fills buffers of exact sizes from a stream of chunks of any size (an HTTP body). Reads the
 * next chunk only when a buffer needs it: that is the back-pressure towards the socket.
 */
class ExactReader {
  private readonly chunks: AsyncIterator<Uint8Array>;
  private pending: Uint8Array = new Uint8Array(0);
  private ended = false;
  /** Bytes handed out so far. */
  taken = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Fills `into` from the stream; returns how much it got (less only where the stream ended). */
  async fill(into: Uint8Array): Promise<number> {
    let got = 0;
    while (got < into.length) {
      if (this.pending.length === 0) {
        if (!(await this.pull())) break;
        continue;
      }
      const n = Math.min(this.pending.length, into.length - got);
      into.set(this.pending.subarray(0, n), got);
      this.pending = this.pending.subarray(n);
      got += n;
    }
    this.taken += got;
    return got;
  }

  /** Whether the stream has nothing more (empty chunks do not count). */
  async atEnd(): Promise<boolean> {
    while (this.pending.length === 0) if (!(await this.pull())) return true;
    return false;
  }

  /** Every remaining chunk, in order (for hashing what is left). */
  async *rest(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.pending.length > 0) {
        const chunk = this.pending;
        this.pending = new Uint8Array(0);
        this.taken += chunk.length;
        yield chunk;
      }
      if (!(await this.pull())) return;
    }
  }

  /** Lets go of the source: a connection not read to its end is cancelled. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.pending = new Uint8Array(0);
    await this.chunks.return?.();
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const step = await this.chunks.next();
    if (step.done) {
      this.ended = true;
      return false;
    }
    this.pending = step.value;
    return true;
  }
}

export interface StreamToSinkParams extends Omit<OpenParams, 'ciphertext' | 'backend'> {
  /**
   * The wire ciphertext (nonce24 ‖ ct ‖ tag16) as it arrives, e.g. a download's body. It is
   * read only once the envelope's signature verified and the key unwrapped, and only as fast
   * as it is opened; it is closed (the download cancelled) whatever happens.
   */
  source: AsyncIterable<Uint8Array>;
  sink: PlaintextSink;
  backend?: CryptoBackend;
  cipher?: StreamCipherOptions;
}

const cutShortOrLong = (): ProtocolError =>
  new ProtocolError('hash_mismatch', 'The encrypted fax is not the size its envelope says: it was cut short or altered.', 'size');

/**
 * Verifies and decrypts a ciphertext straight off the wire into `sink`, in one pass: each
 * slot of the ring is filled from the stream, hashed on the second core and decrypted here,
 * so neither the ciphertext nor the plaintext is ever whole in memory or on disk in between.
 * The sink sees plaintext before the hash and tag are known to match: resolving is the only
 * sign that they did; on any failure the caller must discard whatever the sink received
 * (the inbox's blob writer keeps it in an encrypted temp file nobody sees until commit).
 * A stream longer or shorter than the envelope's size is a hash mismatch.
 */
export async function openStreamToSink(p: StreamToSinkParams): Promise<{ metadata: Envelope['metadata']; plaintextSize: number }> {
  const size = p.envelope.size;
  if (size > MAX_CIPHERTEXT_BYTES) throw new ProtocolError('too_large', 'The encrypted fax is larger than fxe allows.', 'ciphertext');
  const bodyLength = size - BODY_NONCE_LENGTH - BODY_TAG_LENGTH;
  const reader = new ExactReader(p.source);
  try {
    const result = await openEnvelopeWith({
      ...p,
      body: {
        // The envelope's own size: the stream is held to it below, byte for byte.
        size,
        // Only asked when the key could not be unwrapped (a hash mismatch outranks that):
        // what is left of the stream, hashed here.
        sha256: async () => {
          const hash = createHash('sha256');
          for await (const chunk of reader.rest()) hash.update(chunk);
          const d = hash.digest();
          return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        },
        open: async (cek, aad) => {
          if (bodyLength < 0) throw new ProtocolError('malformed', 'The encrypted fax is too short to be valid.', 'ciphertext');
          const ring = ringHasher.begin({ inline: bodyLength <= INLINE_HASH_MAX_BYTES });
          let finished = false;
          try {
            const head = new Uint8Array(BODY_NONCE_LENGTH);
            if (await reader.fill(head) !== head.length) throw cutShortOrLong();
            ring.hashBytes(head);
            const opener = createStreamOpener(cek, head.subarray(0, BODY_NONCE_USED), aad, p.cipher);
            await openSlots(bodyLength, async (into) => {
              if (await reader.fill(into) !== into.length) throw cutShortOrLong();
            }, opener, ring, p.sink);
            const tag = new Uint8Array(BODY_TAG_LENGTH);
            if (await reader.fill(tag) !== tag.length || !(await reader.atEnd())) throw cutShortOrLong();
            ring.hashBytes(tag);
            const ok = opener.final(tag);
            finished = true;
            return { sha256: await ring.end(), ok };
          } finally {
            if (!finished) ring.abort();
          }
        },
      },
    });
    return { metadata: result.metadata, plaintextSize: bodyLength };
  } finally {
    await reader.close();
  }
}
