// Cover-page templates and the office's logo: kept in the database, the logo checked (size,
// kind, decoded in the supervised worker) before it is kept, and a send that names a template
// gets its letterhead (logo, office name, reply numbers, confidentiality notice) on the cover.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LOGO_BYTES } from '../../shared/domain/cover-templates.ts';
import { makePng, photoJpeg } from '../e2e/fixtures/pictures.ts';
import { makePdf, openTwoDesks, type TestDesk, type TwoDeskScene } from './helpers.ts';

const blank = { officeName: '', fromNumber: '', replyFax: '', replyPhone: '', notice: '', message: '', isDefault: false };

/** What poppler reads on page 1, and the pictures it finds there. */
function readCover(dir: string, pdf: Uint8Array): { text: string; images: string } {
  const path = join(dir, `cover-${Date.now()}.pdf`);
  writeFileSync(path, pdf);
  const text = execFileSync('pdftotext', ['-f', '1', '-l', '1', path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  const images = execFileSync('pdfimages', ['-f', '1', '-l', '1', '-list', path], { encoding: 'utf8' });
  return { text, images };
}

describe('cover-page templates and the logo', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: string;

  beforeAll(async () => {
    scene = await openTwoDesks('cover-templates', { a: { autoStart: false }, b: { autoStart: false } });
    ({ a, b, aOrg } = scene);
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('templates are saved, listed default first, one default only, names unique in any case', async () => {
    const standard = await a.call('covers.save', { ...blank, name: 'Standard', officeName: 'Northside Clinic', isDefault: true });
    const confidential = await a.call('covers.save', {
      ...blank, name: 'Confidential — patient records', officeName: 'Northside Clinic', replyFax: '+15551110001', replyPhone: '+15551110099',
      notice: 'This fax contains protected health information. If you are not the intended recipient, call us and destroy it.',
      message: 'Patient records as requested.', fromNumber: '+15551110001',
    });
    let list = await a.call('covers.list', {});
    expect(list.templates.map((t) => [t.name, t.isDefault])).toEqual([['Standard', true], ['Confidential — patient records', false]]);
    await a.call('covers.save', { ...confidential, isDefault: true });
    list = await a.call('covers.list', {});
    expect(list.templates.map((t) => [t.name, t.isDefault])).toEqual([['Confidential — patient records', true], ['Standard', false]]);
    const dup = await a.desk.invoke('covers.save', { ...blank, name: 'STANDARD' });
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.error).toMatchObject({ code: 'cover.template_duplicate_name', message: expect.stringContaining('already a template called') });
    await a.call('covers.delete', { id: standard.id });
    expect((await a.call('covers.list', {})).templates.map((t) => t.name)).toEqual(['Confidential — patient records']);
  });

  it('a logo must be a real PNG or JPEG under the size limit; a refused one keeps the previous logo', async () => {
    const png = makePng(240, 80);
    const logo = await a.call('covers.setLogo', { fileName: 'logo.png', data: png });
    expect(logo).toMatchObject({ fileName: 'logo.png', format: 'png', width: 240, height: 80 });
    const refusals: [string, Uint8Array, string][] = [
      ['empty.png', new Uint8Array(0), 'cover.logo_empty'],
      ['notes.txt', new TextEncoder().encode('just text'), 'cover.logo_not_picture'],
      ['scan.pdf', makePdf(1), 'cover.logo_not_picture'],
      ['huge.png', new Uint8Array(MAX_LOGO_BYTES + 1).fill(7, 8).fill(0, 0, 8).map((v, i) => (i < 8 ? [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a][i]! : v)), 'cover.logo_too_large'],
      // A PNG cut short: its header says PNG, its pixels are missing.
      ['cut.png', png.subarray(0, Math.floor(png.length / 2)), 'cover.logo_damaged'],
      // A PNG whose header claims 100,000 × 100,000 pixels: refused before anything is inflated.
      ['bomb.png', (() => { const p = makePng(4, 4); new DataView(p.buffer).setUint32(16, 100_000); new DataView(p.buffer).setUint32(20, 100_000); return p; })(), 'cover.logo_too_many_pixels'],
      ['cut.jpg', photoJpeg().subarray(0, 2000), 'cover.logo_damaged'],
    ];
    for (const [fileName, data, code] of refusals) {
      const r = await a.desk.invoke('covers.setLogo', { fileName, data });
      expect(r.ok, fileName).toBe(false);
      if (!r.ok) {
        expect(r.error.code, fileName).toBe(code);
        expect(r.error.message, fileName).toContain(fileName);
      }
    }
    expect((await a.call('covers.list', {})).logo).toMatchObject({ fileName: 'logo.png', width: 240, height: 80 });
    const jpeg = await a.call('covers.setLogo', { fileName: 'photo.jpg', data: photoJpeg() });
    expect(jpeg.format).toBe('jpeg');
    await a.call('covers.setLogo', { fileName: 'logo.png', data: png });
  });

  it('a send that names a template carries its letterhead: logo, office, reply numbers, notice', async () => {
    const template = (await a.call('covers.list', {})).templates[0]!;
    const { items } = await a.call('send.submitGroup', {
      orgId: aOrg, from: '+15551110001', fileName: 'records.pdf', pdf: makePdf(2),
      coverPage: { toName: 'Harbor Pharmacy', fromName: template.officeName, subject: 'Records for J. Smith', message: template.message, templateId: template.id },
      recipients: [{ to: '+15552220002', route: 'fxe' }], sendAt: null,
    });
    await a.desk.flushOutbox();
    expect(await b.desk.pollNow()).toBe(1);
    const doc = await b.call('faxes.document', { id: items[0]!.id! });
    const { text, images } = readCover(scene.dirs.path, doc.pdf);
    for (const s of ['Northside Clinic', 'Reply fax: +1 555 111 0001', 'Phone: +1 555 111 0099', 'CONFIDENTIALITY NOTICE', 'protected health information', 'Patient records as requested.', 'Records for J. Smith']) {
      expect(text).toContain(s);
    }
    // pdfimages lists the logo (240 × 80) on page 1.
    expect(images).toMatch(/\n\s*1\s+\d+\s+image\s+240\s+80\b/);
  });

  it('the preview (compose.build) draws the same letterhead; a deleted template is a plain refusal', async () => {
    const template = (await a.call('covers.list', {})).templates[0]!;
    const preview = await a.call('compose.build', {
      files: [{ fileName: 'a.pdf', data: makePdf(1), removePages: [] }], paper: 'letter',
      cover: { toName: '', fromName: 'Northside Clinic', subject: '', message: '', templateId: template.id, to: '+15552220002', from: '+15551110001' },
    });
    expect(preview.coverPages).toBe(1);
    expect(readCover(scene.dirs.path, preview.pdf).text).toContain('CONFIDENTIALITY NOTICE');
    await a.call('covers.delete', { id: template.id });
    const r = await a.desk.invoke('send.submitGroup', {
      orgId: aOrg, from: '+15551110001', fileName: 'x.pdf', pdf: makePdf(1),
      coverPage: { toName: '', fromName: '', subject: '', message: '', templateId: template.id }, recipients: [{ to: '+15552220002', route: 'fxe' }], sendAt: null,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'cover.template_not_found', message: expect.stringContaining('no longer exists') });
  });
});
