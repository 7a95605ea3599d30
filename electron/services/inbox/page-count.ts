/**
 * Page counts for the inbox's "pages" column, for received and sent faxes alike.
 *
 * pdf.js parses the document's structure only (eval, scripting and XFA off, nothing
 * rendered, so nothing inside the PDF is ever executed), and it does so in a worker thread
 * under a time and memory limit (pdf-parse.ts): a hostile fax cannot hang or exhaust the main
 * process. Counting is best effort: any failure, an overrun included, gives null ("unknown"
 * in the UI) and never stands in the way of storing or sending a fax. It runs after the fax
 * is safely stored, from a queue, one document at a time, and a stored fax is read by byte
 * ranges (pdf.js asks for what it needs), so even a 100 MiB fax is never held whole.
 */
import type { FaxId } from '../../../shared/domain/ids.ts';
import { errorDetail } from '../errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { FaxRepository } from './faxes.ts';
import { parsePdfInWorker, parsePdfRangesInWorker, type PdfParseOutcome } from './pdf-parse.ts';

/** Faxes above this size are not parsed a second time just for a number (null instead). */
export const PAGE_COUNT_MAX_BYTES = 128 * 1024 * 1024;

/**
 * The number of pages, or null when the document cannot be read in time. Never throws. The
 * caller's bytes are left as they are: the worker gets a copy.
 */
export async function countPdfPages(pdf: Uint8Array): Promise<number | null> {
  if (pdf.length === 0 || pdf.length > PAGE_COUNT_MAX_BYTES) return null;
  return countInWorker(pdf.slice());
}

/**
 * Like countPdfPages, but takes `pdf` over instead of copying it: for a caller that made the
 * buffer for this (a decrypted blob), so a 100 MiB fax is not held twice while it is counted.
 * Afterwards `pdf` is empty (moved into the worker) or zeroed; the caller must not use it.
 * `onUncounted` hears why, when the answer is null for a document pdf.js was given.
 */
export async function countPdfPagesTakingOwnership(pdf: Uint8Array, onUncounted?: (detail: string) => void, onSubject?: (subject: string) => void): Promise<number | null> {
  try {
    if (pdf.length === 0 || pdf.length > PAGE_COUNT_MAX_BYTES) return null;
    // A view of its whole buffer is moved as is; any other is copied by parsePdfInWorker.
    return await countInWorker(pdf, onUncounted, onSubject);
  } finally {
    // Zero it when it was never handed over; once moved to the worker, it reads as empty.
    if (pdf.byteLength > 0) pdf.fill(0);
  }
}

/**
 * The page count of a stored body, read by byte ranges: the blob is authenticated in one
 * streamed pass, then pdf.js asks for the ranges it needs (the cross-reference table, the page
 * tree, the Info dictionary), each decrypted on its own. A 100 MiB fax is never held whole.
 * Throws only what opening the blob throws (missing, damaged); otherwise like countPdfPages.
 */
export async function countStoredPdfPages(blobs: BlobStore, blobId: string, wrappedKey: Uint8Array, onUncounted?: (detail: string) => void, onSubject?: (subject: string) => void): Promise<number | null> {
  const ranges = await blobs.openRanges(blobId, wrappedKey);
  try {
    if (ranges.size === 0 || ranges.size > PAGE_COUNT_MAX_BYTES) return null;
    return interpret(await parsePdfRangesInWorker(ranges, { strict: false, background: true }), onUncounted, onSubject);
  } finally {
    ranges.close();
  }
}

function interpret(outcome: PdfParseOutcome, onUncounted?: (detail: string) => void, onSubject?: (subject: string) => void): number | null {
  if (outcome.kind === 'pages') {
    if (outcome.coverSubject) onSubject?.(outcome.coverSubject);
    return outcome.pages;
  }
  onUncounted?.(outcome.detail);
  return null;
}

/** Lenient (pdf.js repairs what it can): a count is all we want. `data` is the worker's from here on. */
async function countInWorker(data: Uint8Array, onUncounted?: (detail: string) => void, onSubject?: (subject: string) => void): Promise<number | null> {
  return interpret(await parsePdfInWorker(data, { strict: false }), onUncounted, onSubject);
}

export interface PageCounterDeps {
  faxes: FaxRepository;
  blobs: BlobStore;
  /** Called after a count was saved, so the lists refresh. */
  onCounted: (faxId: FaxId) => void;
  log: (line: string) => void;
  /** Quiet time after the last enqueue before counting starts (default PAGE_COUNT_QUIET_MS). */
  quietMs?: number;
}

/**
 * Counting waits until no new fax came or went for this long. A count loads pdf.js in a worker
 * (~0.3-0.7 s of CPU on one of the two cores here); run right after a receive, it competed
 * with the next send (its PDF check, seal and upload) for the CPU. The column shows "unknown"
 * for this long instead.
 */
export const PAGE_COUNT_QUIET_MS = 1500;

/**
 * Fills in `pages` for stored faxes that lack it: each new fax (`enqueue`) and, at start-up,
 * every fax left without a count (`backfill`: a crash between storing and counting, or a fax
 * stored by an older version). A fax whose count failed is tried once per run, not in a loop.
 */
export class PageCounter {
  private readonly d: PageCounterDeps;
  private readonly queue: FaxId[] = [];
  private readonly tried = new Set<FaxId>();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(deps: PageCounterDeps) {
    this.d = deps;
  }

  private quietTimer: ReturnType<typeof setTimeout> | null = null;

  enqueue(faxId: FaxId): void {
    if (this.stopped || this.tried.has(faxId)) return;
    this.tried.add(faxId);
    this.queue.push(faxId);
    // Debounced: every new fax pushes the start back (see PAGE_COUNT_QUIET_MS).
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.startNow(), this.d.quietMs ?? PAGE_COUNT_QUIET_MS);
    this.quietTimer.unref();
  }

  private startNow(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    if (this.stopped || this.queue.length === 0) return;
    this.running ??= this.drain().finally(() => { this.running = null; });
  }

  backfill(): void {
    for (const id of this.d.faxes.idsWithoutPageCount()) this.enqueue(id);
  }

  /** Counts what is queued now, without the quiet wait, and resolves when it is done (tests, shutdown). */
  async idle(): Promise<void> {
    this.startNow();
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    this.queue.length = 0;
    await this.idle();
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined && !this.stopped; id = this.queue.shift()) {
      try {
        const row = this.d.faxes.row(id);
        if (row.pages !== null || !row.blob_id || !row.blob_key) continue;
        let subject: string | null = null;
        const pages = await countStoredPdfPages(this.d.blobs, row.blob_id, row.blob_key, (why) => {
          this.d.log(`page count for ${id} left unknown: ${why}`);
        }, (s) => { subject = s; });
        if (pages === null || this.stopped) continue;
        // The cover page's subject, read in the same pass (received faxes learn it only here).
        if (subject !== null && row.subject === null) this.d.faxes.setSubject(id, subject);
        this.d.faxes.setPages(id, pages);
        this.d.onCounted(id);
      } catch (e) {
        // Deleted meanwhile, or the body is unreadable: the column stays "unknown".
        this.d.log(`page count for ${id}: ${errorDetail(e)}`);
      }
    }
  }
}
