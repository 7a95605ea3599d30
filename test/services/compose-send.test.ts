// Composing a fax from several files over IPC, sending it, and turning pages of the fax the
// other side received: two real desks on a real local relay. The turns are remembered
// across a restart, honoured by Print and Save, and the stored fax is never rewritten.
import { asFaxId, type FaxId } from '../../shared/domain/ids.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPdf } from '../e2e/fixtures/pdf.ts';
import { barPage, makeTiff, photoJpeg } from '../e2e/fixtures/pictures.ts';
import { openTestDesk, openTwoDesks, type TestDesk, type TwoDeskScene } from './helpers.ts';

async function rotationsOf(pdf: Uint8Array): Promise<number[]> {
  return (await PDFDocument.load(pdf)).getPages().map((p) => p.getRotation().angle);
}

describe('a fax composed of several files, and pages turned by the recipient', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let faxId: FaxId;

  beforeAll(async () => {
    scene = await openTwoDesks('compose-send', { a: { autoStart: false }, b: { autoStart: false } });
    ({ a, b } = scene);
  });
  afterAll(async () => {
    await scene?.close();
  });

  it('the preview has the cover in front; what is sent is the combined document, and arrives as one fax', async () => {
    const files = [
      { fileName: 'referral.pdf', data: makeTestPdf({ pages: 2, title: 'Referral' }), removePages: [] },
      { fileName: 'insurance-card.jpg', data: photoJpeg(), removePages: [] },
      { fileName: 'scan.tif', data: makeTiff([barPage(170, 220, 1, 30), barPage(170, 220, 1, 190)]), removePages: [1] },
    ];
    const preview = await a.call('compose.build', {
      files, paper: 'letter', cover: { toName: 'Harbor Pharmacy', fromName: 'Northside Clinic', subject: 'Referral J. Smith', message: '', to: '+15552220002', from: '+15551110001' },
    });
    expect(preview).toMatchObject({ pages: 5, coverPages: 1, filePages: [2, 1, 2], sources: [{ file: 0, page: 1 }, { file: 0, page: 2 }, { file: 1, page: 1 }, { file: 2, page: 2 }] });
    expect((await PDFDocument.load(preview.pdf)).getPageCount()).toBe(5);

    const doc = await a.call('compose.build', { files, paper: 'letter', cover: null });
    expect(doc).toMatchObject({ pages: 4, coverPages: 0 });
    faxId = (await a.call('send.submit', {
      orgId: scene.aOrg, to: '+15552220002', from: '+15551110001', fileName: 'referral.pdf', pdf: doc.pdf, route: 'fxe',
      coverPage: { toName: 'Harbor Pharmacy', fromName: 'Northside Clinic', subject: 'Referral J. Smith', message: '' },
    })).id;
    await a.desk.flushOutbox();
    expect(await scene.receive(b, 1)).toBe(1);
    expect((await b.call('faxes.get', { id: faxId })).pages).toBe(5);
  });

  it('a refused file is named in the answer, and nothing is queued', async () => {
    const r = await a.desk.invoke('compose.build', { files: [{ fileName: 'notes.txt', data: new TextEncoder().encode('hello'), removePages: [] }], paper: 'a4', cover: null });
    expect(r).toMatchObject({ ok: false, error: { code: 'compose.not_faxable', message: 'notes.txt cannot be faxed: only PDF files and JPEG, PNG or TIFF pictures can go into a fax.' } });
  });

  it('turned pages are remembered, printed and saved turned; the stored fax is not rewritten', async () => {
    const original = (await b.call('faxes.document', { id: faxId })).pdf;
    await b.call('faxes.setPageRotation', { id: faxId, page: 3, degrees: 90 });
    await b.call('faxes.setPageRotation', { id: faxId, page: 5, degrees: 180 });
    await b.call('faxes.setPageRotation', { id: faxId, page: 2, degrees: 270 });
    await b.call('faxes.setPageRotation', { id: faxId, page: 2, degrees: 0 }); // turned back upright

    // A restart: the same data and keychain, a new desk.
    await b.close();
    b = await openTestDesk(b.dataDir, { keychain: b.keychain, autoStart: false });
    scene.b = b;
    const doc = await b.call('faxes.document', { id: faxId });
    expect(doc.rotations).toEqual([{ page: 3, degrees: 90 }, { page: 5, degrees: 180 }]);
    expect(Buffer.from(doc.pdf).equals(Buffer.from(original))).toBe(true);

    await b.call('faxes.print', { id: faxId });
    expect(await rotationsOf(b.printed[0]!.pdf)).toEqual([0, 0, 90, 0, 180]);

    b.nextSave = join(scene.dirs.path, 'saved.pdf');
    await b.call('faxes.saveAs', { id: faxId });
    const saved = new Uint8Array(readFileSync(b.nextSave));
    expect(await rotationsOf(saved)).toEqual([0, 0, 90, 0, 180]);
    // Same pages, same content: only /Rotate differs.
    expect((await PDFDocument.load(saved)).getPageCount()).toBe(5);

    // The stored (encrypted) fax still opens as it was received.
    const again = await b.call('faxes.document', { id: faxId });
    expect(Buffer.from(again.pdf).equals(Buffer.from(original))).toBe(true);
    expect(await rotationsOf(again.pdf)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a rotation for a fax that is not here is refused plainly', async () => {
    const r = await b.desk.invoke('faxes.setPageRotation', { id: asFaxId('00000000-0000-4000-8000-000000000000'), page: 1, degrees: 90 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).not.toMatch(/Sqlite|FOREIGN KEY/);
  });
});
