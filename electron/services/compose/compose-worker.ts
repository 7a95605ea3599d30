/**
 * Worker thread side of compose.ts: combines ONE set of untrusted files into a fax PDF
 * (assemble.ts), posts the result once, then ends. In a worker so that a file that makes
 * pdf-lib or the TIFF decoder spin or eat memory can be stopped without the app hanging.
 * electron-vite emits this file as its own entry (out/main/compose-worker.js); tests load
 * it as .ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PaperSize } from '../../../shared/domain/compose.ts';
import { assembleFax, type ComposePart } from './assemble.ts';
import { ComposeRefusal } from './pictures.ts';

/** What compose.ts sends in `workerData`; the parts' bytes arrive transferred, not copied. */
export interface ComposeJob {
  parts: ComposePart[];
  paper: PaperSize;
}

/** What this worker posts back exactly once. */
export type ComposeReply =
  | { ok: true; pdf: Uint8Array; pages: number; partPages: number[]; sources: { part: number; page: number }[] }
  | { ok: false; refusal: { code: string; message: string } | null; detail: string };

const port = parentPort;
if (port) {
  const job = workerData as ComposeJob;
  try {
    const out = await assembleFax(job.parts, job.paper);
    port.postMessage({ ok: true, ...out } satisfies ComposeReply, [out.pdf.buffer as ArrayBuffer]);
  } catch (e) {
    const refusal = e instanceof ComposeRefusal ? { code: e.code, message: e.message } : null;
    const detail = e instanceof ComposeRefusal ? e.detail : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    port.postMessage({ ok: false, refusal, detail } satisfies ComposeReply);
  }
}
