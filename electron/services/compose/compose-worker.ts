/**
 * Worker thread side of compose.ts: ONE job on untrusted files with pdf-lib (and utif2),
 * posts the result once, then ends: combining files into a fax (assemble.ts), or a copy of
 * a fax with pages turned (rotate.ts), or one picture checked and measured (a letterhead logo). In a worker so that a file that makes pdf-lib or the
 * TIFF decoder spin or eat memory can be stopped without the app hanging. electron-vite emits
 * this file as its own entry (out/main/compose-worker.js); tests load it as .ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PaperSize } from '../../../shared/domain/compose.ts';
import type { PageRotation } from '../../../shared/ipc/contract.ts';
import { assembleFax, measurePicture, type ComposePart, type MeasuredPicture } from './assemble.ts';
import { ComposeRefusal } from './pictures.ts';
import { rotatePages } from './rotate.ts';

/** What compose.ts sends in `workerData`; the bytes arrive transferred, not copied. */
export type ComposeJob =
  | { kind: 'combine'; parts: ComposePart[]; paper: PaperSize }
  | { kind: 'rotate'; pdf: Uint8Array; rotations: PageRotation[] }
  | { kind: 'picture'; fileName: string; data: Uint8Array; maxPixels: number };

/** What this worker posts back exactly once. */
export type ComposeReply =
  | { ok: true; pdf: Uint8Array; pages: number; partPages: number[]; sources: { part: number; page: number }[]; picture?: MeasuredPicture }
  | { ok: false; refusal: { code: string; message: string } | null; detail: string };

async function run(job: ComposeJob): Promise<Extract<ComposeReply, { ok: true }>> {
  if (job.kind === 'combine') return { ok: true, ...(await assembleFax(job.parts, job.paper)) };
  if (job.kind === 'picture') return { ok: true, pdf: new Uint8Array(0), pages: 0, partPages: [], sources: [], picture: await measurePicture(job.fileName, job.data, job.maxPixels) };
  return { ok: true, pdf: await rotatePages(job.pdf, job.rotations), pages: 0, partPages: [], sources: [] };
}

const port = parentPort;
if (port) {
  try {
    const out = await run(workerData as ComposeJob);
    port.postMessage(out satisfies ComposeReply, [out.pdf.buffer as ArrayBuffer]);
  } catch (e) {
    const refusal = e instanceof ComposeRefusal ? { code: e.code, message: e.message } : null;
    const detail = e instanceof ComposeRefusal ? e.detail : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    port.postMessage({ ok: false, refusal, detail } satisfies ComposeReply);
  }
}
