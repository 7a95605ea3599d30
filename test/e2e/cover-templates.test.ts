// Cover-page templates with the office's logo: the REAL renderer in Chromium over the REAL
// services and a REAL local relay. The office sets its logo in Settings (a file that is not a
// picture is refused by name first), writes a "Confidential — patient records" template with
// a confidentiality notice and makes it the default; a new fax with a cover page then starts
// from that template, the preview shows the letterhead, and what the pharmacy receives has
// the logo, the office's fields and the notice on its first page (read by poppler).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPdf } from './fixtures/pdf.ts';
import { makePng } from './fixtures/pictures.ts';
import type { AppWindow } from './harness/app-window.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';
import { REPO_ROOT } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';

let scene: ClinicAndPharmacy;
let clinic: AppWindow;
const scratch = mkdtempSync(join(tmpdir(), 'fxe-cover-templates-'));

beforeAll(async () => {
  scene = await openClinicAndPharmacy('cover-templates');
  clinic = scene.clinic;
});

afterAll(async () => {
  await scene?.close();
});

function poppler(tool: 'pdftotext' | 'pdfimages', pdf: Uint8Array): string {
  const file = join(scratch, `${tool}-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync(tool, tool === 'pdftotext' ? ['-f', '1', '-l', '1', file, '-'] : ['-f', '1', '-l', '1', '-list', file], { encoding: 'utf8' });
}

describe('cover-page templates with the office logo', () => {
  it('a logo and a default template set in Settings fill the cover of a new fax; the pharmacy gets the letterhead', async () => {
    const page = clinic.page;
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Settings' }).click();
    const card = page.getByRole('region', { name: 'Cover pages' });
    await card.getByRole('button', { name: 'Choose logo…' }).waitFor();

    // A text file named like a picture is refused by name; nothing is kept.
    await card.getByLabel('Logo picture (PNG or JPEG)').setInputFiles({ name: 'logo-final.png', mimeType: 'image/png', buffer: Buffer.from('not really a picture') });
    await card.getByRole('alert').filter({ hasText: 'logo-final.png is not a PNG or JPEG picture.' }).waitFor({ timeout: 20_000 });
    await card.getByText('No logo').waitFor();
    // The real one.
    await card.getByLabel('Logo picture (PNG or JPEG)').setInputFiles({ name: 'northside-logo.png', mimeType: 'image/png', buffer: Buffer.from(makePng(240, 80)) });
    await card.getByText(/northside-logo\.png · 240 × 80 pixels/).waitFor({ timeout: 20_000 });
    await card.getByRole('img', { name: 'Logo: northside-logo.png' }).waitFor();

    // A template, from the keyboard-reachable form.
    await card.getByRole('button', { name: 'New template' }).click();
    const form = card.getByRole('form', { name: 'New cover-page template' });
    await form.getByLabel('Template name').fill('Confidential — patient records');
    await form.getByLabel('Office name').fill('Northside Clinic');
    await form.getByLabel('Reply fax').fill('+15551110001');
    await form.getByLabel('Reply phone').fill('+15551110099');
    await form.getByRole('button', { name: 'Use a standard notice' }).click();
    await expect(form.getByLabel('Confidentiality notice').inputValue()).resolves.toMatch(/^The information in this fax is confidential/);
    await form.getByLabel('Default message').fill('Patient records as requested. Please confirm receipt.');
    await form.getByRole('checkbox', { name: 'Use this template when a cover page is added' }).check();
    await form.getByRole('button', { name: 'Save template' }).click();
    const row = card.getByRole('row', { name: /Confidential — patient records/ });
    await row.getByText('Default').waitFor({ timeout: 20_000 });
    // A second template with the same name in another case is refused next to the form.
    await card.getByRole('button', { name: 'New template' }).click();
    await card.getByRole('form', { name: 'New cover-page template' }).getByLabel('Template name').fill('CONFIDENTIAL — PATIENT RECORDS');
    await card.getByRole('button', { name: 'Save template' }).click();
    await card.getByRole('alert').filter({ hasText: 'There is already a template called' }).waitFor({ timeout: 20_000 });
    await card.getByRole('button', { name: 'Cancel' }).click();
    await card.scrollIntoViewIfNeeded();
    await saveScreen(page, 'settings-cover-templates');

    // A new fax: adding a cover page starts from the default template.
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByTestId('send-dialog');
    await dialog.getByLabel('PDF to send, or pictures').setInputFiles({ name: 'records.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 2, title: 'Records' })) });
    await page.locator('input[name=to]').fill('+1 555 222 0002');
    await dialog.getByRole('checkbox', { name: 'Add a cover page' }).check();
    const template = dialog.getByRole('combobox', { name: 'Template' });
    await expect.poll(() => template.locator('option:checked').textContent(), { timeout: 20_000 }).toBe('Confidential — patient records (default)');
    await expect(dialog.getByRole('textbox', { name: 'From (name)' }).inputValue()).resolves.toBe('Northside Clinic');
    await expect(dialog.getByRole('textbox', { name: 'Message' }).inputValue()).resolves.toBe('Patient records as requested. Please confirm receipt.');
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Records for J. Smith');
    // "Plain" and back: the choice is the user's.
    await template.selectOption({ label: 'Plain cover page (no template)' });
    await template.selectOption({ label: 'Confidential — patient records (default)' });

    await dialog.getByRole('button', { name: 'Preview pages' }).click();
    await expect.poll(() => dialog.getByTestId('preview-summary').textContent(), { timeout: 30_000 }).toBe('3 pages will be sent, cover page included.');
    const coverThumb = dialog.getByRole('img', { name: 'Page 1: Cover page' });
    await expect.poll(() => coverThumb.getAttribute('data-rendered'), { timeout: 30_000 }).toBe('true');
    await saveScreen(page, 'send-cover-template');

    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-state="sent"], .send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();

    const pharmacy = scene.pharmacy.desk;
    const received = await expect.poll(async () => {
      await pharmacy.pollNow();
      const r = await pharmacy.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
      return r.ok ? r.value.items.length : 0;
    }, { timeout: 30_000 }).toBe(1).then(() => pharmacy.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 }));
    if (!received.ok) throw new Error(received.error.message);
    const doc = await pharmacy.invoke('faxes.document', { id: received.value.items[0]!.id });
    if (!doc.ok) throw new Error(doc.error.message);
    const text = poppler('pdftotext', doc.value.pdf).replace(/\s+/g, ' ');
    for (const s of ['Northside Clinic', 'Reply fax: +1 555 111 0001', 'Phone: +1 555 111 0099', 'CONFIDENTIALITY NOTICE', 'The information in this fax is confidential', 'Records for J. Smith', 'Patient records as requested.']) {
      expect(text).toContain(s);
    }
    // The logo is on the cover, at its own size in pixels.
    expect(poppler('pdfimages', doc.value.pdf)).toMatch(/\n\s*1\s+\d+\s+image\s+240\s+80\b/);
    // The cover as the pharmacy prints it, drawn by poppler, for the documentation.
    const shots = join(REPO_ROOT, 'test-artifacts', 'screenshots');
    mkdirSync(shots, { recursive: true });
    writeFileSync(join(scratch, 'received.pdf'), doc.value.pdf);
    execFileSync('pdftoppm', ['-f', '1', '-l', '1', '-png', '-r', '80', '-singlefile', join(scratch, 'received.pdf'), join(shots, 'cover-page-letterhead')]);
    expect(clinic.pageErrors).toEqual([]);
  }, 240_000);
});
