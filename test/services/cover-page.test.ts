// Cover pages: send.submit with a coverPage sends the document with a one-page cover in
// front (N+1 pages), the cover carries the facts, and the user's own bytes are untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCoverNumber, prependCoverPage, renderCoverPage } from '../../electron/services/outbox/cover-page.ts';
import { makePdf, openTwoDesks, type TestDesk, type TwoDeskScene } from './helpers.ts';

interface TextItem { str?: string }
interface PdfJs {
  getDocument(src: { data: Uint8Array; isEvalSupported?: boolean; verbosity?: number; disableFontFace?: boolean; useSystemFonts?: boolean }): {
    promise: Promise<{ numPages: number; getPage(n: number): Promise<{ getTextContent(): Promise<{ items: TextItem[] }> }> }>;
    destroy(): Promise<void>;
  };
}

/** Page count and the text of page 1, read with pdf.js (legacy build: plain Node). */
async function readPdf(pdf: Uint8Array): Promise<{ pages: number; firstPageText: string }> {
  const lib = (await import('pdfjs-dist/legacy/build/pdf.mjs')) as unknown as PdfJs;
  const task = lib.getDocument({ data: pdf.slice(), isEvalSupported: false, verbosity: 0, disableFontFace: true, useSystemFonts: false });
  try {
    const doc = await task.promise;
    const page = await doc.getPage(1);
    const text = (await page.getTextContent()).items.map((i) => i.str ?? '').join(' ');
    return { pages: doc.numPages, firstPageText: text.replace(/\s+/g, ' ') };
  } finally {
    await task.destroy();
  }
}

const cover = { toName: 'Harbor Pharmacy, attn. Dana', fromName: 'Northside Clinic', subject: 'Prescription renewal for J. Smith', message: 'Please renew the attached prescription.\nCall us at 555-0100 with any questions.' };

describe('cover page module', () => {
  it('prints fax numbers the way people write them, and leaves what it cannot parse as given', () => {
    expect(formatCoverNumber('+15552220002')).toBe('+1 555 222 0002');
    expect(formatCoverNumber('+442079460958')).toBe('+44 20 7946 0958');
    expect(formatCoverNumber('+4930123456')).toBe('+49 30 123456');
    expect(formatCoverNumber('+1')).toBe('+1');
    expect(formatCoverNumber('ext. 12')).toBe('ext. 12');
  });

  it('renders one page with every fact on it', async () => {
    const pdf = await renderCoverPage({ ...cover, toNumber: '+15552220002', fromNumber: '+15551110001', documentPages: 3, date: new Date(2026, 4, 7, 14, 3) });
    const { pages, firstPageText } = await readPdf(pdf);
    expect(pages).toBe(1);
    for (const s of ['FAX', 'Harbor Pharmacy, attn. Dana', '+1 555 222 0002', 'Northside Clinic', '+1 555 111 0001', 'Prescription renewal for J. Smith', 'Please renew the attached prescription.', '4 (including this cover page)', 'Thu 7 May 2026, 14:03']) {
      expect(firstPageText).toContain(s);
    }
    expect(firstPageText).not.toContain('+15552220002');
  });

  it('prepends without modifying the input and survives text the standard font cannot draw', async () => {
    const original = makePdf(2, 1000);
    const copy = Uint8Array.from(original);
    const out = await prependCoverPage(original, { ...cover, subject: 'Ünïcödé ✓ 日本', toNumber: '+1', fromNumber: '+2', documentPages: 2, date: new Date(0) });
    expect(Buffer.from(original).equals(Buffer.from(copy))).toBe(true);
    expect(out.pages).toBe(3);
    const { firstPageText } = await readPdf(out.pdf);
    expect(firstPageText).toContain('Ünïcödé ? ??');
  });

  it('keeps the line breaks of a message typed on several lines (never drawn as "?")', async () => {
    const pdf = await renderCoverPage({ ...cover, message: 'Patient records as requested.\nPlease confirm receipt.\r\nThank you.', toNumber: '+1', fromNumber: '+2', documentPages: 1, date: new Date(0) });
    const { firstPageText } = await readPdf(pdf);
    expect(firstPageText).toContain('Patient records as requested.');
    expect(firstPageText).toContain('Please confirm receipt.');
    expect(firstPageText).not.toMatch(/requested\.\s*\?|receipt\.\s*\?/);
  });

  it('a PDF pdf-lib cannot read gives a clear cover.failed error', async () => {
    await expect(prependCoverPage(new TextEncoder().encode('%PDF-1.4\ngarbage'), { ...cover, toNumber: '+1', fromNumber: '+2', documentPages: 1, date: new Date() }))
      .rejects.toMatchObject({ code: 'cover.failed' });
  });
});

describe('send.submit with a cover page, end to end', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: string;

  beforeAll(async () => {
    scene = await openTwoDesks('cover', { a: { autoStart: false }, b: { autoStart: false } });
    ({ a, b, aOrg } = scene);
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('the recipient gets N+1 pages, the first one the cover; the sender file is unchanged', async () => {
    const pdf = makePdf(3, 20_000);
    const before = Uint8Array.from(pdf);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'renewal.pdf', pdf, coverPage: cover, route: 'fxe' });
    expect(Buffer.from(pdf).equals(Buffer.from(before))).toBe(true);
    await a.desk.flushOutbox();
    const sent = await a.call('faxes.get', { id });
    expect(sent.state).toBe('sent');
    expect(sent.pages).toBe(4);
    expect(await b.desk.pollNow()).toBe(1);
    const doc = await b.call('faxes.document', { id });
    const { pages, firstPageText } = await readPdf(doc.pdf);
    expect(pages).toBe(4);
    for (const s of ['Harbor Pharmacy, attn. Dana', '+1 555 222 0002', 'Northside Clinic', '+1 555 111 0001', 'Prescription renewal for J. Smith', 'Call us at 555-0100', '4 (including this cover page)']) {
      expect(firstPageText).toContain(s);
    }
  });

  it('a non-PDF with a cover page still gets the plain "not a PDF" sentence, and nothing is queued', async () => {
    const r = await a.desk.invoke('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'x.pdf', pdf: new TextEncoder().encode('<html>hi</html>'), coverPage: cover, route: 'fxe' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('pdf.invalid');
    expect((await a.call('faxes.list', { folder: 'outbox', offset: 0, limit: 50 })).items.some((f) => f.fileName === 'x.pdf')).toBe(false);
  });
});
