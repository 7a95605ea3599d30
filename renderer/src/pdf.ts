// Opening and drawing PDFs, with pdf.js (pdf-engine.ts) loaded on first use rather than with
// the window: it is the largest part of the renderer, and the Inbox's first rows should not
// wait for it to be fetched and compiled. `warmPdfEngine` loads it once the window is idle,
// so the first fax opened does not wait either.
import type { PDFDocumentProxy } from 'pdfjs-dist';
import type { RenderedPage } from './pdf-engine.ts';

export type { PDFDocumentProxy, RenderedPage };

type Engine = typeof import('./pdf-engine.ts');

let engine: Engine | null = null;
let loading: Promise<Engine> | null = null;

function loadEngine(): Promise<Engine> {
  loading ??= import('./pdf-engine.ts').then((m) => (performance.mark('fxe:pdf-engine'), (engine = m)));
  return loading;
}

/** Load pdf.js and start its worker in the background (idle time), ahead of the first document. */
export function warmPdfEngine(): void {
  const load = () => void loadEngine().then((m) => m.warmWorker(), () => (loading = null));
  window.requestIdleCallback(load, { timeout: 2000 });
}

export function openPdf(bytes: Uint8Array): { promise: Promise<PDFDocumentProxy>; destroy: () => Promise<void> } {
  let opened: { promise: Promise<PDFDocumentProxy>; destroy: () => Promise<void> } | null = null;
  let destroyed = false;
  const promise = loadEngine().then((m) => {
    if (destroyed) throw new Error('The document was closed while it was opening.');
    opened = m.openPdf(bytes);
    return opened.promise;
  });
  return {
    promise,
    destroy: async () => {
      destroyed = true;
      await opened?.destroy();
    },
  };
}

/** Draw one page (see pdf-engine.ts). A document only exists once pdf.js is loaded. */
export function renderPage(doc: PDFDocumentProxy, pageNumber: number, canvas: HTMLCanvasElement, scale: number, rotation: number): { done: Promise<RenderedPage>; cancel: () => void } {
  if (!engine) throw new Error('pdf.js is not loaded: renderPage needs a document from openPdf');
  return engine.renderPage(doc, pageNumber, canvas, scale, rotation);
}
