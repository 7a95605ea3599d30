/**
 * Worker thread side of cover-page.ts: adds a cover page to ONE untrusted PDF with pdf-lib,
 * posts the result once, then ends. In a worker so that a document that makes pdf-lib spin
 * or eat memory can be stopped without the main process (and the whole app) hanging.
 * electron-vite emits this file as its own entry (out/main/cover-page-worker.js); tests load
 * it as .ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { addCoverPage, BadPageTree, type CoverPageInfo } from './cover-page-render.ts';

/** What cover-page.ts sends in `workerData`; `pdf` arrives transferred, not copied. */
export interface CoverPageJob {
  pdf: Uint8Array;
  info: CoverPageInfo;
}

/** What this worker posts back exactly once. */
export type CoverPageReply =
  | { ok: true; pdf: Uint8Array; pages: number }
  | { ok: false; badPageTree: boolean; detail: string };

const port = parentPort;
if (port) {
  const job = workerData as CoverPageJob;
  try {
    const out = await addCoverPage(job.pdf, job.info);
    port.postMessage({ ok: true, pdf: out.pdf, pages: out.pages } satisfies CoverPageReply, [out.pdf.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ ok: false, badPageTree: e instanceof BadPageTree, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } satisfies CoverPageReply);
  }
}
