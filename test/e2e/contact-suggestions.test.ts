// Picking a recipient from the phone book while typing "To": names, organisations and
// numbers match in part and in any case, the list works from the keyboard alone (a combobox
// with a listbox, as screen readers expect), and a number one digit away from a contact's
// gets "Did you mean …?". The real renderer in Chromium over the real services and relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { importKeysZip, openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let clinic: AppWindow;

const PHONE_BOOK = [
  { name: 'Harbor Pharmacy', organisation: 'Harbor Pharmacy Ltd', faxNumber: '+15552220002' },
  { name: 'Lee, Jordan', organisation: 'Bayview Dental', faxNumber: '+15553330003' },
  { name: 'Dr. Rivera', organisation: 'Northside Clinic', faxNumber: '+15551110001' },
  { name: 'Billing', organisation: 'Harbor Pharmacy Ltd', faxNumber: '+15552220090' },
];

const toField = (page: Page) => page.getByTestId('send-dialog').getByRole('combobox', { name: 'To', exact: true });
const shownSuggestions = (page: Page) =>
  page.getByRole('listbox', { name: 'Phone book suggestions' }).getByRole('option').locator('.suggestion-name').allTextContents();

async function openNewFax(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'New fax' }).click();
  await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), { timeout: 20_000 }).toBe('to');
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  clinic = await openAppWindow(browser, server, await env.openDesk('suggest-clinic'));
  await importKeysZip(clinic, env.orgs[0]!.keysZipPath);
  for (const contact of PHONE_BOOK) {
    const saved = await clinic.desk.desk.invoke('contacts.save', contact);
    if (!saved.ok) throw new Error(saved.error.message);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
});

describe('contact suggestions in "To"', () => {
  it('suggests contacts by part of a name, an organisation or a number, in any case', async () => {
    const page = clinic.page;
    await openNewFax(page);
    const to = toField(page);
    await page.keyboard.type('riV');
    await expect.poll(() => shownSuggestions(page), { timeout: 20_000 }).toEqual(['Dr. Rivera']);
    expect(await to.getAttribute('aria-expanded')).toBe('true');
    await to.fill('bayview');
    await expect.poll(() => shownSuggestions(page), { timeout: 20_000 }).toEqual(['Lee, Jordan']);
    await to.fill('555 222'); // equally good matches: in the phone book's order (by name)
    await expect.poll(() => shownSuggestions(page), { timeout: 20_000 }).toEqual(['Billing', 'Harbor Pharmacy']);
    await to.fill('HARBOR');
    await expect.poll(() => shownSuggestions(page), { timeout: 20_000 }).toEqual(['Harbor Pharmacy', 'Billing']);
    // Letters that start a contact's name are not called a mistake while the list shows them.
    expect(await page.getByTestId('to-hint').textContent()).not.toMatch(/can only contain digits/);
    await saveScreen(page, 'send-contact-suggestions');
    await to.fill('nobody here');
    await expect.poll(() => to.getAttribute('aria-expanded'), { timeout: 20_000 }).toBe('false');
    await expect.poll(() => page.getByTestId('to-hint').textContent(), { timeout: 20_000 }).toMatch(/can only contain digits/);
    await page.getByTestId('send-dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('works from the keyboard: arrows move, Enter picks, Escape closes the list and not the dialog', async () => {
    const page = clinic.page;
    await openNewFax(page);
    const to = toField(page);
    await page.keyboard.type('harbor');
    await expect.poll(() => shownSuggestions(page), { timeout: 20_000 }).toEqual(['Harbor Pharmacy', 'Billing']);
    expect(await to.getAttribute('aria-activedescendant')).toBeNull();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const active = await to.getAttribute('aria-activedescendant');
    await expect(page.locator(`[id="${active}"]`).getAttribute('aria-selected')).resolves.toBe('true');
    await expect(page.locator(`[id="${active}"] .suggestion-name`).textContent()).resolves.toBe('Billing');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter'); // picks Harbor Pharmacy; does not send
    await expect(to.inputValue()).resolves.toBe('Harbor Pharmacy');
    await expect.poll(() => page.getByTestId('to-hint').textContent(), { timeout: 20_000 }).toBe('Harbor Pharmacy: +1 555 222 0002');
    expect(await to.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('send-dialog').locator('.file-pick .muted, .file-pick .field-error').textContent()).not.toMatch(/Choose the PDF/);

    await to.fill('lee');
    await expect.poll(() => shownSuggestions(page), { timeout: 20_000 }).toEqual(['Lee, Jordan']);
    await page.keyboard.press('Escape');
    await expect.poll(() => to.getAttribute('aria-expanded'), { timeout: 20_000 }).toBe('false');
    expect(await page.locator('dialog[open]').count()).toBe(1);
    await expect(to.inputValue()).resolves.toBe('lee');
    await page.keyboard.press('ArrowDown'); // reopens the list
    await expect.poll(() => to.getAttribute('aria-expanded'), { timeout: 20_000 }).toBe('true');
    await page.getByRole('option', { name: /Lee, Jordan/ }).click(); // and a click picks too
    await expect(to.inputValue()).resolves.toBe('Lee, Jordan');
    await page.keyboard.press('Escape'); // list closed: now Escape closes the dialog
    await expect.poll(() => page.locator('dialog[open]').count(), { timeout: 20_000 }).toBe(0);
  });

  it('asks "Did you mean …?" for a number one digit away from a contact\'s, and fills it', async () => {
    const page = clinic.page;
    await openNewFax(page);
    const to = toField(page);
    const didYouMean = page.getByTestId('did-you-mean');
    await to.fill('+1 555 333 0030'); // two digits swapped
    await expect.poll(() => didYouMean.textContent(), { timeout: 20_000 }).toMatch(/^Did you mean Lee, Jordan, \+1 555 333 0003\?/);
    await to.fill('555 111 0007'); // one digit wrong, national
    await expect.poll(() => didYouMean.textContent(), { timeout: 20_000 }).toMatch(/^Did you mean Dr\. Rivera, \+1 555 111 0001\?/);
    await saveScreen(page, 'send-did-you-mean');
    await didYouMean.getByRole('button', { name: 'Use this number' }).click();
    await expect(to.inputValue()).resolves.toBe('Dr. Rivera');
    await expect.poll(() => page.getByTestId('to-hint').textContent(), { timeout: 20_000 }).toBe('Dr. Rivera: +1 555 111 0001');
    expect(await didYouMean.count()).toBe(0);
    // Two contacts as close (…0002 and …0090 are not; …0092 is one off from both): no guess.
    await to.fill('+1 555 222 0092');
    await expect.poll(() => page.getByTestId('to-hint').textContent(), { timeout: 20_000 }).toMatch(/^\+1 555 222 0092/);
    expect(await didYouMean.count()).toBe(0);
    await to.fill('+1 555 999 9999');
    await expect.poll(() => page.getByTestId('to-hint').textContent(), { timeout: 20_000 }).toMatch(/^\+1 555 999 9999/);
    expect(await didYouMean.count()).toBe(0);
    await page.getByTestId('send-dialog').getByRole('button', { name: 'Cancel' }).click();
  });
});
