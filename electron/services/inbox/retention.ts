/**
 * Housekeeping of stored faxes, run at start and then every hour:
 *
 *  - Purge: deleted faxes wait in the Trash (restorable) for the retention setting's number
 *    of days, counted from the deletion, then are removed for good: the row (with the wrapped
 *    key of the body: from then on the body is unreadable) and then the encrypted body file.
 *    Always on, whether or not retention itself is enabled: the office has one period to
 *    learn. "Delete forever" and "Empty Trash" purge at once, the same way.
 *  - Retention (Settings; off by default): faxes older than N days are archived or deleted
 *    (moved to the Trash). Faxes still in the outbox are never touched.
 *
 * Every deletion and purge is written to the audit log, with the reason.
 */
import type { FaxId } from '../../../shared/domain/ids.ts';
import type { Settings } from '../../../shared/domain/types.ts';
import { errorDetail } from '../errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { FaxRepository } from './faxes.ts';

export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** How long a fax stays in the Trash: the retention setting's days, at least one. */
export function trashDays(policy: Settings['retention']): number {
  return Math.max(1, Math.floor(policy.days));
}

/**
 * Removes faxes for good. Rows first (with them the wrapped body keys), then the files: a
 * crash in between leaves only orphan files, which the start-up sweep removes.
 */
export function purgeFaxes(
  faxes: FaxRepository,
  blobs: BlobStore,
  rows: readonly { id: FaxId; blob_id: string | null }[],
  reason: string,
  log: (line: string) => void,
): number {
  if (rows.length === 0) return 0;
  faxes.purgeRows(rows.map((r) => r.id), reason);
  for (const r of rows) {
    if (!r.blob_id || faxes.blobReferenced(r.blob_id)) continue;
    try { blobs.remove(r.blob_id); } catch (e) { log(`purge of ${r.id}: ${errorDetail(e)}`); }
  }
  return rows.length;
}

export interface RetentionReport {
  archived: number;
  deleted: number;
  purged: number;
}

export interface RetentionDeps {
  faxes: FaxRepository;
  blobs: BlobStore;
  settings: () => Settings['retention'];
  nowMs: () => number;
  /** Called when anything changed, so the lists and the unread count refresh. */
  onChanged: () => void;
  log: (line: string) => void;
}

export class RetentionJob {
  private readonly d: RetentionDeps;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionReport> | null = null;

  constructor(deps: RetentionDeps) {
    this.d = deps;
  }

  /** Run now, then every RETENTION_INTERVAL_MS until stop(). */
  start(): void {
    if (this.timer) return;
    void this.runOnce().catch(() => undefined);
    this.timer = setInterval(() => { void this.runOnce().catch(() => undefined); }, RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  runOnce(): Promise<RetentionReport> {
    this.running ??= Promise.resolve().then(() => this.pass()).finally(() => { this.running = null; });
    return this.running;
  }

  private pass(): RetentionReport {
    const now = this.d.nowMs();
    const report: RetentionReport = { archived: 0, deleted: 0, purged: 0 };
    const policy = this.d.settings();
    if (policy.enabled && policy.days >= 1) {
      const ids = this.d.faxes.retentionCandidates(now - policy.days * DAY_MS, policy.action);
      if (ids.length > 0) {
        if (policy.action === 'archive') {
          this.d.faxes.archive(ids, true);
          report.archived = ids.length;
        } else {
          this.d.faxes.softDelete(ids, `retention: older than ${policy.days} days`);
          report.deleted = ids.length;
        }
      }
    }
    const days = trashDays(policy);
    const expired = this.d.faxes.deletedBefore(now - days * DAY_MS);
    report.purged = purgeFaxes(this.d.faxes, this.d.blobs, expired, `in the Trash for ${days} days`, this.d.log);
    if (report.archived + report.deleted + report.purged > 0) {
      this.d.log(`retention: ${report.archived} archived, ${report.deleted} deleted, ${report.purged} purged`);
      this.d.onChanged();
    }
    return report;
  }
}
