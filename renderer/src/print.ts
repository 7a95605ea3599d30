// The hidden print window: draws every page of the fax at print resolution with pdf.js (the
// same safe settings as the viewer), turns each into an image, and tells main when all are
// laid out so it can open the OS print dialog. Images rather than canvases: a 50-page fax at
// 200 dpi would otherwise hold ~1 GB of canvas memory.
import type { FxePrintApi } from '../../shared/ipc/contract.ts';
import { openPdf, renderPage } from './pdf.ts';

const PRINT_DPI = 200;

declare global {
  interface Window {
    fxePrint?: FxePrintApi;
  }
}

async function layOutForPrint(api: FxePrintApi): Promise<void> {
  const { pdf, jobName } = await api.getDocument();
  document.title = jobName;
  const loading = openPdf(pdf);
  const doc = await loading.promise;
  const container = document.getElementById('pages')!;
  const canvas = document.createElement('canvas');
  for (let n = 1; n <= doc.numPages; n++) {
    // renderPage multiplies by devicePixelRatio; divide it out so the dpi is what we asked for.
    const scale = PRINT_DPI / 72 / (window.devicePixelRatio || 1);
    await renderPage(doc, n, canvas, scale, 0).done;
    const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/png'));
    const img = document.createElement('img');
    img.className = 'sheet';
    img.alt = `Page ${n}`;
    img.src = URL.createObjectURL(blob);
    await img.decode();
    container.append(img);
  }
  await loading.destroy();
  api.ready({ ok: true, pages: doc.numPages });
}

const api = window.fxePrint;
if (api) {
  layOutForPrint(api).catch((err: unknown) => api.ready({ ok: false, message: err instanceof Error ? err.message : String(err) }));
}
