/**
 * Combining several files into one fax: what may be combined, how much, and on which paper
 * pictures are laid out. Shared by the services (which enforce the limits) and the renderer
 * (which turns files away early with the same sentences).
 */
import { MAX_PDF_BYTES } from './pdf-limits.ts';

/** Paper that pictures are fitted onto; PDF pages keep their own size. */
export type PaperSize = 'a4' | 'letter';

/** Width and height in PDF points (1/72 inch), portrait. */
export const PAPER_POINTS: Readonly<Record<PaperSize, readonly [number, number]>> = {
  a4: [595.28, 841.89],
  letter: [612, 792],
};

/** Countries whose offices use US Letter (the rest of the world uses A4). */
const LETTER_COUNTRIES = new Set(['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'VE', 'GT', 'CR', 'PA', 'DO', 'PR', 'SV', 'NI', 'HN', 'BZ']);

/** The paper an office in `country` (ISO 3166 code, e.g. "DE") expects. */
export function paperForCountry(country: string | null | undefined): PaperSize {
  return country && LETTER_COUNTRIES.has(country.toUpperCase()) ? 'letter' : 'a4';
}

/** Files in one fax; more is a mistake rather than a fax. */
export const MAX_COMPOSE_FILES = 50;
/** Pages in one fax, cover included: a fax machine at the other end prints every one. */
export const MAX_FAX_PAGES = 500;
/** All files together, before combining: the same cap as one PDF. */
export const MAX_COMPOSE_BYTES = MAX_PDF_BYTES;
/** Pixels in one picture (a full page scanned at 600 dpi is about 35 million). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export type ComposeFileKind = 'pdf' | 'jpeg' | 'png' | 'tiff';

/** What a file is, judged by its first bytes (never its name); null = nothing we can fax. */
export function sniffFileKind(head: Uint8Array): ComposeFileKind | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  // A PDF's header may follow up to a KiB of junk, by the spec's tolerance.
  const text = String.fromCharCode(...head.subarray(0, 1024));
  if (text.includes('%PDF-')) return 'pdf';
  return null;
}

/** Does the name say PDF or a picture we can combine? (A first guess only: contents decide.) */
export function looksFaxable(fileName: string, mimeType = ''): boolean {
  return /\.(pdf|jpe?g|png|tiff?)$/i.test(fileName) || /^(application\/pdf|image\/(jpeg|png|tiff))$/.test(mimeType);
}

export const composeSentences = {
  notFaxable: (name: string) => `${name} cannot be faxed: only PDF files and JPEG, PNG or TIFF pictures can go into a fax.`,
  empty: (name: string) => `${name} is empty (0 bytes). Save or scan it again, then add it.`,
  tooManyFiles: (count: number) => `That is ${count} files; one fax can combine at most ${MAX_COMPOSE_FILES}. Send them as several faxes.`,
  tooLarge: (bytes: number) => `These files add up to ${(bytes / 1048576).toFixed(1)} MiB; one fax can carry just under 100 MiB. Send them as several faxes.`,
  tooManyPages: (pages: number) => `That makes ${pages} pages; one fax can have at most ${MAX_FAX_PAGES}. Remove some pages or send several faxes.`,
  noPages: () => 'Every page has been removed. Keep at least one page to send, or cancel.',
  damagedPicture: (name: string) => `${name} could not be read: the picture seems damaged. Open it and save it again (or scan it again), then add it.`,
  damagedPdf: (name: string) => `${name} could not be read as a PDF: it may be damaged. Save or print it again as a new PDF, then add it.`,
  passwordPdf: (name: string) => `${name} is password-protected, so it cannot be combined. Save an unprotected copy, then add it.`,
  pictureTooLarge: (name: string) => `${name} is too large a picture (over ${MAX_IMAGE_PIXELS / 1_000_000} million pixels). Scan it at a lower resolution, then add it.`,
} as const;
