/**
 * Fax bodies at rest: each PDF is encrypted with its own random 256-bit key
 * (AES-256-GCM, the blob id as associated data), and that key is stored wrapped by the vault
 * key next to the fax's row. Deleting the row's wrapped key makes the file unreadable even
 * if a copy of it survives somewhere (crypto-shredding).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError, errorDetail } from '../errors.ts';
import { writeFileAtomicSync } from '../storage/atomic-file.ts';
import type { Vault } from '../vault/vault.ts';

const MAGIC = Buffer.from('FXB1');

export interface StoredBlob {
  blobId: string;
  wrappedKey: Uint8Array;
}

export class BlobStore {
  readonly dir: string;
  private readonly vault: Vault;

  constructor(dataDir: string, vault: Vault) {
    this.dir = join(dataDir, 'blobs');
    this.vault = vault;
  }

  /** Encrypt and durably write (fsync) a body; returns what the database row must keep. */
  write(plaintext: Uint8Array): StoredBlob {
    const blobId = randomBytes(16).toString('hex');
    const key = randomBytes(32);
    try {
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(Buffer.from(`fxe-desk-blob|${blobId}`));
      const body = Buffer.concat([MAGIC, nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
      try {
        writeFileAtomicSync(this.path(blobId), body);
      } catch (e) {
        throw new DeskError(
          'storage.write_failed',
          'fxe Desk could not save the fax on this computer. Check that the disk is not full, then try again.',
          { detail: errorDetail(e), retryable: true, cause: e },
        );
      }
      return { blobId, wrappedKey: this.vault.wrapKey(key, blobId) };
    } finally {
      key.fill(0);
    }
  }

  read(blobId: string, wrappedKey: Uint8Array): Uint8Array {
    let file: Buffer;
    try {
      file = readFileSync(this.path(blobId));
    } catch (e) {
      throw new DeskError('storage.read_failed', 'fxe Desk could not open this fax from the disk.', { detail: errorDetail(e), cause: e });
    }
    if (file.length < 4 + 12 + 16 || !file.subarray(0, 4).equals(MAGIC)) {
      throw new DeskError('storage.corrupt', 'The saved copy of this fax is damaged.', { detail: `blob ${blobId}: bad header` });
    }
    const key = this.vault.unwrapKey(wrappedKey, blobId);
    try {
      const d = createDecipheriv('aes-256-gcm', key, file.subarray(4, 16));
      d.setAAD(Buffer.from(`fxe-desk-blob|${blobId}`));
      d.setAuthTag(file.subarray(file.length - 16));
      return new Uint8Array(Buffer.concat([d.update(file.subarray(16, file.length - 16)), d.final()]));
    } catch (e) {
      throw new DeskError('storage.corrupt', 'The saved copy of this fax is damaged.', { detail: `blob ${blobId}: authentication failed`, cause: e });
    } finally {
      key.fill(0);
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
