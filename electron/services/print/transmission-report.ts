/**
 * Transmission reports, like the sheet a fax machine prints after a send: when (local time,
 * zone named), both parties, pages, how long it took, the result, a thumbnail of the first
 * page, and for fxe the recipient's signed receipt as fxe Desk verified it. Plus the activity
 * report: every fax of a date range, as CSV (for a spreadsheet) or PDF (to print or file).
 * Drawn with pdf-lib's built-in Helvetica: no font file, no network. The thumbnail is a PNG
 * the window rendered from the fax it already shows; it is size-checked before use.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { FaxDetail } from '../../../shared/domain/types.ts';
import { DeskError } from '../errors.ts';
import { encodable, wrap } from './pdf-text.ts';

/** How times are written: the window's zone (the office's local time), and its language. */
export interface ReportFormat {
  timeZone?: string;
  locale?: string;
}

/** A page thumbnail this size is already far sharper than it is printed. */
export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

const A4: [number, number] = [595, 842];
const MARGIN = 48;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.38, 0.4, 0.44);
const RULE = rgb(0.75, 0.77, 0.8);
const OK = rgb(0.1, 0.45, 0.25);
const BAD = rgb(0.7, 0.14, 0.1);

export function localTime(ms: number, f: ReportFormat): string {
  return new Intl.DateTimeFormat(f.locale ?? 'en-GB', { dateStyle: 'medium', timeStyle: 'long', ...(f.timeZone ? { timeZone: f.timeZone } : {}) }).format(new Date(ms));
}

function number(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** What a transmission report states about one sent fax. */
export interface TransmissionFacts {
  fax: FaxDetail;
  /** The office sending it (its name in fxe Desk). */
  senderName: string;
  /** When transmission began (queued, or the scheduled time reached) and ended (uploaded or failed). */
  startedAt: number;
  endedAt: number | null;
  /** The first page, as a PNG, or null when it could not be drawn. */
  thumbnailPng: Uint8Array | null;
}

/** The result in one line, as a fax machine states it. */
export function resultOf(fax: FaxDetail): { text: string; ok: boolean } {
  switch (fax.state) {
    case 'delivered':
      return { text: fax.receipt ? 'OK - delivered, receipt signed by the recipient and verified' : 'OK - delivered', ok: true };
    case 'sent':
      return { text: fax.route === 'fxe' ? 'OK - sent; no delivery receipt yet' : 'OK - accepted by the phone-network provider', ok: true };
    case 'failed':
      return { text: `FAILED - ${fax.failureReason?.message ?? 'not sent'}`, ok: false };
    default:
      return { text: `NOT FINISHED - ${fax.state}`, ok: false };
  }
}

/**
 * When the send began and ended, from the fax's audit trail: began when it was queued (or its
 * scheduled time came), ended at the upload, the provider's final word, or the failure.
 */
export function transmissionTimes(fax: FaxDetail, trail: { at: number; action: string; detail: string }[]): { startedAt: number; endedAt: number | null } {
  const sends = trail.filter((t) => t.action === 'send' || t.action === 'delivered');
  const scheduledStart = sends.find((t) => t.detail.startsWith('scheduled time reached') || t.detail.startsWith('scheduled fax sent now'));
  const startedAt = scheduledStart?.at ?? fax.at;
  const end = [...sends].reverse().find((t) => /^(uploaded|failed|PSTN: .* (accepted|delivered|failed))/.test(t.detail) || t.action === 'delivered');
  const uploaded = sends.find((t) => t.detail.startsWith('uploaded'));
  return { startedAt, endedAt: uploaded?.at ?? end?.at ?? null };
}

/** Drawable (see encodable) and wrapped to `width`. */
function wrapText(font: PDFFont, text: string, size: number, width: number): string[] {
  return wrap(font, size, encodable(font, text), width);
}

export async function transmissionReportPdf(facts: TransmissionFacts, nowMs: number, format: ReportFormat = {}): Promise<Uint8Array> {
  const { fax } = facts;
  const doc = await PDFDocument.create();
  doc.setTitle(`Transmission report ${fax.id}`);
  doc.setProducer('fxe Desk');
  const page = doc.addPage(A4);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const mono = await doc.embedFont(StandardFonts.Courier);
  let y = A4[1] - MARGIN;

  page.drawText('TRANSMISSION REPORT', { x: MARGIN, y: y - 20, size: 20, font: bold, color: INK });
  page.drawText(encodable(regular, `Printed ${localTime(nowMs, format)}`), { x: MARGIN, y: y - 38, size: 9, font: regular, color: MUTED });
  y -= 56;
  page.drawLine({ start: { x: MARGIN, y }, end: { x: A4[0] - MARGIN, y }, thickness: 1, color: RULE });
  y -= 22;

  // The first page on the right, as on a machine's report.
  const thumbWidth = 150;
  let thumbBottom = y;
  if (facts.thumbnailPng) {
    if (facts.thumbnailPng.length > MAX_THUMBNAIL_BYTES) throw new DeskError('report.thumbnail_too_large', 'The page preview for the report was too large. Try again.', { detail: `${facts.thumbnailPng.length} bytes` });
    try {
      const image = await doc.embedPng(facts.thumbnailPng);
      const h = (image.height / image.width) * thumbWidth;
      const x = A4[0] - MARGIN - thumbWidth;
      page.drawImage(image, { x, y: y - h, width: thumbWidth, height: h });
      page.drawRectangle({ x, y: y - h, width: thumbWidth, height: h, borderColor: RULE, borderWidth: 1 });
      page.drawText('Page 1', { x, y: y - h - 12, size: 8, font: regular, color: MUTED });
      thumbBottom = y - h - 20;
    } catch {
      // An unreadable preview leaves the report without a picture, never without its facts.
    }
  }
  const textWidth = A4[0] - 2 * MARGIN - (facts.thumbnailPng ? thumbWidth + 20 : 0);
  const result = resultOf(fax);
  const rows: [string, string][] = [
    ['Date and time', localTime(facts.startedAt, format)],
    ['From', `${facts.senderName}, ${number(fax.fromNumber)}`],
    ['To', `${fax.peerName ? `${fax.peerName}, ` : ''}${number(fax.toNumber)}`],
    ['Document', `${fax.fileName}${fax.subject ? ` (${fax.subject})` : ''}`],
    ['Pages', fax.pages === null ? 'unknown' : String(fax.pages)],
    ['Duration', facts.endedAt === null ? 'not finished' : duration(facts.endedAt - facts.startedAt)],
    ['Route', fax.route === 'fxe' ? 'fxe, end-to-end encrypted' : `phone network${fax.pstn ? ` via ${fax.pstn.provider}` : ''} (not encrypted)`],
    ['Result', result.text],
  ];
  const labelWidth = 92;
  for (const [label, value] of rows) {
    page.drawText(label, { x: MARGIN, y, size: 10, font: bold, color: MUTED });
    const lines = wrapText(regular, value, 11, textWidth - labelWidth);
    lines.forEach((l, i) => page.drawText(l, { x: MARGIN + labelWidth, y: y - i * 14, size: 11, font: label === 'Result' ? bold : regular, color: label === 'Result' ? (result.ok ? OK : BAD) : INK }));
    y -= 14 * lines.length + 8;
  }
  y = Math.min(y, thumbBottom) - 8;
  page.drawLine({ start: { x: MARGIN, y }, end: { x: A4[0] - MARGIN, y }, thickness: 1, color: RULE });
  y -= 20;

  const r = fax.receipt;
  const section = (title: string) => {
    page.drawText(title, { x: MARGIN, y, size: 12, font: bold, color: INK });
    y -= 18;
  };
  const fact = (label: string, value: string, font: PDFFont = regular) => {
    page.drawText(label, { x: MARGIN, y, size: 9, font: bold, color: MUTED });
    const lines = wrapText(font, value, 9, A4[0] - 2 * MARGIN - 130);
    lines.forEach((l, i) => page.drawText(l, { x: MARGIN + 130, y: y - i * 12, size: 9, font, color: INK }));
    y -= 12 * lines.length + 4;
  };
  if (r) {
    section('Delivery receipt (signed by the recipient, verified by fxe Desk)');
    fact('Recipient organisation', r.recipientOrgId, mono);
    fact('Recipient key', r.recipientBundleId, mono);
    fact('Signed at', localTime(r.signedAt * 1000, format));
    fact('Ciphertext SHA-256', r.ciphertextSha256, mono);
    fact('Signature (Ed25519)', r.signatureB64u, mono);
    y -= 4;
    drawParagraph(page, regular, 'The receipt is a signature by the recipient\'s own key over this exact encrypted fax. fxe Desk checked it against the keys it pinned for the recipient: it proves the recipient\'s fxe software received and stored this fax unaltered.', y);
  } else if (fax.route === 'pstn' && fax.pstn) {
    section('Phone-network provider report');
    fact('Provider', fax.pstn.provider);
    fact('Provider fax id', fax.pstn.providerFaxId, mono);
    fact('Provider status', fax.pstn.status);
  } else {
    drawParagraph(page, regular, 'No delivery receipt has been received for this fax yet.', y);
  }
  page.drawText(encodable(regular, `fxe Desk - fax ${fax.id}`), { x: MARGIN, y: MARGIN - 20, size: 8, font: regular, color: MUTED });
  return doc.save();
}

function drawParagraph(page: PDFPage, font: PDFFont, text: string, y: number): void {
  wrapText(font, text, 9, A4[0] - 2 * MARGIN).forEach((l, i) => page.drawText(l, { x: MARGIN, y: y - i * 12, size: 9, font, color: MUTED }));
}

// --- the activity report --------------------------------------------------------------------

/** One line of the activity report. */
export interface ActivityLine {
  at: number;
  direction: 'in' | 'out';
  from: string;
  to: string;
  name: string;
  fileName: string;
  subject: string;
  pages: number | null;
  route: 'fxe' | 'pstn';
  status: string;
}

const CSV_HEADER = ['date_time', 'direction', 'from', 'to', 'name', 'file', 'subject', 'pages', 'route', 'status'];

/** RFC 4180, CRLF; a cell starting with = + - @ gets an apostrophe so a spreadsheet never runs it as a formula. */
export function activityCsv(lines: ActivityLine[], format: ReportFormat): string {
  const esc = (s: string): string => {
    const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const rows = lines.map((l) => [localTime(l.at, format), l.direction === 'in' ? 'received' : 'sent', l.from, l.to, l.name, l.fileName, l.subject, l.pages === null ? '' : String(l.pages), l.route, l.status].map(esc).join(','));
  return `${[CSV_HEADER.join(','), ...rows].join('\r\n')}\r\n`;
}

export async function activityPdf(lines: ActivityLine[], range: { fromMs: number; toMs: number; title: string }, nowMs: number, format: ReportFormat): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(range.title);
  doc.setProducer('fxe Desk');
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const landscape: [number, number] = [A4[1], A4[0]];
  const day = (ms: number) => new Intl.DateTimeFormat(format.locale ?? 'en-GB', { dateStyle: 'medium', ...(format.timeZone ? { timeZone: format.timeZone } : {}) }).format(new Date(ms));
  const cols: { title: string; width: number; cell: (l: ActivityLine) => string }[] = [
    { title: 'Date and time', width: 150, cell: (l) => localTime(l.at, format) },
    { title: '', width: 56, cell: (l) => (l.direction === 'in' ? 'Received' : 'Sent') },
    { title: 'From', width: 100, cell: (l) => number(l.from) },
    { title: 'To', width: 100, cell: (l) => number(l.to) },
    { title: 'Name', width: 110, cell: (l) => l.name },
    { title: 'Document', width: 140, cell: (l) => (l.subject ? `${l.subject} / ${l.fileName}` : l.fileName) },
    { title: 'Pages', width: 34, cell: (l) => (l.pages === null ? '' : String(l.pages)) },
    { title: 'Result', width: 56, cell: (l) => `${l.status}${l.route === 'pstn' ? ' (PSTN)' : ''}` },
  ];
  const clip = (font: PDFFont, text: string, size: number, width: number): string => {
    let t = encodable(font, text);
    while (t.length > 1 && font.widthOfTextAtSize(t, size) > width - 4) t = `${t.slice(0, -2)}…`.replace(/……$/, '…');
    return font.widthOfTextAtSize(t, size) > width - 4 ? '' : t;
  };
  let page = doc.addPage(landscape);
  let y = landscape[1] - MARGIN;
  const header = () => {
    let x = MARGIN;
    for (const c of cols) {
      page.drawText(c.title, { x, y, size: 8, font: bold, color: MUTED });
      x += c.width;
    }
    y -= 6;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: landscape[0] - MARGIN, y }, thickness: 0.5, color: RULE });
    y -= 12;
  };
  page.drawText(encodable(bold, range.title), { x: MARGIN, y, size: 16, font: bold, color: INK });
  y -= 18;
  const sent = lines.filter((l) => l.direction === 'out').length;
  page.drawText(encodable(regular, `${day(range.fromMs)} to ${day(range.toMs)} · ${lines.length} faxes (${lines.length - sent} received, ${sent} sent) · printed ${localTime(nowMs, format)}`), { x: MARGIN, y, size: 9, font: regular, color: MUTED });
  y -= 24;
  header();
  if (lines.length === 0) page.drawText('No faxes in this period.', { x: MARGIN, y, size: 10, font: regular, color: INK });
  for (const l of lines) {
    if (y < MARGIN + 10) {
      page = doc.addPage(landscape);
      y = landscape[1] - MARGIN;
      header();
    }
    let x = MARGIN;
    for (const c of cols) {
      page.drawText(clip(regular, c.cell(l), 8, c.width), { x, y, size: 8, font: regular, color: INK });
      x += c.width;
    }
    y -= 13;
  }
  const pages = doc.getPages();
  pages.forEach((p, i) => p.drawText(`fxe Desk · page ${i + 1} of ${pages.length}`, { x: MARGIN, y: MARGIN - 24, size: 7, font: regular, color: MUTED }));
  return doc.save();
}
