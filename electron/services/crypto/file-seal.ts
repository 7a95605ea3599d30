/**
 * Streaming seal and open between files, for the outbox and the receiver: a 100 MiB fax is
 * encrypted from disk to disk in 1 MiB chunks, hashed on a worker thread as it goes, and never
 * held in memory whole. The envelope rules stay in shared/protocol (sealEnvelopeWith /
 * openEnvelopeWith); this module only moves bytes.
 *
 * Outputs are written to `<path>.part` and renamed into place only when everything checked
 * out, so a crash or a tamper never leaves a half-written plaintext under the final name.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import {
  BODY_NONCE_LENGTH, BODY_NONCE_USED, BODY_TAG_LENGTH, MAX_PLAINTEXT_BYTES, ProtocolError, openEnvelopeWith, sealEnvelopeWith,
} from '../../../shared/protocol/index.ts';
import type { Envelope, OpenParams, SealParams } from '../../../shared/protocol/index.ts';
import { FILE_CHUNK_BYTES as CHUNK, readCiphertextEnds, readFully, sha256OfFile } from './file-chunks.ts';
import { HashWorker } from './hash-worker.ts';
import { createNodeBackend, nativeChachaAvailable, releaseChunk } from './node-backend.ts';
import type { NodeCryptoBackend } from './node-backend.ts';

/** Up to this size a file is sealed / opened in memory (≤ 2× this much RAM, a few file calls). */
const IN_MEMORY_MAX_BYTES = 8 * 1024 * 1024;
const sharedHasher = new HashWorker();
/**
 * One backend for every file seal / open in the process: a backend owns a hash worker, and
 * starting a worker per fax (~30 ms) would cost more than sealing a 1 MiB file. Its worker
 * is unref'd while idle, so it never keeps the process alive.
 */
let sharedBackend: NodeCryptoBackend | undefined;
const fileBackend = (): NodeCryptoBackend => (sharedBackend ??= createNodeBackend());

/** The small-file path: the whole file in one buffer (the caller zeroes it when it is secret). */
async function readWholeFile(path: string, size: number): Promise<Uint8Array> {
  const input = await open(path, 'r');
  const bytes = new Uint8Array(size);
  try {
    await readFully(input, bytes, 0);
  } finally {
    await input.close();
  }
  return bytes;
}

/** The small-file path's output: one owner-only file written whole (writeFile loops until every byte is out). */
async function writeOwnerOnlyFile(path: string, bytes: Uint8Array): Promise<void> {
  const out = await open(path, 'w', 0o600);
  try {
    await out.writeFile(bytes);
  } finally {
    await out.close();
  }
}

export interface FileSealParams extends Omit<SealParams, 'plaintext' | 'backend'> {
  inputPath: string;
  /** Receives the wire ciphertext (nonce24 ‖ ct ‖ tag). */
  outputPath: string;
}

/** Seals a file into a ciphertext file; returns the signed envelope. */
export async function sealFileToFile(p: FileSealParams): Promise<{ envelope: Envelope }> {
  const backend = fileBackend();
  const { size } = await stat(p.inputPath);
  if (size > MAX_PLAINTEXT_BYTES) throw new ProtocolError('too_large', 'The file is larger than the 100 MiB an fxe message can carry.');
  const partPath = `${p.outputPath}.part`;
  try {
    const envelope = await sealEnvelopeWith({
      ...p,
      backend,
      sealBody: async (cek, nonce24, aad) => {
        if (!nativeChachaAvailable() || size <= IN_MEMORY_MAX_BYTES) {
          // Small files (one read, one write: per-chunk file calls would cost more than the
          // crypto), or no streaming cipher in this runtime (BoringSSL without chacha20-poly1305).
          const plaintext = await readWholeFile(p.inputPath, size);
          const sealed = await backend.sealAndHash!(cek, nonce24, plaintext, aad);
          plaintext.fill(0);
          await writeOwnerOnlyFile(partPath, sealed.ciphertext);
          return { sha256: sealed.sha256, size: sealed.ciphertext.length };
        }
        const input = await open(p.inputPath, 'r');
        const out = await open(partPath, 'w', 0o600);
        const job = sharedHasher.begin();
        const chunk = new Uint8Array(CHUNK);
        try {
          await out.write(nonce24);
          await job.push(nonce24);
          const cipher = createCipheriv('chacha20-poly1305', cek, nonce24.subarray(0, BODY_NONCE_USED), { authTagLength: BODY_TAG_LENGTH });
          cipher.setAAD(aad, { plaintextLength: size });
          let done = 0;
          while (done < size) {
            const n = await readFully(input, chunk.subarray(0, Math.min(CHUNK, size - done)), done);
            if (n === 0) throw new Error('the input file shrank while it was being sealed');
            const enc = cipher.update(chunk.subarray(0, n));
            await out.write(enc);
            await job.push(new Uint8Array(enc.buffer, enc.byteOffset, enc.byteLength), true);
            done += n;
          }
          chunk.fill(0);
          const tail = new Uint8Array([...cipher.final(), ...cipher.getAuthTag()]);
          await out.write(tail);
          await job.push(tail);
          return { sha256: await job.end(), size: BODY_NONCE_LENGTH + size + BODY_TAG_LENGTH };
        } finally {
          await input.close();
          await out.close();
        }
      },
    });
    await rename(partPath, p.outputPath);
    return { envelope };
  } catch (e) {
    await rm(partPath, { force: true });
    throw e;
  }
}

export interface FileOpenParams extends Omit<OpenParams, 'ciphertext' | 'backend'> {
  /** The wire ciphertext file. */
  inputPath: string;
  /** Receives the plaintext, only once every check passed. */
  outputPath: string;
}

/** Verifies and decrypts a ciphertext file into a plaintext file. */
export async function openFileToFile(p: FileOpenParams): Promise<{ metadata: Envelope['metadata'] }> {
  const { size } = await stat(p.inputPath);
  const partPath = `${p.outputPath}.part`;
  try {
    const result = await openEnvelopeWith({
      ...p,
      backend: fileBackend(),
      body: {
        size,
        sha256: () => sha256OfFile(p.inputPath),
        open: async (cek, aad) => {
          if (size < BODY_NONCE_LENGTH + BODY_TAG_LENGTH) throw new ProtocolError('malformed', 'The encrypted fax is too short to be valid.', 'ciphertext');
          if (!nativeChachaAvailable() || size <= IN_MEMORY_MAX_BYTES) {
            // Small files, or no streaming cipher in this runtime: read it whole, open it in memory.
            const ciphertext = await readWholeFile(p.inputPath, size);
            const r = await fileBackend().openAndHash!(cek, ciphertext, aad);
            if (r.plaintext) {
              await writeOwnerOnlyFile(partPath, r.plaintext);
              r.plaintext.fill(0);
            }
            return { sha256: r.sha256, ok: r.plaintext !== null };
          }
          const bodyLength = size - BODY_NONCE_LENGTH - BODY_TAG_LENGTH;
          const input = await open(p.inputPath, 'r');
          const out = await open(partPath, 'w', 0o600);
          const job = sharedHasher.begin();
          try {
            const { head, tag } = await readCiphertextEnds(input, size);
            await job.push(head);
            const decipher = createDecipheriv('chacha20-poly1305', cek, head.subarray(0, BODY_NONCE_USED), { authTagLength: BODY_TAG_LENGTH });
            decipher.setAAD(aad, { plaintextLength: bodyLength });
            decipher.setAuthTag(tag);
            for (let done = 0; done < bodyLength; ) {
              const chunk = new Uint8Array(Math.min(CHUNK, bodyLength - done));
              const n = await readFully(input, chunk, BODY_NONCE_LENGTH + done);
              if (n !== chunk.length) throw new Error('the ciphertext file shrank while it was being opened');
              const dec = decipher.update(chunk);
              await job.push(chunk, true); // hashed on the worker while we write the plaintext
              await out.write(dec);
              dec.fill(0);
              releaseChunk(dec);
              done += n;
            }
            await job.push(tag);
            let ok = true;
            try {
              decipher.final();
            } catch {
              ok = false;
            }
            return { sha256: await job.end(), ok };
          } finally {
            await input.close();
            await out.close();
          }
        },
      },
    });
    await rename(partPath, p.outputPath);
    return result;
  } catch (e) {
    await rm(partPath, { force: true });
    throw e;
  }
}
