// Drop PDFs or pictures anywhere on the window to send them (several become one fax, in the
// order dropped). dragenter/leave fire for every child, so a depth counter decides when the
// overlay shows. A file that cannot be faxed, or too much in all, gets a sentence saying so,
// and nothing is dropped silently.
import { useRef, useState, type DragEvent } from 'react';
import { MAX_PDF_BYTES, pdfTooLargeMessage } from '../../../shared/domain/pdf-limits.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import { composeSentences, looksFaxable } from '../../../shared/domain/compose.ts';

export interface DropTarget {
  onDragEnter(e: DragEvent): void;
  onDragLeave(e: DragEvent): void;
  onDragOver(e: DragEvent): void;
  onDrop(e: DragEvent): void;
}

export function useDropToSend(onFiles: (files: File[]) => void, onRefused: (error: UserError) => void): { dragging: boolean; dropTarget: DropTarget } {
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
      const { files, error } = checkDroppedFiles([...e.dataTransfer.files]);
      if (error) onRefused(error);
      if (files.length) onFiles(files);
    },
  };
  return { dragging, dropTarget };
}

/** The files that may join the fax, and what to say about the rest (each checked fully once added). */
function checkDroppedFiles(files: File[]): { files: File[]; error: UserError | null } {
  const faxable = files.filter((f) => looksFaxable(f.name, f.type));
  const others = files.filter((f) => !looksFaxable(f.name, f.type));
  const total = faxable.reduce((n, f) => n + f.size, 0);
  if (total > MAX_PDF_BYTES) {
    // The services' own limit and sentence (shared/), checked here only to answer at once.
    const message = faxable.length === 1 ? pdfTooLargeMessage(total) : composeSentences.tooLarge(total);
    return { files: [], error: { code: 'pdf.too_large', message, detail: `${faxable.map((f) => f.name).join(', ')}: ${total} bytes > ${MAX_PDF_BYTES}` } };
  }
  if (others.length === 0) return { files: faxable, error: null };
  const names = others.map((f) => f.name);
  return {
    files: faxable,
    error: {
      code: 'send_not_faxable',
      message: names.length === 1 ? composeSentences.notFaxable(names[0]!) : `${names.join(', ')} cannot be faxed: only PDF files and JPEG, PNG or TIFF pictures can go into a fax.`,
      detail: others.map((f) => `${f.name} (${f.type || 'unknown type'})`).join(', '),
    },
  };
}
