/**
 * Combining several files (PDFs, JPEG/PNG/TIFF pictures) into the one PDF a fax carries,
 * before anything is sealed. The cheap checks run here (how many files, how large, what each
 * one is, a PDF's structure) so that most mistakes are answered at once, naming the file;
 * the combining itself runs in a fresh worker thread (compose-worker.ts, drawing in
 * assemble.ts) under the same supervisor as the cover page and the page counter
 * (../workers/supervise.ts): a time limit and a cap on memory growth.
 */
import { Worker } from 'node:worker_threads';
import type { PageRotation } from '../../../shared/ipc/contract.ts';
import { MAX_COMPOSE_BYTES, MAX_COMPOSE_FILES, composeSentences, sniffFileKind, type PaperSize } from '../../../shared/domain/compose.ts';
import { DeskError, errorDetail } from '../errors.ts';
import { checkPdfStructure } from '../outbox/pdf-check.ts';
import { superviseWorker, type WorkerLimits } from '../workers/supervise.ts';
import type { ComposePart, ComposeResult, MeasuredPicture } from './assemble.ts';
import type { ComposeJob, ComposeReply } from './compose-worker.ts';

export type { ComposePart, ComposeResult, MeasuredPicture } from './assemble.ts';

/** Fifty scanned pages decode, re-encode and combine in well under a minute on a slow desk. */
export const COMPOSE_LIMITS: Readonly<WorkerLimits> = { timeoutMs: 120_000, maxMemoryMb: 1024 };

/** V8's own heap limit for the worker: a backstop above maxMemoryMb (see ../inbox/pdf-parse.ts). */
const HARD_HEAP_LIMIT_MB = 1536;

function workerUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./compose-worker${extension}`, import.meta.url);
}

function refuse(code: string, message: string, detail: string): DeskError {
  return new DeskError(code, message, { detail });
}

/** The checks that need no parsing: answered before a worker starts. Throws a DeskError. */
export function precheckParts(parts: readonly ComposePart[]): void {
  if (parts.length === 0) throw refuse('compose.no_files', 'Add the PDF or pictures to send.', 'no files');
  if (parts.length > MAX_COMPOSE_FILES) throw refuse('compose.too_many_files', composeSentences.tooManyFiles(parts.length), `${parts.length} files`);
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  if (total > MAX_COMPOSE_BYTES) throw refuse('compose.too_large', composeSentences.tooLarge(total), `${total} bytes > ${MAX_COMPOSE_BYTES}`);
  for (const part of parts) {
    if (part.data.length === 0) throw refuse('compose.empty_file', composeSentences.empty(part.fileName), `${part.fileName}: 0 bytes`);
    const kind = sniffFileKind(part.data.subarray(0, 1024));
    if (kind === null) throw refuse('compose.not_faxable', composeSentences.notFaxable(part.fileName), `${part.fileName}: neither PDF, JPEG, PNG nor TIFF by its contents`);
    if (kind === 'pdf') {
      try {
        checkPdfStructure(part.data);
      } catch (e) {
        throw refuse('compose.damaged_pdf', composeSentences.damagedPdf(part.fileName), `${part.fileName}: ${errorDetail(e)}`);
      }
    }
  }
}

/**
 * One PDF from `parts`, in their order, pictures fitted onto `paper`. The callers' bytes are
 * not touched (the worker gets copies). Throws a DeskError whose message names the file at
 * fault.
 */
function runWorker(job: ComposeJob, transfer: ArrayBuffer[], limits: WorkerLimits): Promise<ComposeReply> {
  let worker: Worker;
  try {
    worker = new Worker(workerUrl(), { workerData: job, transferList: transfer, resourceLimits: { maxOldGenerationSizeMb: HARD_HEAP_LIMIT_MB, stackSizeMb: 4 } });
  } catch (e) {
    return Promise.resolve({ ok: false, refusal: null, detail: `the compose worker could not start: ${errorDetail(e)}` });
  }
  const stopped = (detail: string): ComposeReply => ({ ok: false, refusal: null, detail });
  const what = job.kind === 'combine' ? 'combining files' : job.kind === 'rotate' ? 'turning pages' : 'reading a picture';
  return superviseWorker<ComposeReply, ComposeReply>(worker, limits, what, { reply: (r) => r, overrun: stopped, failed: (_e, detail) => stopped(detail) });
}

/**
 * One PDF from `parts`, in their order, pictures fitted onto `paper`. The callers' bytes are
 * not touched (the worker gets copies). Throws a DeskError whose message names the file at
 * fault.
 */
export async function composeFax(parts: readonly ComposePart[], paper: PaperSize, limits: WorkerLimits = COMPOSE_LIMITS): Promise<ComposeResult> {
  precheckParts(parts);
  const copies = parts.map((p) => ({ fileName: p.fileName, data: p.data.slice(), removePages: [...p.removePages] }));
  const reply = await runWorker({ kind: 'combine', parts: copies, paper }, copies.map((p) => p.data.buffer), limits);
  if (reply.ok) return { pdf: reply.pdf, pages: reply.pages, partPages: reply.partPages, sources: reply.sources };
  if (reply.refusal) throw refuse(reply.refusal.code, reply.refusal.message, reply.detail);
  throw new DeskError(
    'compose.failed',
    'These files could not be combined: one of them took too long or needed too much memory. Send the largest one on its own, or save it again and try again.',
    { detail: reply.detail },
  );
}

/**
 * A copy of `pdf` with the pages turned as the user turned them in the viewer, for Print and
 * Save. null when pdf-lib cannot rewrite this document (damaged, encrypted, too heavy):
 * the caller then uses the document as it is. `pdf` itself is not touched.
 */
export async function rotatedCopy(pdf: Uint8Array, rotations: readonly PageRotation[], log?: (line: string) => void, limits: WorkerLimits = COMPOSE_LIMITS): Promise<Uint8Array | null> {
  const copy = pdf.slice();
  const reply = await runWorker({ kind: 'rotate', pdf: copy, rotations: [...rotations] }, [copy.buffer], limits);
  if (reply.ok) return reply.pdf;
  log?.(`turning pages for print/save failed, the fax goes out as received: ${reply.detail}`);
  return null;
}

/** A picture is small work: a logo decodes in well under a second. */
export const PICTURE_LIMITS: Readonly<WorkerLimits> = { timeoutMs: 20_000, maxMemoryMb: 512 };

/**
 * One JPEG or PNG from anyone (a letterhead logo), decoded in the same supervised worker as
 * the fax pictures and measured. Throws a DeskError: `refusal` (code, sentence) when the file
 * is at fault, `picture.failed` when the worker was stopped by its limits.
 */
export async function checkPicture(fileName: string, data: Uint8Array, maxPixels: number, limits: WorkerLimits = PICTURE_LIMITS): Promise<MeasuredPicture> {
  const copy = data.slice();
  const reply = await runWorker({ kind: 'picture', fileName, data: copy, maxPixels }, [copy.buffer], limits);
  if (reply.ok && reply.picture) return reply.picture;
  if (!reply.ok && reply.refusal) throw refuse(reply.refusal.code, reply.refusal.message, reply.detail);
  throw new DeskError('picture.failed', `${fileName} could not be read: it took too long or needed too much memory. Save it smaller, then choose it again.`, { detail: reply.ok ? 'no measurement' : reply.detail });
}
