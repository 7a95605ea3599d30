/**
 * Fax bodies at rest: each PDF is encrypted with its own random 256-bit key
 * (AES-256-GCM, the blob id as associated data), and that key is stored wrapped by the vault
 * key next to the fax's row. Deleting the row's wrapped key makes the file unreadable even
 * if a copy of it survives somewhere (crypto-shredding).
 */
import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeskError, errorDetail } from '../errors.ts';
import { releaseChunk } from '../chunk-memory.ts';
import { fsyncDirectory, fsyncDirectoryAsync } from './atomic-file.ts';

const fsyncAsync = promisify(fsync);

const MAGIC = Buffer.from('FXB1');
const HEADER_BYTES = 4 + 12;
const TAG_BYTES = 16;
const STREAM_CHUNK = 1024 * 1024;

/**
 * A body being written chunk by chunk (the big-fax path): encrypted as it comes, into a
 * `.tmp` file that only `commit` makes real. Same format as `write`, so `read` opens it.
 */
export interface BlobWriter {
  readonly blobId: string;
  /** Encrypts and appends a chunk (the caller may wipe it afterwards). */
  write(plaintext: Uint8Array): void;
  /** Tag, fsync, rename into place: from here on the body is durable. */
  commit(): StoredBlob;
  /** The same, with both fsyncs off the calling thread (its event loop stays free meanwhile). */
  commitAsync(): Promise<StoredBlob>;
  /** Throws the partial file away (also safe after a failed commit). */
  abort(): void;
  /** Plaintext bytes written so far. */
  readonly size: number;
}

const writeFailed = (e: unknown): DeskError => new DeskError(
  'storage.write_failed',
  'fxe Desk could not save the fax on this computer. Check that the disk is not full, then try again.',
  { detail: errorDetail(e), retryable: true, cause: e },
);

const readFailed = (e: unknown): DeskError =>
  new DeskError('storage.read_failed', 'fxe Desk could not open this fax from the disk.', { detail: errorDetail(e), cause: e });

const corruptBlob = (blobId: string, why: string, cause?: unknown): DeskError =>
  new DeskError('storage.corrupt', 'The saved copy of this fax is damaged.', { detail: `blob ${blobId}: ${why}`, ...(cause ? { cause } : {}) });

/** A stored body opened for decryption: header checked, tag loaded, decipher ready. */
interface BlobReading {
  fd: number;
  decipher: DecipherGCM;
  /** Where the ciphertext ends (the tag follows); it starts at HEADER_BYTES. */
  end: number;
  /** The body key (wiped by close) and the GCM nonce: openRanges decrypts ranges with them. */
  key: Uint8Array;
  nonce: Buffer;
  /** Wipes the body key and closes the file: call it exactly once, in a finally. */
  close: () => void;
}

/** What the blob store needs of the vault: each file's key wrapped under the vault key (storage sits below the vault). */
export interface FileKeyWrapper {
  wrapKey(fileKey: Uint8Array, label: string): Uint8Array;
  unwrapKey(wrapped: Uint8Array, label: string): Uint8Array;
}

/** A stored body opened for reading by ranges (BlobStore.openRanges). */
export interface BlobRanges {
  /** Plaintext bytes. */
  readonly size: number;
  /** Decrypts `length` bytes from `begin` into a new buffer the caller owns. */
  read(begin: number, length: number): Uint8Array;
  /** Wipes the body key and closes the file; call it once, in a finally. */
  close(): void;
}

export interface StoredBlob {
  blobId: string;
  wrappedKey: Uint8Array;
}

export class BlobStore {
  readonly dir: string;
  private readonly vault: FileKeyWrapper;

  constructor(dataDir: string, vault: FileKeyWrapper) {
    this.dir = join(dataDir, 'blobs');
    this.vault = vault;
  }

  /** Encrypt and durably write (fsync) a body; returns what the database row must keep. */
  write(plaintext: Uint8Array): StoredBlob {
    // Through the streaming writer, 1 MiB at a time: a 100 MiB body costs 1 MiB of extra
    // memory here, not two more whole copies (cipher output + concatenation).
    const w = this.writer();
    for (let off = 0; off < plaintext.length; off += STREAM_CHUNK) w.write(plaintext.subarray(off, off + STREAM_CHUNK));
    return w.commit();
  }

  /**
   * write, with the fsyncs off the calling thread: the outbox stores a submitted PDF while its
   * check runs in the pdf.js worker, whose byte-range requests this thread answers meanwhile.
   */
  writeAsync(plaintext: Uint8Array): Promise<StoredBlob> {
    const w = this.writer();
    for (let off = 0; off < plaintext.length; off += STREAM_CHUNK) w.write(plaintext.subarray(off, off + STREAM_CHUNK));
    return w.commitAsync();
  }

  /**
   * The whole body, decrypted. Read and decrypted 1 MiB at a time into one buffer of the
   * final size: a 100 MiB fax costs ~100 MiB here, not the file plus two decrypted copies.
   */
  read(blobId: string, wrappedKey: Uint8Array): Uint8Array {
    const { fd, decipher: d, end, close } = this.beginRead(blobId, wrappedKey);
    const corrupt = (why: string, cause?: unknown): DeskError => corruptBlob(blobId, why, cause);
    let out: Uint8Array | null = null;
    try {
      out = new Uint8Array(end - HEADER_BYTES);
      const chunk = Buffer.allocUnsafe(Math.min(STREAM_CHUNK, out.length));
      let at = 0;
      for (let pos = HEADER_BYTES; pos < end; ) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
        if (n <= 0) throw corrupt('file shrank while reading');
        pos += n;
        const plain = d.update(chunk.subarray(0, n));
        out.set(plain, at);
        at += plain.length;
        plain.fill(0);
      }
      try {
        const rest = d.final();
        out.set(rest, at);
      } catch (e) {
        throw corrupt('authentication failed', e);
      }
      const done = out;
      out = null;
      return done;
    } finally {
      out?.fill(0); // only still set when something failed: no unauthenticated plaintext survives
      close();
    }
  }

  /** Starts a streamed write; nothing is visible under the blob's name until commit. */
  writer(): BlobWriter {
    const blobId = randomBytes(16).toString('hex');
    const finalPath = this.path(blobId);
    // Ends in .tmp so that sweepOrphans removes it after a crash mid-write.
    const tmpPath = `${finalPath}.${randomBytes(4).toString('hex')}.tmp`;
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    let fd: number;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      fd = openSync(tmpPath, 'wx', 0o600);
    } catch (e) {
      key.fill(0);
      throw writeFailed(e);
    }
    let open = true;
    let size = 0;
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(`fxe-desk-blob|${blobId}`));
    const put = (bytes: Uint8Array): void => {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    };
    const close = (): void => {
      if (open) { open = false; closeSync(fd); }
    };
    const abort = (): void => {
      key.fill(0);
      try { close(); } catch { /* already closed */ }
      try { unlinkSync(tmpPath); } catch { /* already gone */ }
    };
    try {
      put(MAGIC);
      put(nonce);
    } catch (e) {
      abort();
      throw writeFailed(e);
    }
    return {
      blobId,
      get size() { return size; },
      write: (plaintext) => {
        try {
          const sealed = cipher.update(plaintext);
          put(sealed);
          // Freed now, not at the next GC: 100 MiB of spent chunks would otherwise pile up
          // as garbage during a big receive (what the ≤ 64 MiB memory target is about).
          releaseChunk(sealed);
          size += plaintext.length;
        } catch (e) {
          abort();
          throw writeFailed(e);
        }
      },
      commit: () => {
        try {
          put(cipher.final());
          put(cipher.getAuthTag());
          fsyncSync(fd);
          close();
          renameSync(tmpPath, finalPath);
          fsyncDirectory(this.dir);
          return { blobId, wrappedKey: this.vault.wrapKey(key, blobId) };
        } catch (e) {
          abort();
          throw writeFailed(e);
        } finally {
          key.fill(0);
        }
      },
      commitAsync: async () => {
        try {
          put(cipher.final());
          put(cipher.getAuthTag());
          await fsyncAsync(fd);
          close();
          renameSync(tmpPath, finalPath);
          await fsyncDirectoryAsync(this.dir);
          return { blobId, wrappedKey: this.vault.wrapKey(key, blobId) };
        } catch (e) {
          abort();
          throw writeFailed(e);
        } finally {
          key.fill(0);
        }
      },
      abort,
    };
  }

  /** Plaintext length of a stored body, from its file size (no decryption). */
  plaintextSize(blobId: string): number {
    try {
      return statSync(this.path(blobId)).size - HEADER_BYTES - TAG_BYTES;
    } catch (e) {
      throw readFailed(e);
    }
  }

  /**
   * Decrypts a body in 1 MiB chunks without holding it whole. The GCM tag is checked only at
   * the end, so the last step throws storage.corrupt for a damaged file: consumers must not
   * release anything they built from the chunks before the iteration completed (the outbox
   * seals into a `.part` file that a failure removes). Each chunk is valid only until the
   * next one is asked for: it is wiped and freed then (one read buffer for the whole body,
   * no plaintext left to the garbage collector).
   */
  async *readChunks(blobId: string, wrappedKey: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
    const { fd, decipher: d, end, close } = this.beginRead(blobId, wrappedKey);
    const corrupt = (why: string, cause?: unknown): DeskError => corruptBlob(blobId, why, cause);
    const chunk = Buffer.allocUnsafe(Math.min(STREAM_CHUNK, Math.max(0, end - HEADER_BYTES)));
    try {
      for (let pos = HEADER_BYTES; pos < end; ) {
        const want = Math.min(chunk.length, end - pos);
        const n = readSync(fd, chunk, 0, want, pos);
        if (n !== want) throw corrupt('file shrank while reading');
        pos += n;
        const plain = d.update(chunk.subarray(0, n));
        try {
          yield new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
        } finally {
          plain.fill(0);
          releaseChunk(plain);
        }
      }
      let rest: Buffer;
      try {
        rest = d.final();
      } catch (e) {
        throw corrupt('authentication failed', e);
      }
      if (rest.length > 0) yield new Uint8Array(rest);
    } finally {
      close();
      // Freed now rather than at a GC: a fresh 1 MiB buffer per fax was garbage for the
      // collector (~2 ms of GC per 1 MiB seal) and page faults for the next one.
      releaseChunk(chunk);
    }
  }

  /**
   * Random access to a stored body without holding it whole (pdf.js counting pages by byte
   * ranges). The whole file is first authenticated in one streamed pass (the GCM tag; nothing
   * kept), then each range is decrypted on its own: GCM's cipher is AES-CTR whose counter for
   * the 16-byte block n of the plaintext is 2 + n, so a range needs no byte before it. Blobs
   * are written once and only renamed into place, so what was authenticated is what is read.
   * `justWritten`: this process wrote the blob a moment ago (a file being sent, checked right
   * after it was stored) and every later use of it reads it authenticated (the seal's
   * readChunks fails on a bad tag), so bytes changed under the check could not be sent: the
   * pass over the whole body (~0.1 s for 64 MiB) is skipped.
   */
  async openRanges(blobId: string, wrappedKey: Uint8Array, opts: { justWritten?: boolean } = {}): Promise<BlobRanges> {
    if (opts.justWritten !== true) {
      for await (const chunk of this.readChunks(blobId, wrappedKey)) void chunk; // throws storage.corrupt on a bad tag
    }
    const { fd, end, close, key, nonce } = this.beginRead(blobId, wrappedKey);
    let closed = false;
    const size = end - HEADER_BYTES;
    return {
      size,
      read: (begin: number, length: number): Uint8Array => {
        if (closed) throw new Error('blob ranges already closed');
        if (!Number.isInteger(begin) || !Number.isInteger(length) || begin < 0 || length < 0 || begin + length > size) throw new RangeError(`range ${begin}+${length} outside 0..${size}`);
        const firstBlock = Math.floor(begin / 16);
        const skip = begin - firstBlock * 16;
        const cipherBytes = Buffer.allocUnsafe(skip + length);
        const n = readSync(fd, cipherBytes, 0, cipherBytes.length, HEADER_BYTES + firstBlock * 16);
        if (n !== cipherBytes.length) throw corruptBlob(blobId, 'file shrank while reading');
        // GCM's 32-bit block counter; it cannot wrap within the 128 MiB a body may have.
        const counter = Buffer.concat([nonce, Buffer.alloc(4)]);
        counter.writeUInt32BE(firstBlock + 2, 12);
        const ctr = createDecipheriv('aes-256-ctr', key, counter);
        const plain = ctr.update(cipherBytes);
        cipherBytes.fill(0);
        const out = new Uint8Array(length);
        out.set(plain.subarray(skip));
        plain.fill(0);
        return out;
      },
      close: () => {
        if (closed) return;
        closed = true;
        close();
      },
    };
  }

  /** The part of read and readChunks before the first byte is decrypted. */
  private beginRead(blobId: string, wrappedKey: Uint8Array): BlobReading {
    let fd: number;
    try {
      fd = openSync(this.path(blobId), 'r');
    } catch (e) {
      throw readFailed(e);
    }
    let key: Uint8Array | null = null;
    try {
      const fileSize = fstatSync(fd).size;
      const header = Buffer.alloc(HEADER_BYTES);
      const tag = Buffer.alloc(TAG_BYTES);
      if (fileSize < HEADER_BYTES + TAG_BYTES || readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES || !header.subarray(0, 4).equals(MAGIC)) throw corruptBlob(blobId, 'bad header');
      readSync(fd, tag, 0, TAG_BYTES, fileSize - TAG_BYTES);
      key = this.vault.unwrapKey(wrappedKey, blobId);
      const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(4, 16));
      decipher.setAAD(Buffer.from(`fxe-desk-blob|${blobId}`));
      decipher.setAuthTag(tag);
      const openFd = fd;
      const openKey = key;
      return {
        fd, decipher, end: fileSize - TAG_BYTES, key, nonce: Buffer.from(header.subarray(4, 16)),
        close: () => { openKey.fill(0); closeSync(openFd); },
      };
    } catch (e) {
      key?.fill(0);
      closeSync(fd);
      throw e;
    }
  }

  remove(blobId: string): void {
    try { unlinkSync(this.path(blobId)); } catch { /* already gone */ }
  }

  /** Remove files no row points at (a crash between writing a body and committing its row). */
  sweepOrphans(isReferenced: (blobId: string) => boolean): number {
    if (!existsSync(this.dir)) return 0;
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      const m = /^([0-9a-f]{32})\.bin$/.exec(name);
      if (m?.[1] && !isReferenced(m[1])) { this.remove(m[1]); removed++; }
      else if (name.endsWith('.tmp')) { try { unlinkSync(join(this.dir, name)); } catch { /* ignore */ } }
    }
    return removed;
  }

  private path(blobId: string): string {
    if (!/^[0-9a-f]{32}$/.test(blobId)) throw new DeskError('storage.corrupt', 'The saved copy of this fax is damaged.', { detail: `bad blob id` });
    return join(this.dir, `${blobId}.bin`);
  }
}
