/**
 * Worker thread side of pdf-parse.ts: opens ONE untrusted PDF with pdf.js and reports its page
 * count, then ends. It runs in a worker_thread so that a hostile document that makes pdf.js
 * spin or eat memory can be stopped (worker.terminate(), resourceLimits) without the main
 * process, and with it the whole app, hanging.
 *
 * Plain Node only (no Electron, no code of ours): electron-vite emits this file as its own
 * entry (out/main/pdf-parse-worker.js) and tests load it as .ts, so it must stand alone.
 * pdf.js parses the structure only: eval, XFA and scripting off, nothing rendered.
 */
import { parentPort, workerData } from 'node:worker_threads';

/** What pdf-parse.ts sends in `workerData`; `data` arrives transferred, not copied. */
export interface PdfParseJob {
  data: Uint8Array;
  /** true: any structural error fails (sending); false: pdf.js repairs what it can (counting). */
  strict: boolean;
}

/** What this worker posts back exactly once. */
export type PdfParseReply =
  | { ok: true; pages: number; coverSubject: string | null }
  | { ok: false; detail: string }
  /** pdf.js itself could not be loaded here: says nothing about the document. */
  | { ok: false; unavailable: true; detail: string };

interface PdfJsDocument { numPages: number; getMetadata(): Promise<{ info: { Custom?: Map<string, unknown> | Record<string, unknown> } }> }

/** The Info key our cover pages carry their subject in (cover-page.ts; this file stands alone). */
const COVER_SUBJECT_KEY = 'FxeCoverSubject';
interface PdfJsModule {
  getDocument(src: {
    data: Uint8Array; isEvalSupported: boolean; enableXfa: boolean; verbosity: number; useSystemFonts: boolean;
    disableFontFace: boolean; stopAtErrors: boolean;
  }): { promise: Promise<PdfJsDocument>; destroy(): Promise<void> };
}

async function loadPdfJs(): Promise<PdfJsModule | { failed: string }> {
  // Loading pdf.js's worker module first makes pdf.js parse on this thread (its "fake worker")
  // instead of looking for a web worker, whatever environment it believes it is in.
  try {
    await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    return await import('pdfjs-dist/legacy/build/pdf.mjs');
  } catch (e) {
    return { failed: e instanceof Error ? e.message : String(e) };
  }
}

async function countPages(job: PdfParseJob, loading: Promise<PdfJsModule | { failed: string }>): Promise<PdfParseReply> {
  const lib = await loading;
  if ('failed' in lib) return { ok: false, unavailable: true, detail: `pdf.js could not be loaded: ${lib.failed}` };
  const task = lib.getDocument({
    data: job.data, isEvalSupported: false, enableXfa: false, verbosity: 0, useSystemFonts: false,
    disableFontFace: true, stopAtErrors: job.strict,
  });
  try {
    const doc = await task.promise;
    const pages = doc.numPages;
    if (!Number.isInteger(pages) || pages < 1) return { ok: false, detail: `pdf.js reports ${String(pages)} pages` };
    // Best effort: a document without Info (or a broken one) simply has no subject.
    const custom = await doc.getMetadata().then((m) => m.info.Custom, () => undefined);
    // pdf.js hands custom keys over as a Map (older versions: a plain object).
    const subject = custom instanceof Map ? custom.get(COVER_SUBJECT_KEY) : custom?.[COVER_SUBJECT_KEY];
    return { ok: true, pages, coverSubject: typeof subject === 'string' && subject.trim() ? subject.trim().slice(0, 200) : null };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

async function answer(job: PdfParseJob, loading: Promise<PdfJsModule | { failed: string }>): Promise<PdfParseReply> {
  return countPages(job, loading).catch((e: unknown): PdfParseReply => ({
    ok: false,
    detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
  }));
}

const port = parentPort;
if (port) {
  // Started with its document (workerData), or as a spare: pdf.js loads now, the one
  // document comes by message later (pdf-parse.ts), and the worker ends after its reply.
  const loading = loadPdfJs();
  if (workerData) port.postMessage(await answer(workerData as PdfParseJob, loading));
  else port.once('message', (job: PdfParseJob) => { void answer(job, loading).then((reply) => { port.postMessage(reply); port.close(); }); });
}
