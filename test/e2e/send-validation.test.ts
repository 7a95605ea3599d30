// The send dialog refuses what cannot be faxed, in words a receptionist understands: the
// REAL renderer in Chromium, bridged to the REAL services on a REAL local relay. A PNG saved
// with a .pdf name passes the browser's name/type check, so it is the services' structural
// check that must answer, in the dialog, with nothing queued. A file that is not a PDF by
// name at all never opens the dialog: the window shows the banner instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bridgeDesk } from './harness/bridge.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { dropPdf } from './harness/page-actions.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

const NOT_A_PDF = 'This file is not a PDF that can be faxed. Save or print the document as PDF and try again.';

function pngBytes(): Uint8Array {
  const out = new Uint8Array(2048);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  out.set(new TextEncoder().encode('IHDR'), 12);
  return out;
}

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let desk: DeskUnderTest;

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  desk = await env.openDesk('validation');
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  page = await context.newPage();
  await bridgeDesk(context, page, desk.desk);
  await page.goto(server.url);
  desk.nextOpenPath = env.orgs[0]!.keysZipPath;
  await page.getByRole('button', { name: 'Import keys.zip…' }).click();
  await page.locator('.workspace').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
});

async function outboxTotal(): Promise<number> {
  const r = await desk.desk.invoke('faxes.list', { folder: 'outbox', offset: 0, limit: 10 });
  if (!r.ok) throw new Error(r.error.message);
  const sent = await desk.desk.invoke('faxes.list', { folder: 'sent', offset: 0, limit: 10 });
  if (!sent.ok) throw new Error(sent.error.message);
  return r.value.total + sent.value.total;
}

describe('the send dialog refuses files that are not PDFs', () => {
  it('a PNG renamed .pdf: the dialog shows the plain sentence and nothing is queued', async () => {
    await dropPdf(page, pngBytes(), 'scan-from-phone.pdf');
    const dialog = page.getByTestId('send-dialog');
    await dialog.getByText('scan-from-phone.pdf').waitFor();
    await page.locator('input[name=to]').fill('+1 555 222 0002');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    const notice = dialog.locator('.error-notice[data-error-code="pdf.invalid"]');
    await notice.waitFor({ timeout: 20_000 });
    await expect(notice.locator('.error-message').textContent()).resolves.toBe(NOT_A_PDF);
    expect(await outboxTotal()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
  });

  it('an HTML page renamed .pdf is refused the same way', async () => {
    await dropPdf(page, new TextEncoder().encode('<!doctype html><title>Invoice</title><h1>Invoice</h1>'), 'invoice.pdf');
    const dialog = page.getByTestId('send-dialog');
    await dialog.getByText('invoice.pdf').waitFor();
    await page.locator('input[name=to]').fill('+1 555 222 0002');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    const notice = dialog.locator('.error-notice[data-error-code="pdf.invalid"]');
    await notice.waitFor({ timeout: 20_000 });
    await expect(notice.locator('.error-message').textContent()).resolves.toBe(NOT_A_PDF);
    expect(await outboxTotal()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
  });
});
