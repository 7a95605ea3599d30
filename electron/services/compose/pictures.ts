/**
 * Pictures that go into a fax: JPEG and PNG as they are (pdf-lib embeds both), TIFF decoded
 * page by page (utif2) and re-encoded as PNG. Every check here answers with a reason a
 * receptionist can act on, naming the file (ComposeRefusal): a damaged scan is said to be
 * damaged, never passed on to draw as a grey page.
 */
import UTIF from 'utif2';
import { MAX_IMAGE_PIXELS, composeSentences } from '../../../shared/domain/compose.ts';
import { encodePng } from './png-encode.ts';

/** A file that cannot go into the fax, with the sentence to show and what was found. */
export class ComposeRefusal extends Error {
  readonly code: string;
  readonly detail: string;
  constructor(code: string, message: string, detail: string) {
    super(message);
    this.name = 'ComposeRefusal';
    this.code = code;
    this.detail = detail;
  }
}

export function damagedPicture(fileName: string, detail: string): ComposeRefusal {
  return new ComposeRefusal('compose.damaged_picture', composeSentences.damagedPicture(fileName), `${fileName}: ${detail}`);
}

/** One page of a picture, ready for pdf-lib, and its physical shape (width / height). */
export interface PicturePage {
  format: 'jpeg' | 'png';
  bytes: Uint8Array;
  /** Width over height as printed (a fax TIFF's pixels are often twice as tall as wide). */
  aspect: number;
}

/**
 * A JPEG must end with its end-of-image marker: a file cut short (an interrupted copy or
 * download) otherwise embeds fine and shows a half-grey page at the other end.
 */
export function checkJpegComplete(fileName: string, jpeg: Uint8Array): void {
  const tail = jpeg.subarray(Math.max(0, jpeg.length - 64));
  for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return;
  throw damagedPicture(fileName, 'no JPEG end-of-image marker (the file is cut short)');
}

function tagNumbers(ifd: UTIF.IFD, tag: string): number[] {
  const v = ifd[tag];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return (v as unknown[]).filter((x): x is number => typeof x === 'number');
  return [];
}

/** A resolution tag (a RATIONAL, which utif2 gives as [[numerator, denominator]]) in dots per unit. */
function resolution(ifd: UTIF.IFD, tag: string): number | null {
  const v = ifd[tag] as unknown;
  const pair = Array.isArray(v) ? (v[0] as unknown) : null;
  const value = Array.isArray(pair) && typeof pair[0] === 'number' && typeof pair[1] === 'number' && pair[1] > 0 ? pair[0] / pair[1] : typeof pair === 'number' ? pair : null;
  return value !== null && Number.isFinite(value) && value > 0 ? value : null;
}

/** Vertical over horizontal resolution (how much taller than wide a pixel prints), 1 when the file does not say. */
function pixelAspect(ifd: UTIF.IFD): number {
  const x = resolution(ifd, 't282');
  const y = resolution(ifd, 't283');
  // A ratio beyond 1:4 is a broken tag, not a real scanner: ignore it.
  return x && y && y / x >= 0.25 && y / x <= 4 ? y / x : 1;
}

/** How many pages (full-size images) a TIFF holds, without decoding any pixels. */
function tiffPages(fileName: string, tiff: Uint8Array): UTIF.IFD[] {
  let ifds: UTIF.IFD[];
  try {
    ifds = UTIF.decode(tiff.slice().buffer);
  } catch (e) {
    throw damagedPicture(fileName, `TIFF structure unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Reduced-resolution copies (thumbnails) are not pages: bit 0 of NewSubfileType.
  const pages = ifds.filter((ifd) => (tagNumbers(ifd, 't254')[0] ?? 0) % 2 === 0);
  if (pages.length === 0) throw damagedPicture(fileName, 'no image in the TIFF');
  return pages;
}

export function countTiffPages(fileName: string, tiff: Uint8Array): number {
  return tiffPages(fileName, tiff).length;
}

/**
 * Decodes the TIFF's pages (1-based numbers in `pageNumbers`) one at a time and hands each
 * to `use` as a PNG, so a 30-page scan never holds more than one page of pixels.
 */
export function forEachTiffPage(fileName: string, tiff: Uint8Array, pageNumbers: number[], use: (page: PicturePage, pageNumber: number) => void): void {
  const pages = tiffPages(fileName, tiff);
  const buffer = tiff.slice().buffer;
  for (const n of pageNumbers) {
    const ifd = pages[n - 1];
    if (!ifd) throw damagedPicture(fileName, `no page ${n}`);
    const width = tagNumbers(ifd, 't256')[0] ?? 0;
    const height = tagNumbers(ifd, 't257')[0] ?? 0;
    if (!(width > 0 && height > 0)) throw damagedPicture(fileName, `page ${n} has no size`);
    if (width * height > MAX_IMAGE_PIXELS) {
      throw new ComposeRefusal('compose.picture_too_large', composeSentences.pictureTooLarge(fileName), `${fileName}: page ${n} is ${width}×${height}`);
    }
    // The pixel data (strips or tiles) must lie inside the file: utif2 reads a cut-short
    // file without complaint and fills the rest with black.
    const offsets = [...tagNumbers(ifd, 't273'), ...tagNumbers(ifd, 't324')];
    const counts = [...tagNumbers(ifd, 't279'), ...tagNumbers(ifd, 't325')];
    if (offsets.length === 0 || offsets.length !== counts.length || offsets.some((o, i) => o + counts[i]! > tiff.length)) {
      throw damagedPicture(fileName, `page ${n}: image data missing or beyond the end of the file (${tiff.length} bytes)`);
    }
    let rgba: Uint8Array;
    try {
      UTIF.decodeImage(buffer, ifd);
      rgba = UTIF.toRGBA8(ifd);
    } catch (e) {
      throw damagedPicture(fileName, `page ${n} could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (rgba.length < width * height * 4) throw damagedPicture(fileName, `page ${n} decoded to ${rgba.length} bytes, expected ${width * height * 4}`);
    use({ format: 'png', bytes: encodePng(width, height, rgba), aspect: (width / height) * pixelAspect(ifd) }, n);
    // Let the page's pixels go before the next one is decoded.
    (ifd as { data?: Uint8Array }).data = new Uint8Array(0);
  }
}
