/**
 * Seal from any chunk source into a ciphertext file, and open a ciphertext file into any
 * chunk sink: the big-fax path. The outbox seals straight out of the encrypted blob store
 * (so the PDF never lands on disk in plaintext), the receiver decrypts straight into a new
 * encrypted blob. Memory stays O(chunk) for any size, with either cipher implementation
 * (stream-cipher.ts). The envelope rules stay in shared/protocol (sealEnvelopeWith /
 * openEnvelopeWith); this module only moves bytes.
 *
 * The ciphertext is hashed on this thread, chunk by chunk, with node:crypto (~1.1 GB/s here,
 * +90 ms per 100 MiB). Handing chunks to the hash worker (hash-worker.ts) would overlap that,
 * but every transferred chunk then waits for the worker's own garbage collector: measured,
 * it added ~260 MiB to the peak of a 100 MiB receive. Memory is the point of this module.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  BODY_NONCE_LENGTH, BODY_NONCE_USED, BODY_TAG_LENGTH, MAX_CIPHERTEXT_BYTES, MAX_PLAINTEXT_BYTES, ProtocolError, openEnvelopeWith, sealEnvelopeWith,
} from '../../../shared/protocol/index.ts';
import type { CryptoBackend, Envelope, OpenParams, SealParams } from '../../../shared/protocol/index.ts';
import { fsyncDirectory } from '../storage/atomic-file.ts';
import { FILE_CHUNK_BYTES as CHUNK, readCiphertextEnds, readFully, sha256OfFile } from './file-chunks.ts';
import { createStreamOpener, createStreamSealer, type StreamCipherOptions } from './stream-cipher.ts';

interface Sha256Job {
  push(chunk: Uint8Array): void;
  end(): Uint8Array;
}

function sha256Job(): Sha256Job {
  const h = createHash('sha256');
  return {
    push: (chunk) => { h.update(chunk); },
    end: () => { const d = h.digest(); return new Uint8Array(d.buffer, d.byteOffset, d.byteLength); },
  };
}

export interface StreamSealParams extends Omit<SealParams, 'plaintext' | 'backend'> {
  /** The plaintext, in chunks of any size (1 MiB is a good size). */
  source: AsyncIterable<Uint8Array>;
  /** Exact plaintext length: checked against what the source yields. */
  plaintextSize: number;
  /** Receives the wire ciphertext (nonce24 ‖ ct ‖ tag), fsynced, via `<outputPath>.part`. */
  outputPath: string;
  backend?: CryptoBackend;
  cipher?: StreamCipherOptions;
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
        const out = await open(partPath, 'wx', 0o600);
        const job = sha256Job();
        try {
          const sealer = createStreamSealer(cek, nonce24.subarray(0, BODY_NONCE_USED), aad, p.cipher);
          await out.write(nonce24);
          job.push(nonce24);
          let consumed = 0;
          const emit = async (enc: Uint8Array): Promise<void> => {
            if (enc.length === 0) return;
            await out.write(enc);
            job.push(enc);
          };
          for await (const chunk of p.source) {
            consumed += chunk.length;
            if (consumed > p.plaintextSize) throw new Error(`the source yielded more than the announced ${p.plaintextSize} bytes`);
            await emit(sealer.update(chunk));
          }
          if (consumed !== p.plaintextSize) throw new Error(`the source yielded ${consumed} bytes, not the announced ${p.plaintextSize}`);
          const { rest, tag } = sealer.final();
          await emit(rest);
          await out.write(tag);
          job.push(tag);
          // The spool file is what a retry re-uploads: it must survive a power cut intact.
          await out.sync();
          size = BODY_NONCE_LENGTH + consumed + BODY_TAG_LENGTH;
          return { sha256: job.end(), size };
        } finally {
          await out.close();
        }
      },
    });
    await rename(partPath, p.outputPath);
    fsyncDirectory(dirname(p.outputPath));
    return { envelope, size };
  } catch (e) {
    await rm(partPath, { force: true });
    throw e;
  }
}

/** Where decrypted chunks go. Nothing may be released to anyone until the open succeeded. */
export type PlaintextSink = (chunk: Uint8Array) => void | Promise<void>;

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
        const job = sha256Job();
        try {
          const { head, tag } = await readCiphertextEnds(input, size);
          job.push(head);
          const opener = createStreamOpener(cek, head.subarray(0, BODY_NONCE_USED), aad, p.cipher);
          const buffer = new Uint8Array(CHUNK); // reused: no 100 MiB of garbage for a 100 MiB fax
          for (let done = 0; done < bodyLength; ) {
            const chunk = buffer.subarray(0, Math.min(CHUNK, bodyLength - done));
            const n = await readFully(input, chunk, BODY_NONCE_LENGTH + done);
            if (n !== chunk.length) throw new Error('the ciphertext file shrank while it was being opened');
            job.push(chunk);
            const dec = opener.update(chunk);
            await p.sink(dec);
            dec.fill(0);
            done += n;
          }
          job.push(tag);
          const { rest, ok } = opener.final(tag);
          if (ok && rest.length > 0) await p.sink(rest);
          rest.fill(0);
          return { sha256: job.end(), ok };
        } finally {
          await input.close();
        }
      },
    },
  });
  return { metadata: result.metadata, plaintextSize: bodyLength };
}
