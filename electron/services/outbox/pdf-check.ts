/**
 * Is this file a PDF we can fax? Judged by its structure, never its name: the header, a
 * cross-reference table or stream, a trailer and %%EOF, then pdf.js (the same engine as the
 * viewer, in a worker thread under a time and memory limit) must open it and count its pages.
 * The size cap (MAX_PDF_BYTES, the relay's 100 MiB of ciphertext less the encryption overhead) and its sentence live in shared/, because the
 * renderer turns away the same files with the same words.
 */
import { MAX_PDF_BYTES, pdfTooLargeMessage } from '../../../shared/domain/pdf-limits.ts';
import { DeskError } from '../errors.ts';
import { parsePdfRangesInWorker, type PdfByteSource } from '../inbox/pdf-parse.ts';

export { ENCRYPTION_OVERHEAD_BYTES, MAX_PDF_BYTES } from '../../../shared/domain/pdf-limits.ts';

const latin1 = new TextDecoder('latin1');

function notPdf(detail: string): DeskError {
  return new DeskError('pdf.invalid', 'This file is not a PDF that can be faxed. Save or print the document as PDF and try again.', { detail });
}

/** Cheap structural checks, no parsing of objects. */
export function checkPdfStructure(pdf: Uint8Array): void {
  checkPdfStructureOf(bytesSource(pdf));
}

/** The same checks on a document read by byte ranges (a file or a stored blob): a few KiB are read. */
export function checkPdfStructureOf(pdf: PdfByteSource): void {
  const size = pdf.size;
  if (size === 0) throw new DeskError('pdf.empty', 'This file is empty.', { detail: '0 bytes' });
  if (size > MAX_PDF_BYTES) {
    throw new DeskError('pdf.too_large', pdfTooLargeMessage(size), {
      detail: `${size} bytes > ${MAX_PDF_BYTES}`,
    });
  }
  const text = (begin: number, end: number): string => latin1.decode(pdf.read(begin, Math.min(size, end) - begin));
  const head = text(0, 1024);
  if (!/%PDF-\d\.\d/.test(head)) throw notPdf('no %PDF-x.y header in the first 1024 bytes');
  const tailStart = Math.max(0, size - 2048);
  const tail = text(tailStart, size);
  if (!tail.includes('%%EOF')) throw notPdf('no %%EOF marker at the end (truncated file?)');
  const sx = tail.lastIndexOf('startxref');
  if (sx < 0) throw notPdf('no startxref at the end');
  const offsetMatch = /startxref\s+(\d+)/.exec(tail.slice(sx));
  const offset = offsetMatch?.[1] ? Number(offsetMatch[1]) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset >= size) throw notPdf('startxref points outside the file');
  const at = text(offset, offset + 64);
  // A classic table starts with "xref"; a cross-reference stream is an object "n g obj".
  if (!/^\s*xref\b/.test(at) && !/^\s*\d+\s+\d+\s+obj\b/.test(at)) throw notPdf('startxref does not point at an xref table or stream');
  if (/^\s*xref\b/.test(at) && !tail.includes('trailer') && !hasTrailerFrom(pdf, offset, tailStart)) throw notPdf('xref table without a trailer');
}

/** Is "trailer" anywhere from `offset` up to where the tail (already searched) starts? Read in 1 MiB steps. */
function hasTrailerFrom(pdf: PdfByteSource, offset: number, tailStart: number): boolean {
  const step = 1024 * 1024;
  for (let at = offset; at < tailStart; at += step) {
    // Overlap by the word's length, so a "trailer" across two steps is found too.
    const end = Math.min(pdf.size, at + step + 'trailer'.length);
    if (latin1.decode(pdf.read(at, end - at)).includes('trailer')) return true;
  }
  return false;
}

/** A document in memory, read by ranges: each range is a copy (pdf.js's worker takes it over). */
function bytesSource(pdf: Uint8Array): PdfByteSource {
  return { size: pdf.length, read: (begin, length) => pdf.slice(begin, begin + length) };
}

/**
 * A PDF pdf.js could not get through within its time and memory limits. Not called "not a
 * PDF": it may be a real (if unusual or hostile) one, and a fresh save usually fixes it.
 */
function uncheckable(detail: string): DeskError {
  return new DeskError(
    'pdf.uncheckable',
    'This PDF could not be checked: opening it took too long or needed too much memory. Save or print it again as a new PDF and try again.',
    { detail },
  );
}

/**
 * Full check: structure, then pdf.js (strict, in a worker under a time and memory limit, see
 * ../inbox/pdf-parse.ts) must open it. Returns the page count. `pdf` is not modified.
 * If the worker itself cannot run (a packaging fault, not the file's), the structural check
 * stands alone and the page count is unknown (null): a broken helper must not stop every fax.
 */
export function validatePdf(pdf: Uint8Array, log?: (line: string) => void): Promise<{ pages: number | null }> {
  return validatePdfSource(bytesSource(pdf), log);
}

/**
 * The same check on a document read by byte ranges: pdf.js asks for the parts it needs (the
 * cross-reference table, the page tree), 64 KiB at a time, instead of being handed a copy of
 * the whole file: a 64 MiB PDF is checked with a few hundred KiB, whatever holds it (memory,
 * or the sealed spool of a file being sent, outbox.submitFileSealed). A damaged table makes pdf.js
 * (strict) fail, as with the whole file. `pdf` stays the caller's to close.
 */
export async function validatePdfSource(pdf: PdfByteSource, log?: (line: string) => void): Promise<{ pages: number | null }> {
  checkPdfStructureOf(pdf);
  const outcome = await parsePdfRangesInWorker(pdf, { strict: true });
  switch (outcome.kind) {
    case 'pages': return { pages: outcome.pages };
    case 'unreadable': throw notPdf(`pdf.js could not open it: ${outcome.detail}`);
    case 'overrun': throw uncheckable(outcome.detail);
    case 'unavailable':
      log?.(`pdf check: ${outcome.detail}; structure checked only, page count unknown`);
      return { pages: null };
  }
}
