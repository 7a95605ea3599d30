/**
 * The file plumbing of the streaming body path (stream-seal.ts): positional reads that do not
 * stop short, a chunked SHA-256 of a whole file, and reading the wire frame's two ends
 * (nonce24 in front, tag16 behind) before the body in between is streamed.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { BODY_NONCE_LENGTH, BODY_TAG_LENGTH } from '../../../shared/protocol/index.ts';

/** 1 MiB: big enough that per-call overhead vanishes, small enough to keep memory flat. */
export const FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads until `buffer` is full or the file ends (a single read may return less than asked).
 * Returns how many bytes it got: less than buffer.length only at the end of the file.
 */
export async function readFully(handle: FileHandle, buffer: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < buffer.length) {
    const { bytesRead } = await handle.read(buffer, got, buffer.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** SHA-256 of a whole file, read a chunk at a time on this thread. */
export async function sha256OfFile(path: string): Promise<Uint8Array> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const buf = new Uint8Array(FILE_CHUNK_BYTES);
    for (let pos = 0; ; ) {
      const n = await readFully(handle, buf, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    await handle.close();
  }
  const d = hash.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * The two ends of a wire ciphertext file of `size` bytes (nonce24 ‖ ct ‖ tag16): the nonce to
 * start the decipher and the tag it must end on. The caller has checked size ≥ both together.
 */
export async function readCiphertextEnds(input: FileHandle, size: number): Promise<{ head: Uint8Array; tag: Uint8Array }> {
  const head = new Uint8Array(BODY_NONCE_LENGTH);
  const tag = new Uint8Array(BODY_TAG_LENGTH);
  await readFully(input, head, 0);
  await readFully(input, tag, size - BODY_TAG_LENGTH);
  return { head, tag };
}
