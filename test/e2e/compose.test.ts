// The front desk combines several files into one fax, looks at every page before it goes,
// and turns a sideways page of a fax it received: the REAL renderer in Chromium over the
// REAL services and a REAL local relay. Files are chosen and dropped as a user does; the
// order is changed by keyboard and by dragging; a page is left out from the preview; what
// the pharmacy receives is checked page by page. Turned pages survive a restart and come
// out turned from Print and Save.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPdf } from './fixtures/pdf.ts';
import { barPage, makePng, makeTiff, photoJpeg } from './fixtures/pictures.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';
import { saveScreen } from './harness/screens.ts';

let scene: ClinicAndPharmacy;
let clinic: AppWindow;

beforeAll(async () => {
  scene = await openClinicAndPharmacy('compose');
  clinic = scene.clinic;
});

afterAll(async () => {
  await scene?.close();
});

const fileRows = (page: Page) => page.getByTestId('send-dialog').locator('.compose-list > li');
const rowNames = (page: Page) => fileRows(page).evaluateAll((lis) => lis.map((li) => li.getAttribute('data-file')));
const folder = (page: Page, name: string) => page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: new RegExp(`^${name}`) });

/** Drop files on the window the way the OS does: one drop event carrying them all. */
async function dropFiles(page: Page, files: { name: string; type: string; bytes: Uint8Array }[]): Promise<void> {
  await page.evaluate((list) => {
    const dataTransfer = new DataTransfer();
    for (const f of list) dataTransfer.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    const target = document.querySelector('.workspace')!;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer }));
  }, files.map((f) => ({ name: f.name, type: f.type, b64: Buffer.from(f.bytes).toString('base64') })));
}

async function pageShapes(pdf: Uint8Array): Promise<string[]> {
  return (await PDFDocument.load(pdf)).getPages().map((p) => {
    const { width, height } = p.getSize();
    const turned = p.getRotation().angle % 180 !== 0;
    return (width > height) !== turned ? 'landscape' : 'portrait';
  });
}

describe('combining files into one fax, with a preview', () => {
  it('chosen and dropped files line up in order, reorder by keyboard and drag, and a page is left out in the preview', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByTestId('send-dialog');
    await dialog.getByLabel('PDF to send, or pictures').setInputFiles([
      { name: 'referral.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 2, title: 'Referral J. Smith' })) },
      { name: 'insurance-card.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(photoJpeg()) },
      { name: 'lab-scan.tif', mimeType: 'image/tiff', buffer: Buffer.from(makeTiff([barPage(170, 220, 1, 30, [204, 196]), barPage(170, 220, 1, 190, [204, 196])])) },
    ]);
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(['referral.pdf', 'insurance-card.jpg', 'lab-scan.tif']);
    // Dropped on the window while the dialog is open: added at the end, not replacing.
    await dropFiles(page, [{ name: 'chart.png', type: 'image/png', bytes: makePng(300, 420) }]);
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(['referral.pdf', 'insurance-card.jpg', 'lab-scan.tif', 'chart.png']);
    await expect(dialog.locator('.compose-list .file-badge').allTextContents()).resolves.toEqual(['PDF', 'JPG', 'TIFF', 'PNG']);

    // Keyboard: the chart goes up one place with Alt+↑ and keeps the focus.
    await fileRows(page).nth(3).focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(['referral.pdf', 'insurance-card.jpg', 'chart.png', 'lab-scan.tif']);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-file')), { timeout: 20_000 }).toBe('chart.png');
    await dialog.getByText('chart.png moved to position 3 of 4.').waitFor({ state: 'attached' });
    // The row's button does the same for a mouse user.
    await dialog.getByRole('button', { name: 'Move insurance-card.jpg down' }).click();
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(['referral.pdf', 'chart.png', 'insurance-card.jpg', 'lab-scan.tif']);
    // Dragging a row onto another moves it there.
    await fileRows(page).nth(3).dragTo(fileRows(page).nth(0));
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(['lab-scan.tif', 'referral.pdf', 'chart.png', 'insurance-card.jpg']);

    await page.locator('input[name=to]').fill('+1 555 222 0002');
    await dialog.getByRole('checkbox', { name: 'Add a cover page' }).check();
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Referral and insurance');

    // The preview: every page that will go out, the cover first.
    await dialog.getByRole('button', { name: 'Preview pages' }).click();
    const summary = dialog.getByTestId('preview-summary');
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toBe('7 pages will be sent, cover page included.');
    const thumbs = dialog.getByRole('list', { name: 'Pages that will be sent' }).locator('canvas');
    await expect.poll(() => thumbs.evaluateAll((c) => c.map((x) => x.getAttribute('aria-label'))), { timeout: 30_000 }).toEqual([
      'Page 1: Cover page', 'Page 2: lab-scan.tif, page 1', 'Page 3: lab-scan.tif, page 2', 'Page 4: referral.pdf, page 1',
      'Page 5: referral.pdf, page 2', 'Page 6: chart.png, page 1', 'Page 7: insurance-card.jpg, page 1',
    ]);
    await expect.poll(() => thumbs.evaluateAll((c) => c.every((x) => x.getAttribute('data-rendered') === 'true')), { timeout: 30_000 }).toBe(true);
    // The page counts show in the file list once the preview has counted them.
    await expect.poll(() => fileRows(page).nth(1).getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/^2\. referral\.pdf, PDF, .*, 2 pages$/);
    await saveScreen(page, 'send-combined-preview');

    // Leave out the referral's second page; it can be put back.
    await dialog.getByRole('button', { name: 'Remove page 5 (referral.pdf, page 2)' }).click();
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toBe('6 pages will be sent, cover page included.');
    await dialog.getByRole('button', { name: 'Put back referral.pdf, page 2' }).waitFor();
    await expect.poll(() => thumbs.count(), { timeout: 20_000 }).toBe(6);

    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-state="sent"], .send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.locator('dialog[open]').count(), { timeout: 20_000 }).toBe(0);

    // What the pharmacy got: one fax, six pages, in the order shown.
    const pharmacy = scene.pharmacy.desk;
    await expect.poll(async () => {
      await pharmacy.pollNow();
      const r = await pharmacy.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
      return r.ok ? r.value.items.map((f) => [f.fileName, f.pages]) : null;
    }, { timeout: 30_000 }).toEqual([['lab-scan + 3 more.pdf', 6]]);
    const list = await pharmacy.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    const received = list.ok ? list.value.items[0]! : null;
    const doc = await pharmacy.invoke('faxes.document', { id: received!.id });
    if (!doc.ok) throw new Error(doc.error.message);
    // Cover (Letter, from the PDF's size), the TIFF's two pages, the referral's first page,
    // the chart, and the wide insurance card on its side.
    expect(await pageShapes(doc.value.pdf)).toEqual(['portrait', 'portrait', 'portrait', 'portrait', 'portrait', 'landscape']);
    expect(clinic.pageErrors).toEqual([]);
  }, 180_000);

  it('a damaged scan and a file that cannot be faxed are named at once; nothing else is lost', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByTestId('send-dialog');
    const tiff = makeTiff([barPage(200, 200, 8, 30), barPage(200, 200, 8, 150)]);
    await dialog.getByLabel('PDF to send, or pictures').setInputFiles([
      { name: 'letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 1, title: 'Letter' })) },
      { name: 'fax-0042.tif', mimeType: 'image/tiff', buffer: Buffer.from(tiff.subarray(0, tiff.length - 30_000)) },
    ]);
    await dialog.getByText('fax-0042.tif could not be read: the picture seems damaged. Open it and save it again (or scan it again), then add it.').waitFor({ timeout: 20_000 });
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(['letter.pdf']);
    await dialog.getByLabel('PDF to send, or pictures').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('call back') });
    await dialog.getByText('notes.txt cannot be faxed: only PDF files and JPEG, PNG or TIFF pictures can go into a fax.').waitFor();
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(['letter.pdf']);
    await saveScreen(page, 'send-combined-damaged-file');
    // Remove by keyboard: Delete on the focused row.
    await fileRows(page).nth(0).focus();
    await page.keyboard.press('Delete');
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('dialog[open]').count(), { timeout: 20_000 }).toBe(0);
  }, 120_000);
});

describe('turning pages of a received fax', () => {
  it('a sideways page is turned, remembered across a restart, and printed and saved turned; the stored fax is not rewritten', async () => {
    const { env, pharmacy } = scene;
    const sent = await pharmacy.desk.invoke('send.submit', {
      orgId: env.orgs[1]!.orgId, to: '+15551110001', from: '+15552220002', fileName: 'lab-results.pdf',
      pdf: makeTestPdf({ pages: 3, title: 'Lab results' }), coverPage: null, route: 'fxe',
    });
    if (!sent.ok) throw new Error(sent.error.message);
    await pharmacy.desk.flushOutbox();
    await expect.poll(async () => {
      await clinic.desk.desk.pollNow();
      return (await clinic.desk.desk.invoke('faxes.get', { id: sent.value.id })).ok;
    }, { timeout: 20_000 }).toBe(true);
    const original = await clinic.desk.desk.invoke('faxes.document', { id: sent.value.id });
    if (!original.ok) throw new Error(original.error.message);

    let page = clinic.page;
    await folder(page, 'Inbox').click();
    await page.getByRole('listbox').locator(`[data-fax-id="${sent.value.id}"]`).click();
    const canvas = page.locator('canvas.page-canvas');
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    // Page 2, turned with the keyboard ("r"), then page 3 with the toolbar button, twice.
    await page.getByRole('button', { name: 'Page 2', exact: true }).click();
    await page.locator('canvas.page-canvas[data-page="2"][data-rendered="true"]').waitFor({ timeout: 20_000 });
    await page.locator('.viewer-stage').focus();
    await page.keyboard.press('r');
    await page.locator('canvas.page-canvas[data-page="2"][data-rotation="90"][data-rendered="true"]').waitFor({ timeout: 20_000 });
    const box = await canvas.boundingBox();
    expect(box!.width).toBeGreaterThan(box!.height); // a Letter page on its side
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('button', { name: 'Turn this page clockwise' }).click();
    await page.getByRole('button', { name: 'Turn this page clockwise' }).click();
    await page.locator('canvas.page-canvas[data-page="3"][data-rotation="180"][data-rendered="true"]').waitFor({ timeout: 20_000 });
    await saveScreen(page, 'viewer-page-turned');

    // Print at once: the printed copy has the pages turned.
    await page.getByRole('button', { name: 'Print', exact: true }).click();
    await expect.poll(() => clinic.desk.printed.length, { timeout: 20_000 }).toBe(1);
    expect((await PDFDocument.load(clinic.desk.printed[0]!.pdf)).getPages().map((p) => p.getRotation().angle)).toEqual([0, 90, 180]);

    // The app restarts: the turns are still there, in the viewer and in a saved copy.
    await clinic.context.close();
    await clinic.desk.restart();
    clinic = await openAppWindow(scene.browser, scene.server, clinic.desk);
    scene.clinic = clinic;
    page = clinic.page;
    await page.locator('.workspace').waitFor({ timeout: 20_000 });
    await folder(page, 'Inbox').click();
    await page.getByRole('listbox').locator(`[data-fax-id="${sent.value.id}"]`).click();
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Page 2', exact: true }).click();
    await page.locator('canvas.page-canvas[data-page="2"][data-rotation="90"][data-rendered="true"]').waitFor({ timeout: 20_000 });

    clinic.desk.nextSavePath = join(clinic.desk.dataDir, '..', 'lab-results-turned.pdf');
    const savedTo = clinic.desk.nextSavePath;
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(`Saved to ${savedTo}`).waitFor({ timeout: 20_000 });
    const saved = new Uint8Array(readFileSync(savedTo));
    expect((await PDFDocument.load(saved)).getPages().map((p) => p.getRotation().angle)).toEqual([0, 90, 180]);

    // The fax as stored is the fax as received.
    const stored = await clinic.desk.desk.invoke('faxes.document', { id: sent.value.id });
    expect(stored.ok && Buffer.from(stored.value.pdf).equals(Buffer.from(original.value.pdf))).toBe(true);
    expect(clinic.pageErrors).toEqual([]);
  }, 180_000);
});
