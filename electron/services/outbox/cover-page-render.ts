/**
 * Drawing fax cover pages: a one-page sheet (to, from, subject, message, page count, date),
 * with the chosen template's letterhead (logo, office name, reply numbers, confidentiality
 * notice) when there is one, put in front of the user's PDF before it is sealed. Pure: bytes and facts in, new
 * bytes out; the user's file is never modified. Drawn with pdf-lib's built-in Helvetica, so
 * nothing (no font file, no network) is needed at run time.
 *
 * The user's PDF is untrusted (it may come from anyone), and pdf-lib walks its page tree
 * without guarding against a node listed twice: a few KiB whose page tree nodes each list the
 * next one twice make it visit 2^depth pages. So the tree is walked here first, each node at
 * most once, and such a file is refused. This module runs inside cover-page-worker.ts (see
 * cover-page.ts): plain Node, no code of ours beyond this file.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRef, StandardFonts, rgb, type PDFFont, type PDFImage, type PDFPage } from 'pdf-lib';
import { encodable, wrap } from '../print/pdf-text.ts';

export interface CoverPageInfo {
  toName: string;
  toNumber: string;
  fromName: string;
  fromNumber: string;
  subject: string;
  message: string;
  /** Pages of the document itself (null: unknown); the cover states the total including itself. */
  documentPages: number | null;
  /** When the fax is sent (shown on the sheet). */
  date: Date;
  /** The chosen template's letterhead; absent or null: the plain sheet. */
  letterhead?: Letterhead | null;
}

/** What a cover-page template adds to the sheet: the office's logo and fields. */
export interface Letterhead {
  officeName: string;
  replyFax: string;
  replyPhone: string;
  /** A confidentiality notice, printed in a box at the foot of the sheet. */
  notice: string;
  /** Already checked when the office chose it (cover-templates.ts). */
  logo: { format: 'png' | 'jpeg'; bytes: Uint8Array } | null;
}

/** The logo's box at the top left: wide logos are common, tall ones are kept small. */
const LOGO_MAX_WIDTH = 160;
const LOGO_MAX_HEIGHT = 56;

const LETTER: [number, number] = [612, 792];
const MARGIN = 56;
const LABEL_WIDTH = 96;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.38, 0.4, 0.44);
const RULE = rgb(0.75, 0.77, 0.8);

/** "Thu 7 May 2026, 14:03": unambiguous for people on both sides of the Atlantic. */
export function formatCoverDate(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  return `${days[d.getDay()]} ${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()}, ${hh}:${mm}`;
}

/**
 * "+1 555 222 0002" rather than "+15552220002": the cover is read by people, and someone
 * calling back dials from it. E.164 stays everywhere else (storage, the wire, providers).
 * Anything libphonenumber cannot parse is shown exactly as given.
 */
export function formatCoverNumber(number: string): string {
  const parsed = parsePhoneNumberFromString(number.trim());
  return parsed ? parsed.formatInternational() : number;
}

/** The PDF Info key carrying the cover page's subject (read back by the page counter). */
export const COVER_SUBJECT_KEY = 'FxeCoverSubject';

/** The letterhead across the top; returns the y below it. */
function drawLetterheadTop(page: PDFPage, regular: PDFFont, bold: PDFFont, head: Letterhead, logo: PDFImage | null, top: number): number {
  const { width } = page.getSize();
  let logoWidth = 0;
  let logoHeight = 0;
  if (logo) {
    const scale = Math.min(LOGO_MAX_WIDTH / logo.width, LOGO_MAX_HEIGHT / logo.height, 1);
    logoWidth = logo.width * scale;
    logoHeight = logo.height * scale;
    page.drawImage(logo, { x: MARGIN, y: top - logoHeight, width: logoWidth, height: logoHeight });
  }
  const x = MARGIN + (logo ? logoWidth + 14 : 0);
  const room = width - MARGIN - x;
  let y = top - 15;
  if (head.officeName.trim()) {
    for (const line of wrap(bold, 15, encodable(bold, head.officeName.trim()), room).slice(0, 2)) {
      page.drawText(line, { x, y, size: 15, font: bold, color: INK });
      y -= 18;
    }
  }
  const reply = [head.replyFax.trim() && `Reply fax: ${formatCoverNumber(head.replyFax.trim())}`, head.replyPhone.trim() && `Phone: ${formatCoverNumber(head.replyPhone.trim())}`].filter(Boolean).join('    ');
  if (reply) {
    for (const line of wrap(regular, 10, encodable(regular, reply), room).slice(0, 2)) {
      page.drawText(line, { x, y: y + 2, size: 10, font: regular, color: MUTED });
      y -= 14;
    }
  }
  return Math.min(top - logoHeight, y + 6) - 16;
}

const NOTICE_SIZE = 8.5;
const NOTICE_LINE = 11;

/** The confidentiality notice in a box at the foot of the sheet; returns the box's top. */
function drawNotice(page: PDFPage, regular: PDFFont, bold: PDFFont, notice: string): number {
  const { width } = page.getSize();
  const padding = 8;
  const lines = wrap(regular, NOTICE_SIZE, encodable(regular, notice.trim()), width - 2 * MARGIN - 2 * padding).slice(0, 14);
  const boxHeight = padding * 2 + 12 + lines.length * NOTICE_LINE;
  const bottom = MARGIN;
  page.drawRectangle({ x: MARGIN, y: bottom, width: width - 2 * MARGIN, height: boxHeight, borderColor: INK, borderWidth: 0.75 });
  let y = bottom + boxHeight - padding - 8;
  page.drawText('CONFIDENTIALITY NOTICE', { x: MARGIN + padding, y, size: 8, font: bold, color: INK });
  y -= 12;
  for (const line of lines) {
    page.drawText(line, { x: MARGIN + padding, y, size: NOTICE_SIZE, font: regular, color: INK });
    y -= NOTICE_LINE;
  }
  return bottom + boxHeight;
}

async function embedLogo(doc: PDFDocument, info: CoverPageInfo): Promise<PDFImage | null> {
  const logo = info.letterhead?.logo;
  if (!logo) return null;
  try {
    return logo.format === 'png' ? await doc.embedPng(logo.bytes) : await doc.embedJpg(logo.bytes);
  } catch {
    // It was checked when the office chose it; if it cannot be drawn now, the fax still goes (without it).
    return null;
  }
}

function drawCover(page: PDFPage, regular: PDFFont, bold: PDFFont, info: CoverPageInfo, logo: PDFImage | null = null): void {
  const { width, height } = page.getSize();
  const textWidth = width - 2 * MARGIN;
  const head = info.letterhead ?? null;
  let y = head ? drawLetterheadTop(page, regular, bold, head, logo, height - MARGIN) - 26 : height - MARGIN - 30;
  page.drawText('FAX', { x: MARGIN, y, size: head ? 26 : 30, font: bold, color: INK });
  y -= 18;
  page.drawLine({ start: { x: MARGIN, y }, end: { x: width - MARGIN, y }, thickness: 1.5, color: INK });
  y -= 28;

  const total = info.documentPages === null ? null : info.documentPages + 1;
  const rows: [string, string][] = [
    ['To', info.toName],
    ['Fax', formatCoverNumber(info.toNumber)],
    ['From', info.fromName],
    ['Fax', formatCoverNumber(info.fromNumber)],
    ['Date', formatCoverDate(info.date)],
    ['Pages', total === null ? 'this cover page and the document' : `${total} (including this cover page)`],
    ['Subject', info.subject],
  ];
  for (const [label, value] of rows) {
    page.drawText(label, { x: MARGIN, y, size: 11, font: bold, color: MUTED });
    const lines = wrap(regular, 12, encodable(regular, value.trim() || '-'), textWidth - LABEL_WIDTH).slice(0, 3);
    for (const line of lines) {
      page.drawText(line, { x: MARGIN + LABEL_WIDTH, y, size: 12, font: regular, color: INK });
      y -= 17;
    }
    y -= 5;
  }

  y -= 6;
  page.drawLine({ start: { x: MARGIN, y }, end: { x: width - MARGIN, y }, thickness: 0.75, color: RULE });
  y -= 26;
  const floor = head?.notice.trim() ? drawNotice(page, regular, bold, head.notice) + 12 : MARGIN + 24;
  if (info.message.trim()) {
    page.drawText('Message', { x: MARGIN, y, size: 11, font: bold, color: MUTED });
    y -= 20;
    const lineHeight = 15;
    const room = Math.max(1, Math.floor((y - floor) / lineHeight));
    let lines = wrap(regular, 11, encodable(regular, info.message), textWidth);
    if (lines.length > room) lines = [...lines.slice(0, room - 1), '[the message continues beyond this page and was shortened]'];
    for (const line of lines) {
      page.drawText(line, { x: MARGIN, y, size: 11, font: regular, color: INK });
      y -= lineHeight;
    }
  }
  page.drawText('Sent end-to-end encrypted with fxe Desk.', { x: MARGIN, y: MARGIN - 20, size: 8, font: regular, color: MUTED });
}

/** More page-tree nodes than any fax has pages: the walk stops there. */
const MAX_PAGE_TREE_NODES = 100_000;

/** A PDF whose page tree cannot be walked safely: refused before pdf-lib touches it. */
export class BadPageTree extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'BadPageTree';
  }
}

/**
 * Walks the page tree from the catalog, each node at most once, and returns the number of
 * pages. A node reached twice (a cycle, or a node listed twice as a kid) is refused: in a
 * page tree every node has exactly one parent.
 */
export function countPagesStrictly(doc: PDFDocument): number {
  const seen = new Set<PDFRef>();
  const stack: unknown[] = [doc.catalog.get(PDFName.of('Pages'))];
  let pages = 0;
  let nodes = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof PDFRef) {
      if (seen.has(item)) throw new BadPageTree(`page tree node ${item.toString()} is listed more than once`);
      seen.add(item);
    }
    if (++nodes > MAX_PAGE_TREE_NODES) throw new BadPageTree(`more than ${MAX_PAGE_TREE_NODES} page tree nodes`);
    const node = item instanceof PDFRef ? doc.context.lookup(item) : item;
    if (!(node instanceof PDFDict)) throw new BadPageTree('a page tree node is not a dictionary');
    const kids = node.get(PDFName.of('Kids'));
    if (kids === undefined) {
      pages++;
      continue;
    }
    const list = kids instanceof PDFRef ? doc.context.lookup(kids) : kids;
    if (!(list instanceof PDFArray)) throw new BadPageTree('a page tree node has Kids that are not an array');
    for (let i = list.size() - 1; i >= 0; i--) stack.push(list.get(i));
  }
  return pages;
}

/** A stand-alone one-page cover sheet. */
export async function renderCoverPage(info: CoverPageInfo): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage(LETTER);
  drawCover(page, await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold), info, await embedLogo(doc, info));
  return doc.save();
}

/**
 * Returns a new PDF: the cover first (sized like the document's first page), then the
 * document's pages unchanged. `pdf` itself is not touched. Throws on a PDF pdf-lib cannot
 * open or whose page tree is unsafe (BadPageTree).
 */
export async function addCoverPage(pdf: Uint8Array, info: CoverPageInfo): Promise<{ pdf: Uint8Array; pages: number }> {
  // pdf-lib copies what it parses; `updateMetadata: false` keeps the author's metadata as is.
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const documentPages = countPagesStrictly(doc);
  const first = documentPages > 0 ? doc.getPage(0).getSize() : null;
  const size: [number, number] = first && first.width >= 200 && first.height >= 200 ? [first.width, first.height] : LETTER;
  const page = doc.insertPage(0, size);
  drawCover(page, await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold), info, await embedLogo(doc, info));
  // The subject travels inside the encrypted PDF (never in the envelope's metadata, which
  // the relay can read), under our own Info key, so the recipient's desk can list and
  // search it without guessing from the document's own Subject.
  // pdf-lib has setters for the standard keys only; its Info dictionary takes any other.
  if (info.subject.trim()) (doc as unknown as { getInfoDict(): PDFDict }).getInfoDict().set(PDFName.of(COVER_SUBJECT_KEY), PDFHexString.fromText(info.subject.trim().slice(0, 200)));
  const out = await doc.save();
  return { pdf: out, pages: documentPages + 1 };
}
