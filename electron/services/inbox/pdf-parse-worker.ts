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
import { MessageChannel, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { PDFDataRangeTransport } from 'pdfjs-dist/legacy/build/pdf.mjs';

/**
 * What pdf-parse.ts sends in `workerData` or by message. Either the document itself (`data`,
 * transferred, not copied) or, for a stored fax, its length and a port to ask for byte ranges
 * on (`ranges`): pdf.js then reads only what it needs (the cross-reference table, the page
 * tree, the Info dictionary), not the whole body.
 */
export interface PdfParseJob {
  data?: Uint8Array;
  ranges?: { length: number; port: MessagePort };
  /** true: any structural error fails (sending); false: pdf.js repairs what it can (counting). */
  strict: boolean;
}

/** Over a job's `ranges.port`: this worker asks `{ begin, end }`, the other side answers one of these. */
export type PdfRangeAnswer = { begin: number; data: Uint8Array } | { begin: number; error: string };

/** The bytes pdf.js asks for at a time (its chunk size) when reading by ranges. */
const RANGE_CHUNK_BYTES = 64 * 1024;

/** What a spare posts once pdf.js is loaded and warmed up (warmUpPdf), before any answer. */
export interface PdfSpareLoaded { loaded: true }

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
    isEvalSupported: boolean; enableXfa: boolean; verbosity: number; useSystemFonts: boolean;
    disableFontFace: boolean; stopAtErrors: boolean;
  } & ({ data: Uint8Array } | {
    range: PDFDataRangeTransport; length: number; rangeChunkSize: number; disableAutoFetch: boolean; disableStream: boolean;
  })): { promise: Promise<PdfJsDocument>; destroy(): Promise<void> };
  PDFDataRangeTransport: typeof PDFDataRangeTransport;
}

async function loadPdfJs(): Promise<PdfJsModule | { failed: string }> {
  // pdf.js's two modules touch globalThis.Response as they load (to polyfill Response#bytes),
  // and in Node that global is undici's, loaded on first touch: ~30 ms of this thread, with
  // every PDF check waiting for it. Nothing here fetches, so a bare class stands in. (A plain
  // assignment: defining the property would load undici all the same.)
  (globalThis as { Response?: unknown }).Response = class Response {};
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
  const options = { isEvalSupported: false, enableXfa: false, verbosity: 0, useSystemFonts: false, disableFontFace: true, stopAtErrors: job.strict };
  let rangeFailed: Promise<never> | undefined;
  let task: ReturnType<PdfJsModule['getDocument']>;
  if (job.ranges) {
    const { length, port } = job.ranges;
    const transport = new lib.PDFDataRangeTransport(length, null);
    // Only what pdf.js asks for: no background fetching of the rest (disableAutoFetch).
    transport.requestDataRange = (begin, end) => port.postMessage({ begin, end });
    rangeFailed = new Promise<never>((_, reject) => {
      port.on('message', (answer: PdfRangeAnswer) => {
        if ('error' in answer) reject(new Error(`the stored fax could not be read: ${answer.error}`));
        else transport.onDataRange(answer.begin, answer.data);
      });
    });
    rangeFailed.catch(() => undefined);
    task = lib.getDocument({ ...options, range: transport, length, rangeChunkSize: RANGE_CHUNK_BYTES, disableAutoFetch: true, disableStream: true });
  } else {
    task = lib.getDocument({ ...options, data: job.data ?? new Uint8Array(0) });
  }
  try {
    const doc = rangeFailed ? await Promise.race([task.promise, rangeFailed]) : await task.promise;
    const pages = doc.numPages;
    if (!Number.isInteger(pages) || pages < 1) return { ok: false, detail: `pdf.js reports ${String(pages)} pages` };
    // Best effort: a document without Info (or a broken one) simply has no subject.
    const metadata = doc.getMetadata().then((m) => m.info.Custom, () => undefined);
    const custom = rangeFailed ? await Promise.race([metadata, rangeFailed]).catch(() => undefined) : await metadata;
    // pdf.js hands custom keys over as a Map (older versions: a plain object).
    const subject = custom instanceof Map ? custom.get(COVER_SUBJECT_KEY) : custom?.[COVER_SUBJECT_KEY];
    return { ok: true, pages, coverSubject: typeof subject === 'string' && subject.trim() ? subject.trim().slice(0, 200) : null };
  } finally {
    await task.destroy().catch(() => undefined);
    job.ranges?.port.close(); // an open port would keep this worker alive
  }
}

/**
 * A one-page PDF of our own (with an Info dictionary, like our cover pages), which a spare
 * parses once pdf.js is loaded, through the same byte-range path and strictness as a real
 * check: pdf.js's parser then runs compiled rather than interpreted when the real document
 * comes. A 1 MiB check took ~17 ms in a fresh spare, ~5 ms after this. No byte from anyone
 * else has been in the worker before its one document.
 */
export function warmUpPdf(): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
    '<< /Producer (fxe Desk) /FxeCoverSubject (warm-up) >>',
  ];
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(text);
}

/** The warm-up parse (see warmUpPdf): best effort, its outcome is not used. */
async function warmUp(loading: Promise<PdfJsModule | { failed: string }>): Promise<void> {
  const doc = warmUpPdf();
  const channel = new MessageChannel();
  channel.port1.on('message', (ask: { begin: number; end: number }) => {
    const data = doc.slice(ask.begin, Math.min(ask.end, doc.length));
    channel.port1.postMessage({ begin: ask.begin, data } satisfies PdfRangeAnswer, [data.buffer]);
  });
  try {
    await answer({ ranges: { length: doc.length, port: channel.port2 }, strict: true }, loading);
  } finally {
    channel.port1.close();
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
  // Once the answer is posted this worker is done. pdf.js may still throw from a task the
  // answer's `destroy()` cut short (its "Worker was terminated" after a failed byte range);
  // thrown then, it would reach the caller as this worker's error, and could arrive before
  // the answer. Before the answer, an uncaught error still ends the worker as it should.
  let answered = false;
  process.on('uncaughtException', (e) => {
    if (!answered) throw e;
  });
  const reply = (r: PdfParseReply): void => {
    answered = true;
    port.postMessage(r);
  };
  if (workerData) reply(await answer(workerData as PdfParseJob, loading));
  else {
    // A spare: pdf.js loads and parses our own warm-up document before it says it is ready;
    // its one document waits for that (it never shares the worker with the warm-up).
    const warmed = loading.then(() => warmUp(loading)).catch(() => undefined);
    // Registered before the document's answer() is: this notice always comes before the answer.
    void warmed.then(() => port.postMessage({ loaded: true } satisfies PdfSpareLoaded));
    port.once('message', (job: PdfParseJob) => { void warmed.then(() => answer(job, loading)).then((r) => { reply(r); port.close(); }); });
  }
}
