/**
 * Page counts for the inbox's "pages" column, for received and sent faxes alike.
 *
 * pdf.js (the legacy build runs in plain Node; loaded lazily, without a worker) parses the
 * document's structure only: eval is off, scripting and XFA are off, and we never render, so
 * nothing inside the PDF is ever executed. Counting is best effort: any failure gives null
 * ("unknown" in the UI) and never stands in the way of storing or sending a fax. It runs
 * after the fax is safely stored, from a queue, one document at a time, so a burst of big
 * faxes does not hold many decrypted copies in memory at once.
 */
import { errorDetail } from '../errors.ts';
import type { BlobStore } from './blob-store.ts';
import type { FaxRepository } from './faxes.ts';

interface PdfJsDocument { numPages: number }
interface PdfJsLoadingTask { promise: Promise<PdfJsDocument>; destroy(): Promise<void> }
interface PdfJsModule {
  getDocument(src: {
    data: Uint8Array; isEvalSupported: boolean; enableXfa: boolean; verbosity: number; useSystemFonts: boolean;
    disableFontFace: boolean; stopAtErrors: boolean;
  }): PdfJsLoadingTask;
}

let pdfjs: Promise<PdfJsModule> | null = null;
function loadPdfJs(): Promise<PdfJsModule> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs') as unknown as Promise<PdfJsModule>;
  return pdfjs;
}

/** Faxes above this size are not parsed a second time just for a number (null instead). */
export const PAGE_COUNT_MAX_BYTES = 128 * 1024 * 1024;

/**
 * The number of pages, or null when the document cannot be read. Never throws. The caller's
 * bytes are left as they are: pdf.js gets a copy (it takes over, detaches, what it is given).
 */
export async function countPdfPages(pdf: Uint8Array): Promise<number | null> {
  if (pdf.length === 0 || pdf.length > PAGE_COUNT_MAX_BYTES) return null;
  return countWithPdfJs(pdf.slice());
}

/**
 * Like countPdfPages, but takes `pdf` over instead of copying it: for a caller that made the
 * buffer for this (a decrypted blob), so a 100 MiB fax is not held twice while it is counted.
 * Afterwards `pdf` is empty (detached by pdf.js) or zeroed; the caller must not use it.
 * pdf.js's own copy is dropped with the document, as the copy always was.
 */
export async function countPdfPagesTakingOwnership(pdf: Uint8Array): Promise<number | null> {
  try {
    if (pdf.length === 0 || pdf.length > PAGE_COUNT_MAX_BYTES) return null;
    // Only a view of its whole buffer can be handed over; pdf.js would copy any other anyway.
    return await countWithPdfJs(pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength ? pdf : pdf.slice());
  } finally {
    // Zero it when it was never handed over; once pdf.js detached it, it reads as empty.
    if (pdf.byteLength > 0) pdf.fill(0);
  }
}

/** Structure only: eval and XFA off, nothing rendered, so nothing in the PDF runs. `data` is pdf.js's from here on. */
async function countWithPdfJs(data: Uint8Array): Promise<number | null> {
  let task: PdfJsLoadingTask | null = null;
  try {
    const lib = await loadPdfJs();
    task = lib.getDocument({
      data, isEvalSupported: false, enableXfa: false, verbosity: 0, useSystemFonts: false, disableFontFace: true, stopAtErrors: false,
    });
    const doc = await task.promise;
    const pages = doc.numPages;
    return Number.isInteger(pages) && pages > 0 ? pages : null;
  } catch {
    return null;
  } finally {
    await task?.destroy().catch(() => undefined);
  }
}

export interface PageCounterDeps {
  faxes: FaxRepository;
  blobs: BlobStore;
  /** Called after a count was saved, so the lists refresh. */
  onCounted: (faxId: string) => void;
  log: (line: string) => void;
}

/**
 * Fills in `pages` for stored faxes that lack it: each new fax (`enqueue`) and, at start-up,
 * every fax left without a count (`backfill`: a crash between storing and counting, or a fax
 * stored by an older version). A fax whose count failed is tried once per run, not in a loop.
 */
export class PageCounter {
  private readonly d: PageCounterDeps;
  private readonly queue: string[] = [];
  private readonly tried = new Set<string>();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(deps: PageCounterDeps) {
    this.d = deps;
  }

  enqueue(faxId: string): void {
    if (this.stopped || this.tried.has(faxId)) return;
    this.tried.add(faxId);
    this.queue.push(faxId);
    this.running ??= this.drain().finally(() => { this.running = null; });
  }

  backfill(): void {
    for (const id of this.d.faxes.idsWithoutPageCount()) this.enqueue(id);
  }

  /** Resolves when everything queued so far has been counted (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.idle();
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined && !this.stopped; id = this.queue.shift()) {
      try {
        const row = this.d.faxes.row(id);
        if (row.pages !== null || !row.blob_id || !row.blob_key) continue;
        // The decrypted copy is ours alone: hand it over rather than copy it again.
        const pages = await countPdfPagesTakingOwnership(this.d.blobs.read(row.blob_id, row.blob_key));
        if (pages === null || this.stopped) continue;
        this.d.faxes.setPages(id, pages);
        this.d.onCounted(id);
      } catch (e) {
        // Deleted meanwhile, or the body is unreadable: the column stays "unknown".
        this.d.log(`page count for ${id}: ${errorDetail(e)}`);
      }
    }
  }
}
