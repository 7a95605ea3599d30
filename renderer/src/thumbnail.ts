// The first page of a fax as a small PNG, for its transmission report (as fax machines print a
// reduced copy of page 1). Drawn with the same hardened pdf.js set-up as the viewer.
import { openPdf, renderPage } from './pdf.ts';

/** About 180 px wide: sharp in a 150-point box on paper, a few tens of KiB. */
const THUMBNAIL_SCALE = 0.3;

export async function firstPagePng(pdf: Uint8Array): Promise<Uint8Array | null> {
  const { promise, destroy } = openPdf(pdf);
  try {
    const doc = await promise;
    const canvas = document.createElement('canvas');
    await renderPage(doc, 1, canvas, THUMBNAIL_SCALE / (window.devicePixelRatio || 1), 0).done;
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
  } catch {
    // No picture is better than no report: the facts are what matter.
    return null;
  } finally {
    await destroy();
  }
}
