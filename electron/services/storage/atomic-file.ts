/**
 * Durable writes: write to a temporary sibling, fsync it, rename over the target, then fsync
 * the directory so the rename itself survives a power cut. A reader sees the old file or the
 * new one, never half of either.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * fsyncDirectory off the calling thread (libuv's pool): the event loop stays free meanwhile,
 * e.g. to answer the PDF check's byte-range requests while a submitted fax is stored.
 */
export async function fsyncDirectoryAsync(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // As fsyncDirectory: some filesystems refuse fsync on directories.
  } finally {
    await handle?.close();
  }
}

export function writeFileAtomicSync(path: string, data: Uint8Array | string, mode = 0o600): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(tmp, 'wx', mode);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 24));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  fsyncDirectory(dir);
}
