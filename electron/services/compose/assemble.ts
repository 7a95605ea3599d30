/**
 * Builds one fax PDF from several files, in the order given: PDF pages copied as they are,
 * pictures (JPEG, PNG, TIFF pages) each fitted onto a sheet of the office's paper, turned
 * sideways when the picture is wider than tall. Pages the user removed are left out. Pure:
 * bytes in, bytes out; it runs inside compose-worker.ts (see compose.ts), because the files
 * come from anyone and pdf-lib does not bound its own time or memory.
 */
import { PDFDocument, type PDFImage } from 'pdf-lib';
import { MAX_FAX_PAGES, PAPER_POINTS, composeSentences, sniffFileKind, type PaperSize } from '../../../shared/domain/compose.ts';
import { BadPageTree, countPagesStrictly } from '../outbox/cover-page-render.ts';
import { ComposeRefusal, checkJpegComplete, countTiffPages, damagedPicture, forEachTiffPage, type PicturePage } from './pictures.ts';

export interface ComposePart {
  fileName: string;
  data: Uint8Array;
  /** Pages of this file (1-based) to leave out. */
  removePages: number[];
}

export interface ComposeResult {
  pdf: Uint8Array;
  pages: number;
  /** How many pages each part has, before removals (so the UI can offer them back). */
  partPages: number[];
  /** For every page of `pdf`, in order: which part and which of its pages it came from. */
  sources: { part: number; page: number }[];
}

/** White space kept round a picture, in points: printers cannot print to the edge. */
const PICTURE_MARGIN = 18;

function placePicture(doc: PDFDocument, image: PDFImage, aspect: number, paper: PaperSize): void {
  const [shortSide, longSide] = PAPER_POINTS[paper];
  const landscape = aspect > 1;
  const [pageWidth, pageHeight] = landscape ? [longSide, shortSide] : [shortSide, longSide];
  const room = { width: pageWidth - 2 * PICTURE_MARGIN, height: pageHeight - 2 * PICTURE_MARGIN };
  const width = Math.min(room.width, room.height * aspect);
  const height = width / aspect;
  const page = doc.addPage([pageWidth, pageHeight]);
  page.drawImage(image, { x: (pageWidth - width) / 2, y: (pageHeight - height) / 2, width, height });
}

async function embedPicture(doc: PDFDocument, fileName: string, picture: PicturePage): Promise<PDFImage> {
  try {
    return picture.format === 'jpeg' ? await doc.embedJpg(picture.bytes) : await doc.embedPng(picture.bytes);
  } catch (e) {
    throw damagedPicture(fileName, `${picture.format.toUpperCase()} could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function loadPdf(fileName: string, data: Uint8Array): Promise<{ doc: PDFDocument; pages: number }> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(data, { updateMetadata: false });
  } catch (e) {
    const detail = `${fileName}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    if (e instanceof Error && /encrypt/i.test(e.message)) throw new ComposeRefusal('compose.pdf_protected', composeSentences.passwordPdf(fileName), detail);
    throw new ComposeRefusal('compose.damaged_pdf', composeSentences.damagedPdf(fileName), detail);
  }
  try {
    return { doc, pages: countPagesStrictly(doc) };
  } catch (e) {
    if (e instanceof BadPageTree) throw new ComposeRefusal('compose.damaged_pdf', composeSentences.damagedPdf(fileName), `${fileName}: ${e.message}`);
    throw e;
  }
}

export async function assembleFax(parts: ComposePart[], paper: PaperSize): Promise<ComposeResult> {
  const out = await PDFDocument.create();
  const partPages: number[] = [];
  const sources: ComposeResult['sources'] = [];
  const keep = (count: number, remove: number[]) => Array.from({ length: count }, (_, i) => i + 1).filter((n) => !remove.includes(n));
  // The page cap is checked as pages are added, so a 10 000-page file stops early.
  const tooMany = (more: number) => {
    if (sources.length + more > MAX_FAX_PAGES) {
      throw new ComposeRefusal('compose.too_many_pages', composeSentences.tooManyPages(sources.length + more), `over ${MAX_FAX_PAGES} pages`);
    }
  };
  for (const [index, part] of parts.entries()) {
    const kind = sniffFileKind(part.data.subarray(0, 1024));
    if (kind === 'pdf') {
      const { doc, pages } = await loadPdf(part.fileName, part.data);
      partPages.push(pages);
      const wanted = keep(pages, part.removePages);
      tooMany(wanted.length);
      const copied = await out.copyPages(doc, wanted.map((n) => n - 1));
      copied.forEach((p, i) => (out.addPage(p), sources.push({ part: index, page: wanted[i]! })));
    } else if (kind === 'jpeg' || kind === 'png') {
      partPages.push(1);
      if (kind === 'jpeg') checkJpegComplete(part.fileName, part.data);
      if (part.removePages.includes(1)) continue;
      tooMany(1);
      const image = await embedPicture(out, part.fileName, { format: kind, bytes: part.data, aspect: 1 });
      placePicture(out, image, image.width / image.height, paper);
      sources.push({ part: index, page: 1 });
    } else if (kind === 'tiff') {
      const pages = countTiffPages(part.fileName, part.data);
      partPages.push(pages);
      const wanted = keep(pages, part.removePages);
      tooMany(wanted.length);
      const pictures: { picture: PicturePage; page: number }[] = [];
      forEachTiffPage(part.fileName, part.data, wanted, (picture, page) => pictures.push({ picture, page }));
      for (const { picture, page } of pictures) {
        placePicture(out, await embedPicture(out, part.fileName, picture), picture.aspect, paper);
        sources.push({ part: index, page });
      }
    } else {
      throw new ComposeRefusal('compose.not_faxable', composeSentences.notFaxable(part.fileName), `${part.fileName}: unknown format`);
    }
  }
  if (sources.length === 0) throw new ComposeRefusal('compose.no_pages', composeSentences.noPages(), 'every page removed');
  const pdf = await out.save();
  return { pdf, pages: sources.length, partPages, sources };
}

/** A picture checked all the way through: what it is and its size in pixels. */
export interface MeasuredPicture {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

/** A PNG's size from its header (IHDR), before any pixel is inflated; null if there is none. */
function pngHeaderSize(png: Uint8Array): { width: number; height: number } | null {
  if (png.length < 24) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Checks one JPEG or PNG (a letterhead logo) the way a fax picture is checked, and reads its
 * size: a PNG's pixels are decoded (pdf-lib inflates them to embed it), a JPEG must be
 * complete. Anything else is refused with `refusal` naming the file.
 */
export async function measurePicture(fileName: string, data: Uint8Array, maxPixels: number): Promise<MeasuredPicture> {
  const kind = sniffFileKind(data.subarray(0, 1024));
  if (kind !== 'jpeg' && kind !== 'png') throw new ComposeRefusal('picture.not_png_or_jpeg', `${fileName} is not a PNG or JPEG picture.`, `${fileName}: ${kind ?? 'unknown'} by its contents`);
  if (kind === 'jpeg') checkJpegComplete(fileName, data);
  if (kind === 'png') {
    const size = pngHeaderSize(data);
    if (!size || size.width === 0 || size.height === 0) throw damagedPicture(fileName, 'PNG header unreadable');
    if (size.width * size.height > maxPixels) throw new ComposeRefusal('picture.too_many_pixels', composeSentences.pictureTooLarge(fileName), `${fileName}: ${size.width}×${size.height}`);
  }
  const doc = await PDFDocument.create();
  const image = await embedPicture(doc, fileName, { format: kind, bytes: data, aspect: 1 });
  if (!(image.width > 0 && image.height > 0)) throw damagedPicture(fileName, 'no size');
  if (image.width * image.height > maxPixels) throw new ComposeRefusal('picture.too_many_pixels', composeSentences.pictureTooLarge(fileName), `${fileName}: ${image.width}×${image.height}`);
  return { format: kind, width: image.width, height: image.height };
}
