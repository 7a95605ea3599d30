/**
 * Is this file a PDF we can fax? Judged by its structure, never its name: the header, a
 * cross-reference table or stream, a trailer and %%EOF, then pdf.js (the same engine as the
 * viewer, in a worker thread under a time and memory limit) must open it and count its pages.
 * The size cap (MAX_PDF_BYTES, the relay's 100 MiB of ciphertext less the encryption overhead) and its sentence live in shared/, because the
 * renderer turns away the same files with the same words.
 */
import { MAX_PDF_BYTES, pdfTooLargeMessage } from '../../../shared/domain/pdf-limits.ts';
import { DeskError } from '../errors.ts';
import { parsePdfInWorker } from '../inbox/pdf-parse.ts';

export { ENCRYPTION_OVERHEAD_BYTES, MAX_PDF_BYTES } from '../../../shared/domain/pdf-limits.ts';

const latin1 = new TextDecoder('latin1');

function notPdf(detail: string): DeskError {
  return new DeskError('pdf.invalid', 'This file is not a PDF that can be faxed. Save or print the document as PDF and try again.', { detail });
}

/** Cheap structural checks, no parsing of objects. */
export function checkPdfStructure(pdf: Uint8Array): void {
  if (pdf.length === 0) throw new DeskError('pdf.empty', 'This file is empty.', { detail: '0 bytes' });
  if (pdf.length > MAX_PDF_BYTES) {
    throw new DeskError('pdf.too_large', pdfTooLargeMessage(pdf.length), {
      detail: `${pdf.length} bytes > ${MAX_PDF_BYTES}`,
    });
  }
  const head = latin1.decode(pdf.subarray(0, Math.min(pdf.length, 1024)));
  if (!/%PDF-\d\.\d/.test(head)) throw notPdf('no %PDF-x.y header in the first 1024 bytes');
  const tail = latin1.decode(pdf.subarray(Math.max(0, pdf.length - 2048)));
  if (!tail.includes('%%EOF')) throw notPdf('no %%EOF marker at the end (truncated file?)');
  const sx = tail.lastIndexOf('startxref');
  if (sx < 0) throw notPdf('no startxref at the end');
  const offsetMatch = /startxref\s+(\d+)/.exec(tail.slice(sx));
  const offset = offsetMatch?.[1] ? Number(offsetMatch[1]) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset >= pdf.length) throw notPdf('startxref points outside the file');
  const at = latin1.decode(pdf.subarray(offset, Math.min(pdf.length, offset + 64)));
  // A classic table starts with "xref"; a cross-reference stream is an object "n g obj".
  if (!/^\s*xref\b/.test(at) && !/^\s*\d+\s+\d+\s+obj\b/.test(at)) throw notPdf('startxref does not point at an xref table or stream');
  if (/^\s*xref\b/.test(at) && !tail.includes('trailer') && !latin1.decode(pdf.subarray(offset)).includes('trailer')) throw notPdf('xref table without a trailer');
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
export async function validatePdf(pdf: Uint8Array, log?: (line: string) => void): Promise<{ pages: number | null }> {
  checkPdfStructure(pdf);
  // The worker takes over (moves) what it is given: hand it a copy.
  const outcome = await parsePdfInWorker(pdf.slice(), { strict: true });
  switch (outcome.kind) {
    case 'pages': return { pages: outcome.pages };
    case 'unreadable': throw notPdf(`pdf.js could not open it: ${outcome.detail}`);
    case 'overrun': throw uncheckable(outcome.detail);
    case 'unavailable':
      log?.(`pdf check: ${outcome.detail}; structure checked only, page count unknown`);
      return { pages: null };
  }
}
