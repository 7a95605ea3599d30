/**
 * Opening untrusted PDFs with pdf.js, off the main thread and under limits. Received faxes
 * and files picked for sending come from strangers; pdf.js is robust but not built to bound
 * its own time or memory, and the Electron main process must never hang on a document. So
 * each parse runs in a fresh worker_thread (pdf-parse-worker.ts) with:
 *   - a time limit (worker.terminate() when it is reached),
 *   - a memory limit: this process's resident memory may not grow by more than
 *     maxMemoryMb while the worker runs (worker.terminate() when it does).
 * Why the memory is watched from here, and not with V8's heap limit (resourceLimits) alone:
 *   - a worker stuck in a loop never answers worker.getHeapStatistics(); our own event loop
 *     stays free, so a resident-size check here always runs;
 *   - resourceLimits leave out array buffers (inflated streams live there);
 *   - when a worker hits its resourceLimits heap limit, V8 gives it ~16 MiB of slack to stop,
 *     and overshooting that aborts the WHOLE process (Node issue #47224, reproduced here with
 *     a hoarding worker). terminate() never does that.
 * resourceLimits stays as a far-off backstop (HARD_HEAP_LIMIT_MB) for the case where memory
 * grows faster than it is watched, or where terminate() does not take: Node 24 cannot stop a
 * worker that loops on allocating arrays (`for (;;) a.push(new Array(1024))` ignores
 * terminate(); plain loops, objects and strings stop at once). pdf.js is not hostile code, a
 * PDF only steers it, so that is a residual risk, not an expected path.
 * Any overrun ends the worker and is reported as `overrun`, never thrown, so callers decide
 * what it means (inbox: page count unknown; sending: "we could not check this PDF").
 *
 * A fresh worker per document costs one pdf.js load (about 0.5 s and 30-60 MiB here), and
 * guarantees nothing one hostile document did survives into the next.
 */
import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { errorDetail } from '../errors.ts';
import type { PdfParseJob, PdfParseReply, PdfRangeAnswer, PdfSpareLoaded } from './pdf-parse-worker.ts';
import { superviseWorker, type WorkerLimits } from '../workers/supervise.ts';

export type PdfParseOutcome =
  | { kind: 'pages'; pages: number; coverSubject: string | null }
  /** pdf.js opened it and said it is not a usable PDF. */
  | { kind: 'unreadable'; detail: string }
  /** The time or memory limit was reached (or the worker died): the worker was stopped. */
  | { kind: 'overrun'; detail: string }
  /**
   * The worker never came up (its script or pdf.js could not be loaded, e.g. a packaging
   * fault): nothing was learnt about the document, and the document is not to blame.
   */
  | { kind: 'unavailable'; detail: string };

export type PdfParseLimits = WorkerLimits;

/**
 * 10 s is far beyond what an honest fax needs (a 100 MiB PDF opens in about 0.5 s: only the
 * cross-reference table and the page tree are read). 512 MiB: pdf.js itself takes 30-60 MiB,
 * a 500-page fax ~20 MiB more, even a 100 MB file holding a 5-million-entry xref table ~370
 * MiB. The document's own bytes were in memory before the worker started, so do not count.
 */
export const PDF_PARSE_LIMITS: Readonly<PdfParseLimits> = { timeoutMs: 10_000, maxMemoryMb: 512 };

/** Error codes that mean the worker's script never loaded. */
const WORKER_LOAD_ERRORS = new Set([
  'ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_WORKER_PATH', 'ERR_WORKER_INIT_FAILED',
  'ERR_UNKNOWN_FILE_EXTENSION', 'ERR_WORKER_UNSUPPORTED_OPERATION',
]);

/** How often the memory limit is checked. */

/** V8's own heap limit for the worker: a backstop far above maxMemoryMb, see above. */
const HARD_HEAP_LIMIT_MB = 1024;

interface TestOverrides extends Partial<PdfParseLimits> {
  /** A different worker script (tests: one that hangs or eats memory on purpose). */
  workerUrl?: URL;
}
let overrides: TestOverrides | null = null;

/**
 * Tests only: tighter limits or another worker script for every parse that starts from now
 * on, including those the desk services start. `null` restores the defaults.
 */
export function setPdfParseOverridesForTests(o: TestOverrides | null): void {
  overrides = o;
}

/**
 * The worker script sits beside this module in the source tree (.ts, run by Node's type
 * stripping) and beside the bundled main process in out/main/ (.js: electron.vite.config.ts
 * emits it as a second main entry, and every service module is bundled into index.js, whose
 * URL import.meta.url then is). The name is assembled at run time on purpose: the bundler
 * must not try to rewrite this URL into an asset of its own.
 */
function defaultWorkerUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const fileName = `./pdf-parse-worker${extension}`;
  return new URL(fileName, import.meta.url);
}

/**
 * Opens `data` in a fresh worker and reports what happened; never throws. `data` is handed
 * over (transferred) when it owns its whole buffer, so the caller must not use it afterwards;
 * pass a copy to keep yours.
 */
export function parsePdfInWorker(data: Uint8Array, opts: { strict: boolean }): Promise<PdfParseOutcome> {
  const limits = { ...PDF_PARSE_LIMITS, ...overrides };
  const url = overrides?.workerUrl ?? defaultWorkerUrl();
  // Only a view of its whole buffer can be moved; a view into a larger buffer is copied first
  // (cloning the view would copy its whole backing buffer).
  const ownsBuffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  const moved = ownsBuffer ? data : data.slice();
  return launch(url, limits, { data: moved, strict: opts.strict }, [moved.buffer as ArrayBuffer], () => (moved === data ? { data: data.slice(), strict: opts.strict } : undefined));
}

/** Random access to a document's bytes (a stored fax: BlobStore.openRanges). */
export interface PdfByteSource {
  readonly size: number;
  read(begin: number, length: number): Uint8Array;
}

/**
 * Like parsePdfInWorker, but pdf.js asks for the byte ranges it needs (64 KiB at a time) and
 * `source` answers them here, one at a time: a 100 MiB fax is counted with a few hundred KiB
 * in memory instead of the whole document twice. Same worker, same limits. `source` stays the
 * caller's (to close) and is not read any more once the promise settled.
 */
export function parsePdfRangesInWorker(source: PdfByteSource, opts: { strict: boolean; background?: boolean }): Promise<PdfParseOutcome> {
  const limits = { ...PDF_PARSE_LIMITS, ...overrides };
  const url = overrides?.workerUrl ?? defaultWorkerUrl();
  const channel = new MessageChannel();
  let open = true;
  channel.port1.on('message', (ask: { begin?: unknown; end?: unknown }) => {
    if (!open) return;
    const begin = ask.begin;
    let answer: PdfRangeAnswer;
    let transfer: ArrayBuffer[] = [];
    if (typeof begin !== 'number' || typeof ask.end !== 'number' || !Number.isInteger(begin) || !Number.isInteger(ask.end) || begin < 0 || ask.end <= begin || begin >= source.size) {
      answer = { begin: Number(begin), error: `a byte range outside the document (${String(begin)}..${String(ask.end)})` };
    } else {
      try {
        const data = source.read(begin, Math.min(ask.end, source.size) - begin);
        answer = { begin, data };
        transfer = [data.buffer as ArrayBuffer];
      } catch (e) {
        answer = { begin, error: errorDetail(e) };
      }
    }
    channel.port1.postMessage(answer, transfer);
  });
  const job: PdfParseJob = { ranges: { length: source.size, port: channel.port2 }, strict: opts.strict };
  return launch(url, limits, job, [channel.port2], () => undefined, { interactive: opts.background !== true }).finally(() => {
    open = false;
    channel.port1.close();
  });
}

/**
 * Hands `job` to the spare worker or to a fresh one, under the limits. `again` gives a job
 * with copied bytes when the transfer list could not be moved (Node's shared pool), or
 * undefined when there is nothing to retry with. Only interactive parses (the check of a PDF
 * being sent: someone waits for it) take the spare and prepare the next one; background ones
 * (page counts of stored faxes) start their own worker, so a fax arriving never leaves the
 * next Send without a warm worker.
 */
function launch(url: URL, limits: PdfParseLimits, job: PdfParseJob, transferList: TransferListItem[], again: () => PdfParseJob | undefined, opts: { interactive: boolean } = { interactive: true }): Promise<PdfParseOutcome> {
  // The next spare starts loading once this parse is over, never beside it: loading pdf.js
  // keeps a core busy for ~0.2-0.5 s, and beside the check (and the rest of the send: storing
  // the body, the lookup, the seal, with two cores) it slowed the very fax someone waits for.
  // Measured one fax at a time, interleaved in one run at load 7-10: send → stored 653 ms
  // median with the next spare loading beside the check, 468 ms with it loading after.
  const thenPrepareSpare = (outcome: Promise<PdfParseOutcome>): Promise<PdfParseOutcome> =>
    overrides || !opts.interactive || !spareAfterEachCheck ? outcome : outcome.finally(() => { if (!overrides && spareAfterEachCheck) prepareSpare(url); });
  const ready = overrides || !opts.interactive ? undefined : takeSpare();
  if (ready) {
    try {
      ready.postMessage(job, transferList);
      return thenPrepareSpare(supervise(ready, limits));
    } catch {
      // Not movable after all (Node's shared pool): a fresh worker below, with a copy.
      void ready.terminate().catch(() => undefined);
    }
  }
  let worker: Worker;
  try {
    worker = startWorker(url, job, transferList);
  } catch (e) {
    try {
      // A buffer Node marked as not movable (its shared pool) is copied once more instead.
      const copy = again();
      if (!copy) throw e;
      worker = startWorker(url, copy, copy.data ? [copy.data.buffer as ArrayBuffer] : []);
    } catch (again) {
      return Promise.resolve({ kind: 'unavailable', detail: `the PDF worker could not start: ${errorDetail(again)}` });
    }
  }
  return thenPrepareSpare(supervise(worker, limits));
}

/**
 * A fresh worker per document, but started ahead: loading pdf.js takes a worker ~0.3-0.7 s,
 * which was most of the time between "Send" and the fax being queued. One spare worker, with
 * pdf.js already loaded and no document yet, waits for the next parse; each parse takes it, and
 * the next spare starts loading when that parse is over. Still one worker per document (it
 * ends after its reply), under the same limits. An idle spare costs ~30-60 MiB, so it is ended after SPARE_IDLE_MS unused and the
 * next parse pays the start-up again.
 */
const SPARE_IDLE_MS = 120_000;
let spare: { worker: Worker; idle: ReturnType<typeof setTimeout>; loaded: boolean } | undefined;

const isLoadedNotice = (m: unknown): m is PdfSpareLoaded => typeof m === 'object' && m !== null && (m as { loaded?: unknown }).loaded === true;
/** false once a one-shot process (the CLI's send) said it checks one PDF and ends. */
let spareAfterEachCheck = true;

/**
 * Starts loading pdf.js for the next PDF check now, on the other core, while the caller does
 * its other work (the CLI's send: start-up, keys, lookup); the check then finds it loaded.
 * `oneCheck`: this process checks one PDF and ends, so no spare is prepared after it (one
 * would load pdf.js for nothing, on the core the seal and upload hash on).
 */
export function warmPdfCheckWorker(opts: { oneCheck?: boolean } = {}): void {
  if (opts.oneCheck) spareAfterEachCheck = false;
  if (!overrides) prepareSpare(defaultWorkerUrl());
}

function takeSpare(): Worker | undefined {
  const s = spare;
  spare = undefined;
  if (!s) return undefined;
  clearTimeout(s.idle);
  s.worker.removeAllListeners();
  s.worker.ref();
  return s.worker;
}

function prepareSpare(url: URL): void {
  if (spare) return;
  let worker: Worker;
  try {
    worker = new Worker(url, { resourceLimits: { maxOldGenerationSizeMb: HARD_HEAP_LIMIT_MB, stackSizeMb: 4 } });
  } catch {
    return; // the next parse starts its own worker, and reports why if that fails too
  }
  const drop = (): void => {
    if (spare?.worker !== worker) return;
    clearTimeout(spare.idle);
    spare = undefined;
    void worker.terminate().catch(() => undefined);
  };
  worker.on('error', drop);
  worker.on('exit', drop);
  worker.on('message', (m: unknown) => { if (isLoadedNotice(m) && spare?.worker === worker) spare.loaded = true; });
  // A spare never keeps the process alive (after the listeners: a 'message' listener refs it).
  worker.unref();
  const idle = setTimeout(drop, SPARE_IDLE_MS);
  idle.unref();
  spare = { worker, idle, loaded: false };
}

/** Tests: the thread id of the spare worker waiting for the next parse, if there is one. */
export function sparePdfWorkerIdForTests(): number | undefined {
  return spare?.worker.threadId;
}

/** Tests: whether that spare has pdf.js loaded. */
export function sparePdfWorkerLoadedForTests(): boolean {
  return spare?.loaded === true;
}

/** Ends the spare worker (tests and shutdown: nothing is left running). */
export function stopSparePdfWorker(): void {
  const s = spare;
  spare = undefined;
  if (!s) return;
  clearTimeout(s.idle);
  s.worker.removeAllListeners();
  void s.worker.terminate().catch(() => undefined);
}

/** What `transferList` names (the document's buffer, or the range port) is moved into the worker. */
function startWorker(url: URL, job: PdfParseJob, transferList: TransferListItem[]): Worker {
  return new Worker(url, {
    workerData: job,
    transferList,
    resourceLimits: { maxOldGenerationSizeMb: HARD_HEAP_LIMIT_MB, stackSizeMb: 4 },
  });
}

function supervise(worker: Worker, limits: PdfParseLimits): Promise<PdfParseOutcome> {
  return superviseWorker<PdfParseReply, PdfParseOutcome>(worker, limits, 'pdf.js', {
    // A spare taken before it said it was loaded says so now, before its answer.
    notice: isLoadedNotice,
    reply: (reply) => (reply.ok
      ? { kind: 'pages', pages: reply.pages, coverSubject: reply.coverSubject }
      : { kind: 'unavailable' in reply ? 'unavailable' : 'unreadable', detail: reply.detail }),
    overrun: (detail) => ({ kind: 'overrun', detail }),
    failed: (e, detail) => {
      const code = e && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
      // Its script could not be found or loaded: the worker's fault (packaging), not the PDF's.
      if (e && code !== undefined && WORKER_LOAD_ERRORS.has(code)) return { kind: 'unavailable', detail: `the PDF worker could not start: ${errorDetail(e)}` };
      if (code === 'ERR_WORKER_OUT_OF_MEMORY') return { kind: 'overrun', detail: `pdf.js went over its ${HARD_HEAP_LIMIT_MB} MiB hard heap limit: ${errorDetail(e)}` };
      return { kind: 'overrun', detail };
    },
  });
}
