/**
 * Fax cover pages, put in front of the user's PDF before it is sealed (drawing:
 * cover-page-render.ts). pdf-lib is not built to bound its own time or memory, and the PDF
 * comes from anyone, so it runs in a fresh worker thread (cover-page-worker.ts) under the
 * same kind of limits as pdf.js in ../inbox/pdf-parse.ts: a time limit and a cap on how far
 * this process's resident memory may grow, both enforced with worker.terminate().
 */
import { Worker } from 'node:worker_threads';
import { DeskError, errorDetail } from '../errors.ts';
import type { CoverPageInfo } from './cover-page-render.ts';
import type { CoverPageJob, CoverPageReply } from './cover-page-worker.ts';

export { formatCoverDate, formatCoverNumber, renderCoverPage, type CoverPageInfo } from './cover-page-render.ts';

export interface CoverPageLimits {
  timeoutMs: number;
  /** How far this process's resident memory may grow while the worker runs, MiB. */
  maxMemoryMb: number;
}

/** An honest 100 MiB PDF gets its cover in a few seconds and well under 512 MiB. */
export const COVER_PAGE_LIMITS: Readonly<CoverPageLimits> = { timeoutMs: 30_000, maxMemoryMb: 512 };

const MEMORY_POLL_MS = 50;
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
  return new Promise((resolve) => {
    let settled = false;
    const finish = (reply: CoverPageReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryPoll);
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      void worker.terminate().catch(() => undefined);
      resolve(reply);
    };
    const stopped = (detail: string): void => finish({ ok: false, badPageTree: false, detail });
    const timer = setTimeout(() => stopped(`pdf-lib did not finish within ${limits.timeoutMs} ms; the cover page worker was stopped`), limits.timeoutMs);
    const ceiling = process.memoryUsage.rss() + limits.maxMemoryMb * 1024 * 1024;
    const memoryPoll = setInterval(() => {
      if (process.memoryUsage.rss() > ceiling) stopped(`pdf-lib needed more than ${limits.maxMemoryMb} MiB of memory; the cover page worker was stopped`);
    }, MEMORY_POLL_MS);
    timer.unref();
    memoryPoll.unref();
    worker.on('message', (reply: CoverPageReply) => finish(reply));
    worker.on('error', (e) => stopped(`the cover page worker failed: ${errorDetail(e)}`));
    worker.on('exit', (code) => stopped(`the cover page worker ended (exit code ${code}) without an answer`));
  });
}
