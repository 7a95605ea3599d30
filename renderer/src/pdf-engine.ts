// pdf.js set up for untrusted documents. A received fax is attacker-controlled input, so:
// - no scripting: we never create pdf.js's scripting sandbox (QuickJS is not even shipped);
// - no XFA forms (enableXfa false); no eval (isEvalSupported false, and the CSP has no
//   'unsafe-eval' anyway); no annotation layer, so no links to click out of the app;
// - parsing in pdf.js's worker, bundled by vite from our own origin (CSP worker-src 'self').
// Fonts, CMaps, colour profiles and image decoders are copied next to the build
// (electron.vite.config.ts) so pages render faithfully offline.
// Loaded only when a document is first opened (through pdf.ts): pdf.js is most of the
// renderer's code, and the window's start does not need it.
import { getDocument, GlobalWorkerOptions, PDFWorker, type PDFDocumentProxy } from 'pdfjs-dist';
import type { DocumentInitParameters } from 'pdfjs-dist/types/src/display/api';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

/** Where the build copies pdf.js's resources (see electron.vite.config.ts). */
const ASSET_BASE = new URL('./pdfjs/', document.baseURI).href;

export type { PDFDocumentProxy };

/**
 * A pdf.js worker started ahead of the next document: starting one (fetching and compiling
 * pdf.js's 1.3 MB worker script) is a good part of opening a fax. Each document still gets a
 * worker of its own, never used for another: the next one is started in idle time.
 */
let spareWorker: PDFWorker | null = null;

export function warmWorker(): void {
  spareWorker ??= new PDFWorker();
}

export function openPdf(bytes: Uint8Array): { promise: Promise<PDFDocumentProxy>; destroy: () => Promise<void> } {
  const worker = spareWorker ?? new PDFWorker();
  spareWorker = null;
  const params: DocumentInitParameters & { isEvalSupported: false } = {
    // pdf.js takes ownership of (transfers) the buffer: give it a copy, the caller keeps theirs.
    data: bytes.slice(),
    enableXfa: false,
    isEvalSupported: false,
    standardFontDataUrl: `${ASSET_BASE}standard_fonts/`,
    cMapUrl: `${ASSET_BASE}cmaps/`,
    cMapPacked: true,
    iccUrl: `${ASSET_BASE}iccs/`,
    wasmUrl: `${ASSET_BASE}wasm/`,
    // Render on this thread into a canvas we own, so the page can be read back (tests, print).
    disableWorkerRendering: true,
    stopAtErrors: false,
    worker,
  };
  const task = getDocument(params);
  // The next document's worker, once this one is open and the window is idle.
  void task.promise.then(() => window.requestIdleCallback(warmWorker, { timeout: 2000 }), () => undefined);
  return {
    promise: task.promise,
    destroy: async () => {
      await task.destroy();
      worker.destroy();
    },
  };
}

export interface RenderedPage {
  cssWidth: number;
  cssHeight: number;
}

/**
 * Draw one page into a canvas at `scale` CSS pixels per PDF point, sharp on HiDPI screens.
 * Returns a cancel function; rendering a second time into the same canvas cancels the first.
 */
export function renderPage(
  doc: PDFDocumentProxy,
  pageNumber: number,
  canvas: HTMLCanvasElement,
  scale: number,
  rotation: number,
): { done: Promise<RenderedPage>; cancel: () => void } {
  let cancelled = false;
  let cancelTask: (() => void) | null = null;
  const done = (async () => {
    const page = await doc.getPage(pageNumber);
    if (cancelled) throw new Error('cancelled');
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale, rotation: (page.rotate + rotation) % 360 });
    const width = Math.floor(viewport.width * ratio);
    const height = Math.floor(viewport.height * ratio);
    // Draw into a fresh canvas, then copy: the visible one never shows a half-drawn page.
    const scratch = document.createElement('canvas');
    scratch.width = width;
    scratch.height = height;
    const task = page.render({
      canvas: scratch,
      viewport,
      transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
      background: 'rgb(255,255,255)',
    });
    cancelTask = () => task.cancel();
    await task.promise;
    if (cancelled) throw new Error('cancelled');
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    canvas.getContext('2d')?.drawImage(scratch, 0, 0);
    return { cssWidth: viewport.width, cssHeight: viewport.height };
  })();
  return {
    done,
    cancel: () => {
      cancelled = true;
      cancelTask?.();
    },
  };
}
