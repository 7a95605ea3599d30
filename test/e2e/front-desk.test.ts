// A receptionist's small frustrations, each fixed and kept fixed: the real renderer in
// Chromium over the real services and relay. New fax puts the cursor in "To" (visibly); the
// number field says what is actually wrong, while typing, and takes national numbers; Choose
// PDF refuses a damaged picture, a file that cannot be faxed or an empty file at once; two
// dropped PDFs are both kept (combined into one fax), never silently cut to one; the Inbox badge ignores archived faxes; a deleted fax takes its tag and its toasts
// with it and the keyboard stays in the list; the phone book refuses a number twice.
import type { FaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeTestPdf } from './fixtures/pdf.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';
import type { DeskEnv, DeskUnderTest } from './harness/desk-env.ts';
import { saveScreen } from './harness/screens.ts';
import type { StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let clinic: AppWindow; // Northside Clinic, +1 555 111 0001
let pharmacy: DeskUnderTest; // Harbor Pharmacy, +1 555 222 0002 (no window: it only sends)

const folder = (page: Page, name: string) => page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: new RegExp(`^${name}`) });
const rows = (page: Page) => page.getByRole('listbox').getByRole('option');
const toast = (page: Page, text: string) => page.getByRole('status').locator('.toast', { hasText: text });

/** The pharmacy faxes the clinic (through the relay), and the clinic's desk fetches it. */
async function receive(fileName: string, subject: string | null = null): Promise<FaxId> {
  const coverPage = subject ? { toName: 'Front desk', fromName: 'Harbor Pharmacy', subject, message: '' } : null;
  const sent = await pharmacy.desk.invoke('send.submit', {
    orgId: env.orgs[1]!.orgId, to: '+15551110001', from: '+15552220002', fileName, pdf: makeTestPdf({ pages: 1, title: fileName }), coverPage, route: 'fxe',
  });
  if (!sent.ok) throw new Error(sent.error.message);
  await pharmacy.desk.flushOutbox();
  await expect.poll(async () => {
    await clinic.desk.desk.pollNow();
    const f = await clinic.desk.desk.invoke('faxes.get', { id: sent.value.id });
    return f.ok;
  }, { timeout: 20_000 }).toBe(true);
  return sent.value.id;
}

let scene: ClinicAndPharmacy;

beforeAll(async () => {
  scene = await openClinicAndPharmacy('front');
  ({ env, server, browser, clinic, pharmacy } = scene);
});

afterAll(async () => {
  await scene?.close();
});

describe('the send dialog', () => {
  it('Ctrl+N puts a visible cursor in "To": typing a number with spaces does not close the dialog', async () => {
    const page = clinic.page;
    await page.locator('.workspace').click({ position: { x: 600, y: 400 } });
    await page.keyboard.press('Control+n');
    const dialog = page.getByTestId('send-dialog');
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), { timeout: 20_000 }).toBe('to');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.type('+1 555 222 0002');
    await expect(page.locator('input[name=to]').inputValue()).resolves.toBe('+1 555 222 0002');
    expect(await page.locator('dialog[open]').count()).toBe(1);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('says what is wrong with a number while it is typed, and reads a national number in the office country', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    const to = page.locator('input[name=to]');
    const hint = page.getByTestId('to-hint');
    await to.fill('+1 555 222 00002');
    await expect.poll(() => hint.textContent(), { timeout: 20_000 }).toMatch(/too many digits for \+1/);
    // A list: each complete number before a comma becomes a recipient of its own; the rest stays.
    await to.fill('+15552220002, +15553330003');
    await expect.poll(() => page.getByTestId('recipient-chips').getByRole('listitem').allTextContents(), { timeout: 20_000 }).toEqual(['+1 555 222 0002×']);
    await expect(to.inputValue()).resolves.toBe('+15553330003');
    await to.fill('+1 555 222 0002 +1 555 333 0003'); // two numbers run together
    await expect.poll(() => hint.textContent(), { timeout: 20_000 }).toMatch(/comma between fax numbers/);
    await to.fill('+1 555 222 002');
    await page.keyboard.press('Tab'); // leaving the field: now "missing digits" is worth saying
    await expect.poll(() => hint.textContent(), { timeout: 20_000 }).toMatch(/missing digits for \+1/);
    await to.fill('555 222 0002');
    await expect.poll(() => hint.textContent(), { timeout: 20_000 }).toBe('+1 555 222 0002 (check this number: it is not in use in its country)');
    await saveScreen(page, 'send-number-check');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('a national number follows the default-country setting', async () => {
    const page = clinic.page;
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Settings' }).click();
    await page.locator('select[name=defaultCountry]').selectOption('GB');
    await expect.poll(async () => {
      const s = await clinic.desk.desk.invoke('settings.get', {});
      return s.ok ? s.value.defaultCountry : null;
    }, { timeout: 20_000 }).toBe('GB');
    await page.getByRole('button', { name: 'New fax' }).click();
    await page.locator('input[name=to]').fill('020 7946 0018');
    await expect.poll(() => page.getByTestId('to-hint').textContent(), { timeout: 20_000 }).toMatch(/^\+44 20 7946 0018/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('select[name=defaultCountry]').selectOption('');
    await folder(page, 'Inbox').click();
  });

  it('Choose PDF refuses a damaged picture, a file that cannot be faxed and an empty file at once', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByTestId('send-dialog');
    // Pictures may be faxed now (combined into the PDF), but a broken one is named at once.
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) });
    await dialog.getByText('photo.png could not be read: the picture seems damaged.').waitFor({ timeout: 20_000 });
    expect(await dialog.locator('.file-chosen').count()).toBe(0);
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'minutes.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.from('PK\x03\x04') });
    await dialog.getByText('minutes.docx cannot be faxed: only PDF files and JPEG, PNG or TIFF pictures can go into a fax.').waitFor();
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'empty.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(0) });
    await dialog.getByText('empty.pdf is empty (0 bytes).').waitFor();
    expect(await dialog.locator('.file-chosen').count()).toBe(0);
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 1, title: 'Letter' })) });
    await dialog.locator('.file-chosen', { hasText: 'letter.pdf' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('dropping two PDFs keeps both, in order, to go as one fax (never silently one)', async () => {
    const page = clinic.page;
    await page.evaluate(() => {
      const dataTransfer = new DataTransfer();
      for (const name of ['page-one.pdf', 'page-two.pdf']) dataTransfer.items.add(new File(['%PDF-1.4\n'], name, { type: 'application/pdf' }));
      const target = document.querySelector('.workspace')!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer }));
    });
    const dialog = page.getByTestId('send-dialog');
    await expect.poll(() => dialog.locator('.compose-list > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-file'))), { timeout: 20_000 }).toEqual(['page-one.pdf', 'page-two.pdf']);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
  });
});

describe('the inbox', () => {
  it('shows the file name and the cover subject in the list and the header, and finds the subject and the number however typed', async () => {
    const page = clinic.page;
    const id = await receive('rx-2291.pdf', 'Refill for M. Garcia');
    await receive('rx-2292.pdf');
    await folder(page, 'Inbox').click();
    const row = page.getByRole('listbox').locator(`[data-fax-id="${id}"]`);
    await expect.poll(() => row.locator('.who-number').textContent(), { timeout: 20_000 }).toBe('Refill for M. Garcia · rx-2291.pdf');
    await expect(row.getAttribute('aria-label')).resolves.toContain('rx-2291.pdf, subject Refill for M. Garcia');
    await row.click();
    await expect.poll(() => page.getByTestId('detail-doc').textContent(), { timeout: 20_000 }).toBe('Refill for M. Garcia · rx-2291.pdf');
    await page.locator('canvas.page-canvas[data-rendered="true"]').first().waitFor({ timeout: 20_000 });
    await saveScreen(page, 'inbox-subjects');

    const search = page.getByRole('searchbox', { name: 'Search faxes' });
    await search.fill('garcia');
    await expect.poll(() => rows(page).evaluateAll((os) => os.map((o) => o.getAttribute('data-fax-id'))), { timeout: 20_000 }).toEqual([id]);
    for (const written of ['(555) 222-0002', '555-222-0002', '+1 555 222 0002', '555.222.0002']) {
      await search.fill(written);
      await expect.poll(() => rows(page).count(), { message: written, timeout: 20_000 }).toBe(2);
    }
    await saveScreen(page, 'search-number-any-format');
    await search.fill('');
    // The sender's Sent folder lists the subject too.
    const sent = await pharmacy.desk.invoke('faxes.get', { id });
    expect(sent.ok && sent.value.subject).toBe('Refill for M. Garcia');
    const all = await clinic.desk.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    if (all.ok) await clinic.desk.desk.invoke('faxes.delete', { ids: all.value.items.map((f) => f.id) });
  });

  it('a new fax is announced in the window, with the line it came in on, and Open shows it', async () => {
    const page = clinic.page;
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Phone book' }).click();
    const id = await receive('arrival-notice.pdf');
    const notice = toast(page, 'New fax from Harbor Pharmacy on +1 555 111 0001.').last(); // earlier arrivals may still show theirs
    await notice.waitFor({ timeout: 20_000 });
    await saveScreen(page, 'arrival-notice');
    await notice.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.evaluate(() => document.querySelector('[role=listbox] [aria-selected="true"]')?.getAttribute('data-fax-id') ?? null), { timeout: 20_000 }).toBe(id);
    await expect.poll(() => page.getByTestId('received-on').textContent(), { timeout: 20_000 }).toBe('on +1 555 111 0001');
    expect((await clinic.desk.desk.invoke('faxes.delete', { ids: [id] })).ok).toBe(true);
  });

  it('the unread badge does not count archived faxes', async () => {
    const page = clinic.page;
    const id = await receive('unread-then-archived.pdf');
    await expect.poll(() => folder(page, 'Inbox').locator('.count').textContent(), { timeout: 20_000 }).toBe('1');
    const r = await clinic.desk.desk.invoke('faxes.archive', { ids: [id], archived: true });
    expect(r.ok).toBe(true);
    await expect.poll(() => folder(page, 'Inbox').locator('.count').count(), { timeout: 20_000 }).toBe(0);
  });

  it('deleting a fax takes its "archived: Undo" toast and its last tag with it, and the keyboard stays in the list', async () => {
    const page = clinic.page;
    const tagged = await receive('tagged.pdf');
    await receive('second.pdf');
    await receive('third.pdf');
    expect((await clinic.desk.desk.invoke('faxes.setTags', { id: tagged, tags: ['insurance'] })).ok).toBe(true);
    await folder(page, 'Inbox').click();
    const tagButton = page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: '# insurance' });
    await tagButton.waitFor();

    // Archive the tagged fax, then delete it from the Archive: the Undo for "archived" goes.
    await page.getByRole('listbox').locator(`[data-fax-id="${tagged}"]`).click();
    await page.keyboard.press('e');
    await toast(page, 'Fax archived.').waitFor();
    await folder(page, 'Archive').click();
    await page.getByRole('listbox').locator(`[data-fax-id="${tagged}"]`).click();
    await page.keyboard.press('Delete');
    await toast(page, 'Fax moved to Trash.').waitFor();
    expect(await toast(page, 'Fax archived.').count()).toBe(0);
    await tagButton.waitFor({ state: 'detached' });

    // In the Inbox: delete the first of the faxes; the next one is selected and has the keyboard.
    await folder(page, 'Inbox').click();
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBe(2);
    const [first, next] = await rows(page).evaluateAll((os) => os.map((o) => o.getAttribute('data-fax-id')));
    await rows(page).first().click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.evaluate(() => document.querySelector('[role=listbox] [aria-selected="true"]')?.getAttribute('data-fax-id') ?? null), { timeout: 20_000 }).toBe(next);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role')), { timeout: 20_000 }).toBe('listbox');
    expect(first).not.toBe(next);
    await page.keyboard.press('Delete'); // the keyboard really is there: the next one goes too
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBe(0);
  });
});

describe('the layout at 1280×800', () => {
  it('a delivered 36-page fax with its receipt, tags and note open still shows the document, and the viewer toolbar stays on one line', async () => {
    const page = clinic.page;
    const sent = await clinic.desk.desk.invoke('send.submit', {
      orgId: env.orgs[0]!.orgId, to: '+15552220002', from: '+15551110001', fileName: 'patient-record-2291.pdf',
      pdf: makeTestPdf({ pages: 36, title: 'Patient record' }), coverPage: { toName: 'Pharmacist', fromName: 'Northside Clinic', subject: 'Records request', message: '' }, route: 'fxe',
    });
    if (!sent.ok) throw new Error(sent.error.message);
    const id = sent.value.id;
    await clinic.desk.desk.flushOutbox();
    await expect.poll(async () => {
      await pharmacy.desk.pollNow();
      await clinic.desk.desk.pollNow();
      const f = await clinic.desk.desk.invoke('faxes.get', { id });
      return f.ok ? f.value.state : null;
    }, { timeout: 30_000 }).toBe('delivered');
    expect((await clinic.desk.desk.invoke('faxes.setTags', { id, tags: ['records', 'urgent'] })).ok).toBe(true);
    expect((await clinic.desk.desk.invoke('faxes.setNote', { id, note: 'Called the pharmacy to confirm.' })).ok).toBe(true);

    await folder(page, 'Sent').click();
    await page.getByRole('listbox').locator(`[data-fax-id="${id}"]`).click();
    await page.getByRole('region', { name: 'Delivery receipt' }).waitFor();
    await page.locator('.tags-note[open]').waitFor(); // a fax with tags or a note shows them open
    await page.locator('canvas.page-canvas[data-rendered="true"]').first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('.viewer-toolbar').textContent(), { timeout: 20_000 }).toContain('/ 37');

    const viewport = page.viewportSize()!;
    const toolbar = (await page.locator('.viewer-toolbar').boundingBox())!;
    const buttonHeight = (await page.locator('.viewer-toolbar button', { hasText: 'Print' }).boundingBox())!.height;
    expect(toolbar.height).toBeLessThan(buttonHeight * 2); // one row of buttons, not two
    expect(toolbar.x + toolbar.width).toBeLessThanOrEqual(viewport.width);
    const canvas = (await page.locator('canvas.page-canvas').first().boundingBox())!;
    // At least 300 px of the page itself is on screen, without scrolling the pane.
    expect(viewport.height - canvas.y).toBeGreaterThan(300);
    await saveScreen(page, 'receipt-compact');
  });
});

describe('the phone book', () => {
  it('refuses a number that is already in it, saying under which name', async () => {
    const page = clinic.page;
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Phone book' }).click();
    const add = async (name: string, number: string) => {
      await page.getByRole('button', { name: 'Add contact' }).click();
      const form = page.locator('form.contact-form');
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Fax number').fill(number);
      await form.getByRole('button', { name: 'Save' }).click();
    };
    await add('Harbor Pharmacy', '+1 555 222 0002');
    await page.getByRole('cell', { name: 'Harbor Pharmacy', exact: true }).waitFor();
    await add('Pharmacy (again)', '+1 (555) 222-0002');
    await page.locator('form.contact-form').getByText('This fax number is already in the phone book, as “Harbor Pharmacy”.').waitFor();
    const list = await clinic.desk.desk.invoke('contacts.list', {});
    expect(list.ok && list.value.map((c) => c.name)).toEqual(['Harbor Pharmacy']);
  });
});

describe('the demo', () => {
  it("the demo partner's number is not flagged as out of use", async () => {
    const demo = await openAppWindow(browser, server, await env.openDesk('front-demo'));
    await demo.page.getByRole('button', { name: 'Try the demo' }).click();
    await demo.page.locator('.workspace').waitFor({ timeout: 30_000 });
    await demo.page.getByRole('button', { name: 'New fax' }).click();
    await demo.page.locator('input[name=to]').fill('+1 555 222 0002');
    await expect.poll(() => demo.page.getByTestId('to-hint').textContent(), { timeout: 20_000 }).toBe('+1 555 222 0002');
    await demo.context.close();
  });
});
