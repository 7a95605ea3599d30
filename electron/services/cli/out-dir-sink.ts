/**
 * The CLI's receive sink: each verified fax becomes `<id>.pdf` then `<id>.json` (verified
 * metadata and the signed receipt; written last, it is the commit marker) in the `--out`
 * folder, rewritten with `"receipt_sent": true` once the relay took the receipt. A fax that
 * failed verification leaves `<id>.rejected`. Every file is written atomically.
 *
 * The id comes from the relay: it must look like a message id, and the path built from it
 * must land directly in the folder, so a lying relay cannot make us write anywhere else.
 */
import { faxIdForMessage } from '../../../shared/domain/ids.ts';
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { UserError } from '../../../shared/domain/types.ts';
import { isMessageId, type Receipt } from '../../../shared/protocol/index.ts';
import { DeskError } from '../errors.ts';
import type { ReceiveSink, VerifiedFax } from '../receiver/receive-sink.ts';
import { fsyncDirectory, writeFileAtomicSync } from '../storage/atomic-file.ts';

/** What `<id>.json` holds (documented in docs/cli.md). */
export interface StoredFaxFile {
  message_id: string;
  sender_org_id: string;
  from_number: string;
  from_name: string | null;
  to_number: string;
  ciphertext_sha256: string;
  created_at: string;
  metadata: unknown;
  file: string;
  receipt: Receipt;
  receipt_sent: boolean;
}

export interface OutDirCounts {
  stored: number;
  rejected: number;
  /** Not kept because the sender's keys changed: left on the relay until accepted. */
  held: number;
}

/** `<outDir>/<messageId><ext>`, or an error when the id could lead anywhere else. */
export function outPath(outDir: string, messageId: string, ext: '.pdf' | '.json' | '.rejected'): string {
  const dir = resolve(outDir);
  const path = resolve(dir, `${messageId}${ext}`);
  if (!isMessageId(messageId) || dirname(path) !== dir) {
    throw new DeskError('receive.bad_message_id', 'The relay named a fax with an impossible id; nothing was written for it.', { detail: `message id ${JSON.stringify(messageId.slice(0, 80))}` });
  }
  return path;
}

function plainMetadata(metadata: VerifiedFax['metadata']): unknown {
  // Numbers keep the lexeme they were signed with (a lossless parse): print that.
  return JSON.parse(JSON.stringify(metadata, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'lexeme' in v ? (v as { lexeme: string }).lexeme : v)));
}

/**
 * Written bytes after which a datasync starts in the background while more arrive: the fsync
 * before the rename then waits for the tail only, not for 64 MiB going to the disk at once
 * (~80 ms here, more when the disk is busy).
 */
const WRITEBACK_STEP_BYTES = 8 * 1024 * 1024;

export function outDirSink(outDir: string, log: (line: string) => void): ReceiveSink & { counts: OutDirCounts } {
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const counts: OutDirCounts = { stored: 0, rejected: 0, held: 0 };
  return {
    counts,
    open(_orgId, envelope) {
      const pdfPath = outPath(outDir, envelope.message_id, '.pdf');
      const tmp = join(dirname(pdfPath), `.${envelope.message_id}.pdf.${randomBytes(6).toString('hex')}.tmp`);
      let fd: number | null = openSync(tmp, 'wx', 0o600);
      let unsynced = 0;
      // At most one background datasync, and the file is never closed while it runs (its
      // descriptor could be reused under it): a close then waits for it.
      let syncing: Promise<void> | null = null;
      const closeTmp = (): Promise<void> => {
        const open = fd;
        fd = null;
        if (open === null) return Promise.resolve();
        if (syncing === null) {
          closeSync(open);
          return Promise.resolve();
        }
        return syncing.then(() => { try { closeSync(open); } catch { /* nothing left to close */ } });
      };
      return {
        write(chunk) {
          if (fd === null) throw new Error('write after commit');
          for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off, chunk.length - off);
          unsynced += chunk.length;
          if (unsynced >= WRITEBACK_STEP_BYTES && syncing === null) {
            unsynced = 0;
            const open = fd;
            // A failure here shows in the fsync before the rename.
            syncing = new Promise<void>((done) => fdatasync(open, () => done())).finally(() => { syncing = null; });
          }
        },
        // Synchronous (the receive journal commits it inside its SQLite transaction): the fsync
        // covers every byte whatever a background datasync still does; the close may follow it.
        commit(fax) {
          if (fd !== null) {
            fsyncSync(fd);
            void closeTmp();
            renameSync(tmp, pdfPath);
            fsyncDirectory(dirname(pdfPath));
          }
          const e = fax.envelope;
          const meta: StoredFaxFile = {
            message_id: e.message_id, sender_org_id: e.sender_org_id, from_number: e.from_number, from_name: e.from_name, to_number: e.to_number,
            ciphertext_sha256: e.ciphertext_sha256, created_at: String(typeof e.created_at === 'number' ? e.created_at : e.created_at.lexeme),
            metadata: plainMetadata(fax.metadata), file: `${e.message_id}.pdf`, receipt: fax.receipt, receipt_sent: false,
          };
          writeFileAtomicSync(outPath(outDir, e.message_id, '.json'), `${JSON.stringify(meta, null, 2)}\n`, 0o600);
          return faxIdForMessage(fax.messageId);
        },
        async abort() {
          await closeTmp();
          try { unlinkSync(tmp); } catch { /* committed, or already gone */ }
        },
      };
    },
    stored(fax) {
      counts.stored++;
      log(`stored ${fax.envelope.message_id}.pdf from ${fax.envelope.from_number}`);
    },
    receipted(_orgId, messageId) {
      const path = outPath(outDir, messageId, '.json');
      let meta: StoredFaxFile;
      try { meta = JSON.parse(readFileSync(path, 'utf8')) as StoredFaxFile; } catch { return; /* stored into another --out folder */ }
      writeFileAtomicSync(path, `${JSON.stringify({ ...meta, receipt_sent: true }, null, 2)}\n`, 0o600);
    },
    rejected(_orgId, messageId, error: UserError, keyChanged) {
      if (keyChanged) {
        counts.held++;
        log(`held ${messageId}: ${error.message}`);
        return;
      }
      counts.rejected++;
      log(`rejected ${JSON.stringify(messageId.slice(0, 80))}: ${error.message}`);
      // No file for an id that is not one: the pipeline refused it before fetching anything.
      if (isMessageId(messageId)) writeFileAtomicSync(outPath(outDir, messageId, '.rejected'), `${error.code}: ${error.detail ?? error.message}\n`);
    },
  };
}
