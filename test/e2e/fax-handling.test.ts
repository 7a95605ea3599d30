// The rest of a receptionist's day in the real app, between two real desks on a real relay:
// the phone book (CSV import and export, autocomplete in the send dialog, sender names in the
// inbox), a cover page (the recipient's document has one more page, and it says what was
// typed), the sent fax's verified delivery receipt and its printed confirmation, forwarding
// a received fax, resending a failed one, Settings (webhook receive mode through a "tunnel"
// URL that really delivers, notifications, retention) and the dark theme.
import { asFaxId, type FaxId } from '../../shared/domain/ids.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeTestPdf } from './fixtures/pdf.ts';
import { importKeysZip, openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let scratch: string;
let clinic: AppWindow; // Northside Clinic, +1 555 111 0001
let pharmacy: AppWindow; // Harbor Pharmacy, +1 555 222 0002
const referral = makeTestPdf({ pages: 3, title: 'Referral: J. Smith' });

const faxList = (page: Page) => page.getByRole('listbox');
const row = (page: Page, text: string | RegExp) => faxList(page).getByRole('option', { name: text });
const folder = (page: Page, name: 'Inbox' | 'Sent' | 'Outbox' | 'Archive') =>
  page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: new RegExp(`^${name}`) });
const toast = (page: Page, text: string) => page.getByRole('status').locator('.toast', { hasText: text });

/** A screenshot without the toasts left over from earlier steps. */
async function screen(page: Page, name: string): Promise<void> {
  // Behind an open modal dialog the page is inert (toasts included): nothing to click then.
  if ((await page.locator('dialog[open]').count()) === 0) await dismissToasts(page);
  await saveScreen(page, name);
}

async function dismissToasts(page: Page): Promise<void> {
  const dismiss = page.getByRole('status').getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

/** The text of one page of a PDF, extracted by poppler (an independent reader). */
function pdfText(pdf: Uint8Array, page: number): string {
  const file = join(scratch, `text-${Date.now()}-${page}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-layout', file, '-'], { encoding: 'utf8' });
}

async function documentOf(w: AppWindow, id: FaxId): Promise<Uint8Array> {
  const doc = await w.desk.desk.invoke('faxes.document', { id });
  if (!doc.ok) throw new Error(doc.error.message);
  return doc.value.pdf;
}

async function importCsv(page: Page, csv: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Phone book' }).click();
  await page.getByRole('heading', { name: 'Phone book' }).waitFor();
  await page.getByLabel('CSV file to import').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
}

async function finishSending(page: Page): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.locator('.send-progress[data-state="sent"], .send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  scratch = mkdtempSync(join(tmpdir(), 'fxe-e2e-handling-'));
  clinic = await openAppWindow(browser, server, await env.openDesk('handling-clinic'));
  pharmacy = await openAppWindow(browser, server, await env.openDesk('handling-pharmacy'));
  await importKeysZip(clinic, env.orgs[0]!.keysZipPath);
  await importKeysZip(pharmacy, env.orgs[1]!.keysZipPath);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('phone book, cover page, receipts, forward, resend, settings, theme', () => {
  it('imports a phone book from CSV (a row without a valid number is skipped) and exports it', async () => {
    const page = clinic.page;
    await importCsv(page, 'name,organisation,fax number\r\nHarbor Pharmacy front desk,Harbor Pharmacy,+1 555 222 0002\r\n"Lee, Jordan",Bayview Dental,+1 (555) 333-0003\r\nNo Number,Nowhere,call me\r\n');
    await toast(page, 'Imported 2 contacts, skipped 1 that had no valid fax number.').waitFor();
    await page.getByRole('cell', { name: 'Lee, Jordan', exact: true }).waitFor();
    await expect(page.getByRole('row').count()).resolves.toBe(3); // header + 2
    await expect(page.getByRole('button', { name: 'Send a fax to Harbor Pharmacy front desk' }).isVisible()).resolves.toBe(true);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('fxe-phone-book.csv');
    const csv = readFileSync((await download.path()), 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe('name,organisation,fax_number');
    expect(lines.slice(1).sort()).toEqual([
      // Numbers are written with a leading apostrophe so a spreadsheet never runs "+…" as a formula.
      `"Lee, Jordan",Bayview Dental,"'+15553330003"`,
      `Harbor Pharmacy front desk,Harbor Pharmacy,"'+15552220002"`,
    ]);

    // The pharmacy keeps the clinic's doctor in its phone book: that name shows in its inbox.
    await importCsv(pharmacy.page, 'Dr. Rivera,Northside Clinic,+15551110001\n');
    await toast(pharmacy.page, 'Imported 1 contact.').waitFor();
    await dismissToasts(page);
  });

  it('autocompletes the recipient from the phone book and sends with a cover page', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a fax' });
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'referral.pdf', mimeType: 'application/pdf', buffer: Buffer.from(referral) });
    const to = dialog.getByRole('combobox', { name: 'To', exact: true });
    // The phone book's suggestions under the field, by name, organisation or number.
    await to.fill('555');
    const suggestions = dialog.getByRole('listbox', { name: 'Phone book suggestions' }).getByRole('option');
    await expect.poll(() => suggestions.allTextContents(), { timeout: 20_000 }).toEqual(expect.arrayContaining([
      'Harbor Pharmacy front desk · Harbor Pharmacy+1 555 222 0002',
      'Lee, Jordan · Bayview Dental+1 555 333 0003',
    ]));
    await to.fill('Harbor Pharmacy front desk'); // a contact's name works as well as its number
    await expect(dialog.getByText(/^Harbor Pharmacy front desk: \+1/).isVisible()).resolves.toBe(true);

    await dialog.getByRole('checkbox', { name: 'Add a cover page' }).check();
    await dialog.getByRole('textbox', { name: 'To (name)' }).fill('Pharmacist on duty');
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Referral for J. Smith');
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Please fill the attached prescription today. Call us with any question.');
    await screen(page, 'send-cover-page');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await finishSending(page);
  });

  it('the recipient sees the phone-book name, and one more page: the cover, saying what was typed', async () => {
    const page = pharmacy.page;
    await folder(page, 'Inbox').click();
    await pharmacy.desk.desk.pollNow();
    const received = row(page, /^Unread\. From Dr\. Rivera, referral\.pdf, .*, 4 pages, Received$/);
    await received.waitFor({ timeout: 20_000 });
    const faxId = asFaxId((await received.getAttribute('data-fax-id'))!);
    await received.click();
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    await expect(page.locator('.viewer-toolbar').textContent()).resolves.toContain('/ 4');
    await expect(page.getByRole('article', { name: 'Fax details' }).getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Dr. Rivera');
    await screen(page, 'cover-page');

    const pdf = await documentOf(pharmacy, faxId);
    const cover = pdfText(pdf, 1);
    for (const text of ['Pharmacist on duty', 'Northside Clinic', 'Referral for J. Smith', 'Please fill the attached prescription today.']) expect(cover).toContain(text);
    expect(pdfText(pdf, 2)).toContain('Referral: J. Smith'); // the document itself follows, whole
    expect(pdfText(pdf, 4)).toContain('Page 3 of 3');
  });

  it("the sent fax's detail view shows its verified delivery receipt and prints a delivery confirmation", async () => {
    const page = clinic.page;
    await clinic.desk.desk.pollNow(); // asks the relay about sent faxes: the pharmacy's receipt is there
    await folder(page, 'Sent').click();
    const sent = row(page, /^To Harbor Pharmacy front desk, referral\.pdf, .*, Delivered$/);
    await sent.waitFor({ timeout: 20_000 });
    await sent.click();
    const receipt = page.getByRole('region', { name: 'Delivery receipt' });
    await receipt.getByRole('heading', { name: 'Delivery confirmed' }).waitFor();
    await expect(receipt.textContent()).resolves.toContain(env.orgs[1]!.orgId);
    await expect(receipt.textContent()).resolves.toMatch(/checked that signature/);
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    await screen(page, 'receipt');

    await receipt.getByRole('button', { name: 'Print delivery confirmation' }).click();
    await toast(page, 'Delivery confirmation sent to the printer.').waitFor();
    expect(clinic.desk.printed).toHaveLength(1);
    const faxId = asFaxId((await sent.getAttribute('data-fax-id'))!);
    expect(clinic.desk.printed[0]!.jobName).toContain(faxId);
    const confirmation = pdfText(clinic.desk.printed[0]!.pdf, 1);
    expect(confirmation).toContain(faxId);
    expect(confirmation).toContain(env.orgs[1]!.orgId);
    // Written for a person: numbers as they are dialled, times in local time with the zone, no raw UTC stamps.
    expect(confirmation).toContain('+1 555 222 0002');
    expect(confirmation).toContain('Delivered');
    expect(confirmation).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  it('forwards a received fax to another number', async () => {
    const page = pharmacy.page;
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Forward' }).click();
    const dialog = page.getByRole('dialog', { name: 'Forward “referral.pdf”' });
    await dialog.getByRole('combobox', { name: 'To', exact: true }).fill('+1 555 111 0001');
    await dialog.getByRole('button', { name: 'Forward', exact: true }).click();
    await finishSending(page);

    await clinic.desk.desk.pollNow();
    await folder(clinic.page, 'Inbox').click();
    const forwarded = row(clinic.page, /^Unread\. From Harbor Pharmacy front desk, referral\.pdf, .*, 4 pages, Received$/);
    await forwarded.waitFor({ timeout: 20_000 });
    // The same document, byte for byte, as the pharmacy received it (cover included).
    const original = await documentOf(pharmacy, asFaxId((await row(page, /referral\.pdf/).getAttribute('data-fax-id'))!));
    expect(Buffer.from(await documentOf(clinic, asFaxId((await forwarded.getAttribute('data-fax-id'))!))).equals(Buffer.from(original))).toBe(true);
  });

  it('a fax that failed shows why, and Resend sends it', async () => {
    const page = clinic.page;
    // The relay refuses the upload (a 4xx is final: no automatic retry).
    clinic.desk.interceptFetch = (url, init) => {
      if (init?.method !== 'POST' || new URL(url).pathname !== '/v1/messages') return null;
      return new Response(init.body ?? null).arrayBuffer().then(() =>
        new Response(JSON.stringify({ error: { code: 'invalid_request', message: 'refused for the test' } }), { status: 400, headers: { 'content-type': 'application/json' } }));
    };
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a fax' });
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'urgent-order.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 2, title: 'Urgent order' })) });
    await dialog.getByRole('combobox', { name: 'To', exact: true }).fill('+1 555 222 0002');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-state="failed"]').waitFor({ timeout: 30_000 });
    await expect(dialog.getByText('The fax could not be sent.').isVisible()).resolves.toBe(true);
    await expect(dialog.getByRole('alert').count()).resolves.toBeGreaterThan(0);
    await dialog.locator('footer').getByRole('button', { name: 'Close', exact: true }).click();
    clinic.desk.interceptFetch = null;

    await folder(page, 'Outbox').click();
    const failed = row(page, /urgent-order\.pdf, .*, Failed$/);
    await failed.click();
    const detail = page.getByRole('article', { name: 'Fax details' });
    await expect(detail.getByRole('alert').first().textContent()).resolves.toMatch(/refused|could not/i);
    await detail.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Resend' }).click();
    await toast(page, 'Sending again. Watch the Outbox.').waitFor();
    await clinic.desk.desk.flushOutbox();
    await folder(page, 'Sent').click();
    await row(page, /urgent-order\.pdf, .*, (Sent|Delivered)$/).waitFor({ timeout: 20_000 });

    await pharmacy.desk.desk.pollNow();
    const inbox = await pharmacy.desk.desk.invoke('faxes.list', { folder: 'inbox', query: 'urgent-order', offset: 0, limit: 10 });
    expect(inbox.ok && inbox.value.items.map((f) => [f.fileName, f.pages])).toEqual([['urgent-order.pdf', 2]]);
  });

  it('settings: webhook mode with a tunnel URL delivers without polling; notifications and retention are saved', async () => {
    const page = pharmacy.page;
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Settings' }).click();
    const receiving = page.getByRole('region', { name: 'Receiving faxes' });
    await receiving.getByRole('radio', { name: /Instant delivery through a webhook/ }).check();
    await expect.poll(() => pharmacy.desk.desk.webhookListenerUrl()).not.toBeNull();
    // The "tunnel" is the identity here: the relay reaches this computer's listener directly.
    const tunnel = receiving.getByRole('textbox', { name: 'Public tunnel URL' });
    await tunnel.fill(pharmacy.desk.desk.webhookListenerUrl()!);
    await tunnel.blur();
    await expect.poll(async () => {
      const st = await pharmacy.desk.desk.invoke('settings.get', {});
      return st.ok && [st.value.receiveMode, st.value.webhookTunnelUrl];
    }).toEqual(['webhook', pharmacy.desk.desk.webhookListenerUrl()]);

    // A fax now arrives by itself: nobody calls pollNow on the pharmacy.
    const sent = await clinic.desk.desk.invoke('send.submit', {
      orgId: env.orgs[0]!.orgId, to: '+15552220002', from: '+15551110001', fileName: 'pushed.pdf', pdf: makeTestPdf({ pages: 1, title: 'Pushed' }), coverPage: null, route: 'fxe',
    });
    expect(sent.ok).toBe(true);
    await clinic.desk.desk.flushOutbox();
    await expect.poll(async () => {
      const list = await pharmacy.desk.desk.invoke('faxes.list', { folder: 'inbox', query: 'pushed', offset: 0, limit: 10 });
      return list.ok ? list.value.total : -1;
    }, { timeout: 20_000 }).toBe(1);

    const notifications = page.getByRole('region', { name: 'Notifications' });
    await notifications.getByRole('checkbox', { name: 'Show a notification when a fax arrives' }).uncheck();
    await expect.poll(() => notifications.getByRole('checkbox', { name: /Hide the sender and contents/ }).isDisabled()).toBe(true);

    const retention = page.getByRole('region', { name: 'Retention' });
    await expect(retention.getByRole('checkbox', { name: 'Clean up old faxes automatically' }).isChecked()).resolves.toBe(false); // off by default
    await retention.getByRole('checkbox', { name: 'Clean up old faxes automatically' }).check();
    await retention.getByRole('combobox', { name: 'What to do with old faxes' }).selectOption('delete');
    const days = retention.getByRole('spinbutton', { name: 'days' });
    await days.fill('30');
    await days.blur();
    await expect.poll(async () => {
      const st = await pharmacy.desk.desk.invoke('settings.get', {});
      return st.ok && [st.value.notifications.enabled, st.value.retention];
    }).toEqual([false, { enabled: true, days: 30, action: 'delete' }]);
  });

  it('dark theme: applied at once, kept after a restart of the window', async () => {
    const page = pharmacy.page;
    await page.getByRole('region', { name: 'Appearance' }).getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await folder(page, 'Inbox').click();
    await row(page, /referral\.pdf/).click();
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    // Dark surfaces, light text (the page itself stays white: it is the fax).
    const [bg, fg] = await page.evaluate(() => {
      const lum = (c: string) => {
        const [r, g, b] = c.match(/\d+/g)!.map(Number);
        return 0.299 * r! + 0.587 * g! + 0.114 * b!;
      };
      const list = getComputedStyle(document.querySelector('.fax-list')!);
      return [lum(getComputedStyle(document.body).backgroundColor), lum(list.color)];
    });
    expect(bg).toBeLessThan(60);
    expect(fg).toBeGreaterThan(150);
    await screen(page, 'inbox-dark');
  });

  it('raised no uncaught errors in either window', () => {
    expect(clinic.pageErrors).toEqual([]);
    expect(pharmacy.pageErrors).toEqual([]);
  });
});
