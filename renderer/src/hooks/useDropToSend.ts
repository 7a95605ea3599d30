// Drop a PDF anywhere on the window to send it. dragenter/leave fire for every child, so a
// depth counter decides when the overlay shows. Anything but one PDF of an acceptable size
// gets a sentence saying what to do instead, and nothing is dropped silently.
import { useRef, useState, type DragEvent } from 'react';
import { MAX_PDF_BYTES, pdfTooLargeMessage } from '../../../shared/domain/pdf-limits.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import { isPdfFile } from '../components/SendDialog.tsx';

export interface DropTarget {
  onDragEnter(e: DragEvent): void;
  onDragLeave(e: DragEvent): void;
  onDragOver(e: DragEvent): void;
  onDrop(e: DragEvent): void;
}

export function useDropToSend(onPdf: (pdf: File) => void, onRefused: (error: UserError) => void): { dragging: boolean; dropTarget: DropTarget } {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e: DragEvent) => [...e.dataTransfer.types].includes('Files');
  const dropTarget: DropTarget = {
    onDragEnter(e) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current += 1;
      setDragging(true);
    },
    onDragLeave(e) {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    },
    onDragOver(e) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDrop(e) {
      e.preventDefault();
      depth.current = 0;
      setDragging(false);
      const refusal = checkDroppedFiles([...e.dataTransfer.files]);
      if ('error' in refusal) onRefused(refusal.error);
      else if (refusal.pdf) onPdf(refusal.pdf);
    },
  };
  return { dragging, dropTarget };
}

/** The one PDF to send, an error to show, or neither (nothing was dropped). */
function checkDroppedFiles(files: File[]): { pdf: File | null } | { error: UserError } {
  const pdfs = files.filter(isPdfFile);
  const pdf = pdfs[0];
  if (pdfs.length > 1) {
    // Never keep one and silently drop the others.
    return {
      error: {
        code: 'send_several_files',
        message: `You dropped ${pdfs.length} PDFs. A fax carries one document: drop them one at a time, or combine them into one PDF first.`,
        detail: pdfs.map((f) => f.name).join(', '),
      },
    };
  }
  if (pdf?.size === 0) return { error: { code: 'send_empty_file', message: `${pdf.name} is empty (0 bytes). Save or print the document as PDF again, then drop it here.` } };
  if (!pdf) {
    if (!files.length) return { pdf: null };
    return { error: { code: 'send_not_pdf', message: 'Only PDF files can be faxed. Save the document as PDF first, then drop it here.', detail: files.map((f) => `${f.name} (${f.type || 'unknown type'})`).join(', ') } };
  }
  if (pdf.size > MAX_PDF_BYTES) {
    // The services' own limit and sentence (shared/domain/pdf-limits.ts), checked here only to answer at once.
    return { error: { code: 'pdf.too_large', message: pdfTooLargeMessage(pdf.size), detail: `${pdf.name}: ${pdf.size} bytes > ${MAX_PDF_BYTES}` } };
  }
  return { pdf };
}
