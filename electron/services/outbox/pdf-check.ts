/**
 * Is this file a PDF we can fax? Judged by its structure, never its name: the header, a
 * cross-reference table or stream, a trailer and %%EOF, then pdf.js (the same engine as the
 * viewer) must open it and count its pages. The size cap (MAX_PDF_BYTES, the relay's 100 MiB
 * of ciphertext less the encryption overhead) and its sentence live in shared/, because the
 * renderer turns away the same files with the same words.
 */
import { MAX_PDF_BYTES, pdfTooLargeMessage } from '../../../shared/domain/pdf-limits.ts';
import { DeskError } from '../errors.ts';

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

interface PdfJsModule {
  getDocument(src: { data: Uint8Array; stopAtErrors?: boolean; isEvalSupported?: boolean; verbosity?: number; useSystemFonts?: boolean; disableFontFace?: boolean }): {
    promise: Promise<{ numPages: number }>;
    destroy(): Promise<void>;
  };
}

let pdfjs: Promise<PdfJsModule> | null = null;
function loadPdfJs(): Promise<PdfJsModule> {
  // The legacy build runs in plain Node; without a worker it parses on this thread.
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs') as unknown as Promise<PdfJsModule>;
  return pdfjs;
}

/** Full check: structure, then pdf.js must open it. Returns the page count. */
export async function validatePdf(pdf: Uint8Array): Promise<{ pages: number }> {
  checkPdfStructure(pdf);
  const lib = await loadPdfJs();
  // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
  const task = lib.getDocument({ data: pdf.slice(), stopAtErrors: true, isEvalSupported: false, verbosity: 0, useSystemFonts: false, disableFontFace: true });
  try {
    const doc = await task.promise;
    const pages = doc.numPages;
    await task.destroy();
    if (!Number.isInteger(pages) || pages < 1) throw notPdf('no pages');
    return { pages };
  } catch (e) {
    if (e instanceof DeskError) throw e;
    await task.destroy().catch(() => undefined);
    throw notPdf(`pdf.js could not open it: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}
