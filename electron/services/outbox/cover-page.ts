/**
 * Fax cover pages, put in front of the user's PDF before it is sealed (drawing:
 * cover-page-render.ts). pdf-lib is not built to bound its own time or memory, and the PDF
 * comes from anyone, so it runs in a fresh worker thread (cover-page-worker.ts) under the
 * same supervisor as pdf.js in ../inbox/pdf-parse.ts (../workers/supervise.ts): a time limit
 * and a cap on how far this process's resident memory may grow.
 */
import { Worker } from 'node:worker_threads';
import { DeskError, errorDetail } from '../errors.ts';
import type { CoverPageInfo } from './cover-page-render.ts';
import type { CoverPageJob, CoverPageReply } from './cover-page-worker.ts';
import { superviseWorker, type WorkerLimits } from '../workers/supervise.ts';

export { formatCoverDate, formatCoverNumber, renderCoverPage, type CoverPageInfo, type Letterhead } from './cover-page-render.ts';

export type CoverPageLimits = WorkerLimits;

/** An honest 100 MiB PDF gets its cover in a few seconds and well under 512 MiB. */
export const COVER_PAGE_LIMITS: Readonly<CoverPageLimits> = { timeoutMs: 30_000, maxMemoryMb: 512 };

/** V8's own heap limit for the worker: a backstop far above maxMemoryMb (see pdf-parse.ts). */
const HARD_HEAP_LIMIT_MB = 1024;

/** Beside this module as .ts (tests), beside the bundled index.js as .js (the app). */
function workerUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./cover-page-worker${extension}`, import.meta.url);
}

function coverFailed(detail: string, cause?: unknown): DeskError {
  return new DeskError(
    'cover.failed',
    'A cover page could not be added to this PDF (it may be password-protected or damaged). Send it without a cover page, or save it again as a new PDF.',
    { detail, ...(cause === undefined ? {} : { cause }) },
  );
}

/**
 * Returns a new PDF: the cover first, then the document's pages unchanged, and the total
 * page count. `pdf` itself is not touched (the worker gets a copy).
 */
export async function prependCoverPage(pdf: Uint8Array, info: CoverPageInfo, limits: CoverPageLimits = COVER_PAGE_LIMITS): Promise<{ pdf: Uint8Array; pages: number }> {
  const job: CoverPageJob = { pdf: pdf.slice(), info };
  let worker: Worker;
  try {
    worker = new Worker(workerUrl(), {
      workerData: job, transferList: [job.pdf.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: HARD_HEAP_LIMIT_MB, stackSizeMb: 4 },
    });
  } catch (e) {
    throw coverFailed(`the cover page worker could not start: ${errorDetail(e)}`, e);
  }
  const reply = await supervise(worker, limits);
  if (reply.ok) return { pdf: reply.pdf, pages: reply.pages };
  throw coverFailed(reply.detail);
}

function supervise(worker: Worker, limits: CoverPageLimits): Promise<CoverPageReply> {
  const stopped = (detail: string): CoverPageReply => ({ ok: false, badPageTree: false, detail });
  return superviseWorker<CoverPageReply, CoverPageReply>(worker, limits, 'pdf-lib', { reply: (reply) => reply, overrun: stopped, failed: (_e, detail) => stopped(detail) });
}
