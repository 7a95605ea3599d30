// Combining several files into one fax, with the real worker, real pdf-lib and utif2, and
// real files: PDFs from the fixture writer, a JPEG drawn by Chromium, PNGs and multi-page
// TIFFs written byte by byte. What comes out is checked by pdf.js (the same strict check
// every fax gets before sealing) and drawn by poppler, an independent renderer.
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { composeFax, type ComposePart } from '../../electron/services/compose/compose.ts';
import { validatePdf } from '../../electron/services/outbox/pdf-check.ts';
import { MAX_FAX_PAGES, PAPER_POINTS } from '../../shared/domain/compose.ts';
import { makeTestPdf } from '../e2e/fixtures/pdf.ts';
import { barPage, makePng, makeTiff, photoJpeg } from '../e2e/fixtures/pictures.ts';
import { renderWithPoppler } from '../e2e/harness/images.ts';

const part = (fileName: string, data: Uint8Array, removePages: number[] = []): ComposePart => ({ fileName, data, removePages });

async function pageSizes(pdf: Uint8Array): Promise<[number, number][]> {
  const doc = await PDFDocument.load(pdf);
  return doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
}

/** Rows (top to bottom, as a share of the height) where most of a rendered page is dark. */
function darkBandCentre(pdf: Uint8Array, page: number): number {
  const img = renderWithPoppler(pdf, page, 100, 141);
  const dark: number[] = [];
  for (let y = 0; y < img.height; y++) {
    let n = 0;
    for (let x = 0; x < img.width; x++) if (img.gray[y * img.width + x]! < 100) n++;
    if (n > img.width / 2) dark.push(y);
  }
  expect(dark.length, `a dark band on page ${page}`).toBeGreaterThan(0);
  return dark.reduce((a, b) => a + b, 0) / dark.length / img.height;
}

const A4 = PAPER_POINTS.a4.map(Math.round) as [number, number];
const LETTER = PAPER_POINTS.letter.map(Math.round) as [number, number];

describe('combining files into one fax', () => {
  it('PDF, JPEG, a two-page fax TIFF and a PNG become one PDF in that order, pictures fitted onto A4', async () => {
    const pdf = makeTestPdf({ pages: 3, title: 'Referral' });
    const tiff = makeTiff([barPage(340, 220, 1, 40, [204, 98]), barPage(340, 220, 1, 180, [204, 98])]);
    const parts = [part('referral.pdf', pdf), part('photo.jpg', photoJpeg()), part('scan.tif', tiff), part('chart.png', makePng(300, 400))];
    const before = parts.map((p) => p.data.slice());
    const out = await composeFax(parts, 'a4');
    expect(out.pages).toBe(7);
    expect(out.partPages).toEqual([3, 1, 2, 1]);
    expect(out.sources).toEqual([
      { part: 0, page: 1 }, { part: 0, page: 2 }, { part: 0, page: 3 }, { part: 1, page: 1 },
      { part: 2, page: 1 }, { part: 2, page: 2 }, { part: 3, page: 1 },
    ]);
    // PDF pages keep their size; the wide photo lies on a landscape sheet; the fax TIFF,
    // 340 × 220 pixels at 204 × 98 dpi, is 1.67 × 2.24 inches: taller than wide, so portrait.
    expect(await pageSizes(out.pdf)).toEqual([LETTER, LETTER, LETTER, [A4[1], A4[0]], A4, A4, A4]);
    // The same strict check as any PDF before it is sealed, page count included.
    await expect(validatePdf(out.pdf)).resolves.toEqual({ pages: 7 });
    // Each TIFF page is its own: the bar sits high on page 5 and low on page 6.
    expect(darkBandCentre(out.pdf, 5)).toBeLessThan(0.4);
    expect(darkBandCentre(out.pdf, 6)).toBeGreaterThan(0.6);
    // The callers' files are left as they were.
    parts.forEach((p, i) => expect(p.data).toEqual(before[i]));
  });

  it('US Letter for an office that uses it; removed pages are left out', async () => {
    const tiff = makeTiff([barPage(200, 260, 8, 20), barPage(200, 260, 8, 130), barPage(200, 260, 8, 240)]);
    const out = await composeFax([part('letter.pdf', makeTestPdf({ pages: 3, title: 'Letter' }), [2]), part('scan.tiff', tiff, [1, 3]), part('logo.png', makePng(80, 60))], 'letter');
    expect(out.partPages).toEqual([3, 3, 1]);
    expect(out.sources).toEqual([{ part: 0, page: 1 }, { part: 0, page: 3 }, { part: 1, page: 2 }, { part: 2, page: 1 }]);
    expect(await pageSizes(out.pdf)).toEqual([LETTER, LETTER, LETTER, [LETTER[1], LETTER[0]]]);
    // The kept TIFF page is its middle one.
    const centre = darkBandCentre(out.pdf, 3);
    expect(centre).toBeGreaterThan(0.4);
    expect(centre).toBeLessThan(0.6);
  });

  it('a file that is neither PDF nor picture is refused by name, whatever it is called', async () => {
    const text = new TextEncoder().encode('Dear Dr. Ada, please find attached...');
    await expect(composeFax([part('referral.pdf', makeTestPdf({ pages: 1, title: 'x' })), part('letter.docx.pdf', text)], 'a4')).rejects.toMatchObject({
      code: 'compose.not_faxable',
      message: 'letter.docx.pdf cannot be faxed: only PDF files and JPEG, PNG or TIFF pictures can go into a fax.',
    });
  });

  it('a JPEG cut short is reported as damaged, by name', async () => {
    const jpeg = photoJpeg();
    await expect(composeFax([part('photo.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)))], 'a4')).rejects.toMatchObject({
      code: 'compose.damaged_picture',
      message: 'photo.jpg could not be read: the picture seems damaged. Open it and save it again (or scan it again), then add it.',
    });
  });

  it('a TIFF cut short, or with a broken structure, is reported as damaged, by name', async () => {
    const tiff = makeTiff([barPage(300, 300, 8, 30), barPage(300, 300, 8, 200)]);
    // Cut in the second page's pixels: its image data runs past the end of the file.
    await expect(composeFax([part('fax-0042.tif', tiff.subarray(0, tiff.length - 20_000))], 'a4')).rejects.toMatchObject({
      code: 'compose.damaged_picture', message: expect.stringMatching(/^fax-0042\.tif could not be read: the picture seems damaged/),
    });
    const garbled = tiff.slice();
    garbled.fill(0xff, 4, 8); // the first IFD's offset now points far outside the file
    await expect(composeFax([part('fax-0043.tif', garbled)], 'a4')).rejects.toMatchObject({ code: 'compose.damaged_picture', message: expect.stringMatching(/^fax-0043\.tif /) });
  });

  it('a damaged PDF, an empty file, removing every page: plain sentences, nothing combined', async () => {
    const pdf = makeTestPdf({ pages: 2, title: 'x' });
    await expect(composeFax([part('report.pdf', pdf.subarray(0, pdf.length - 40))], 'a4')).rejects.toMatchObject({ code: 'compose.damaged_pdf', message: expect.stringMatching(/^report\.pdf could not be read as a PDF/) });
    await expect(composeFax([part('blank.png', new Uint8Array(0))], 'a4')).rejects.toMatchObject({ code: 'compose.empty_file', message: 'blank.png is empty (0 bytes). Save or scan it again, then add it.' });
    await expect(composeFax([part('report.pdf', pdf, [1, 2])], 'a4')).rejects.toMatchObject({ code: 'compose.no_pages', message: 'Every page has been removed. Keep at least one page to send, or cancel.' });
  });

  it('limits: at most 50 files, 100 MiB in all, and 500 pages', async () => {
    const png = makePng(10, 10);
    await expect(composeFax(Array.from({ length: 51 }, (_, i) => part(`p${i}.png`, png)), 'a4')).rejects.toMatchObject({ code: 'compose.too_many_files' });
    const big = new Uint8Array(51 * 1024 * 1024);
    await expect(composeFax([part('a.pdf', big), part('b.pdf', big)], 'a4')).rejects.toMatchObject({
      code: 'compose.too_large', message: expect.stringMatching(/^These files add up to 102\.0 MiB/),
    });
    const tinyPages = makeTiff(Array.from({ length: MAX_FAX_PAGES + 1 }, () => barPage(8, 8, 1, 4)));
    await expect(composeFax([part('huge-scan.tif', tinyPages)], 'a4')).rejects.toMatchObject({
      code: 'compose.too_many_pages', message: `That makes ${MAX_FAX_PAGES + 1} pages; one fax can have at most ${MAX_FAX_PAGES}. Remove some pages or send several faxes.`,
    });
  });
});
