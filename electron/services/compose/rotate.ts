/**
 * A copy of a fax with some pages turned, for Print and Save: the turns the user made in the
 * viewer (page_rotations) added to each page's own /Rotate. The stored fax is not touched.
 * Runs inside compose-worker.ts: the fax came from anyone, and pdf-lib does not bound its own
 * time or memory.
 */
import { PDFDocument, degrees } from 'pdf-lib';
import type { PageRotation } from '../../../shared/ipc/contract.ts';
import { countPagesStrictly } from '../outbox/cover-page-render.ts';

export async function rotatePages(pdf: Uint8Array, rotations: readonly PageRotation[]): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const pages = countPagesStrictly(doc); // refuses a page tree pdf-lib would loop on
  for (const r of rotations) {
    if (r.page > pages) continue; // remembered for a page this document does not have
    const page = doc.getPage(r.page - 1);
    page.setRotation(degrees((((page.getRotation().angle + r.degrees) % 360) + 360) % 360));
  }
  return doc.save();
}
