// PSTN fallback in the real app: the REAL renderer build in Chromium, bridged to the
// REAL services of the clinic on a REAL local relay, with the mintfax stand-in on 127.0.0.1
// playing the provider (pointed at through the API address in Settings). The story: the
// prompt with no provider links to Settings; the user sets mintfax up; a fax to a number
// outside fxe is confirmed in the prompt and followed to "delivered" with its PSTN notice;
// a busy line ends in "failed" with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pstnRouteNotice } from '../../electron/services/pstn/provider.ts';
import { startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { bridgeDesk } from './harness/bridge.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let mintfax: MintfaxStandIn;
let context: BrowserContext;
let page: Page;
let clinic: DeskUnderTest;
const pageErrors: string[] = [];
const API_KEY = 'mfx_test_e2e_clinic_R2d9';

async function newFax(fileName: string, title: string, to: string): Promise<void> {
  await page.getByRole('button', { name: 'New fax' }).click();
  await page.getByLabel('PDF to send').setInputFiles({ name: fileName, mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 1, title })) });
  await page.locator('input[name=to]').fill(to);
  await page.getByTestId('send-dialog').getByRole('button', { name: 'Send', exact: true }).click();
}

async function openRow(folder: 'Sent' | 'Outbox', fileName: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: folder }).click();
  const row = page.locator('.fax-row[data-fax-id]', { hasText: fileName });
  await row.waitFor({ timeout: 20_000 });
  await row.click();
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  mintfax = await startMintfaxStandIn({ apiKey: API_KEY });
  clinic = await env.openDesk('pstn-clinic');
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await bridgeDesk(context, page, clinic.desk);
  await page.goto(server.url);
  clinic.nextOpenPath = env.orgs[0]!.keysZipPath;
  await page.getByRole('button', { name: 'Import keys.zip…' }).click();
  await page.locator('.workspace').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await mintfax?.close();
  await env?.close();
});

describe('PSTN fallback in the app', () => {
  it('with no provider the prompt says so and links to Settings', async () => {
    await newFax('early.pdf', 'Too early', '+1 500 555 0001');
    const prompt = page.getByTestId('pstn-prompt');
    await prompt.waitFor();
    await expect(prompt.textContent()).resolves.toContain('No phone-network provider is set up');
    await expect(prompt.getByRole('button', { name: /Send unencrypted/ }).count()).resolves.toBe(0);
    await prompt.getByRole('button', { name: 'Set one up in Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    // Nothing was queued by looking.
    const outbox = await clinic.desk.invoke('faxes.list', { folder: 'outbox', offset: 0, limit: 50 });
    expect(outbox.ok && outbox.value.total).toBe(0);
  });

  it('Settings: pick mintfax, enter the credentials; they are saved and never shown again', async () => {
    const card = page.getByRole('region', { name: 'Phone-network fallback (PSTN)' });
    await card.getByLabel('Provider').selectOption('mintfax');
    await card.getByLabel('Caller ID for phone-network faxes').fill('+1 555 111 9999');
    await card.locator('input[name=pstn-apiKey]').fill(API_KEY);
    await card.locator('input[name=pstn-webhookSecret]').fill('whsec_test_3JzE9rYNm2VbQ8P6KxLf1WdGa4Tc');
    await card.getByText('Advanced').click();
    await card.getByLabel(/API address/).fill(mintfax.url);
    await saveScreen(page, 'pstn-settings');
    await card.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => card.getByTestId('pstn-status').textContent()).toContain('mintfax is set up');
    // The fields are empty again: a saved secret is never read back into the page.
    await expect(card.locator('input[name=pstn-apiKey]').inputValue()).resolves.toBe('');
    await expect(page.content()).resolves.not.toContain(API_KEY);
    const settings = await clinic.desk.invoke('settings.get', {});
    expect(settings.ok && settings.value.pstn).toEqual({ provider: 'mintfax', configured: true, fromNumber: '+15551119999', baseUrl: mintfax.url });
    // The API address is not a secret: after leaving Settings and coming back, the saved one is shown.
    const nav = page.getByRole('navigation', { name: 'Folders' });
    await nav.getByRole('button', { name: 'Phone book' }).click();
    await nav.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Phone-network fallback (PSTN)' }).locator('input[name=pstn-baseUrl]').inputValue()).toBe(mintfax.url);
  });

  it('a number outside fxe: the prompt offers mintfax, the user accepts, the outbox shows it delivered', async () => {
    await newFax('lab-results.pdf', 'Lab results', '+1 500 555 0001');
    const prompt = page.getByTestId('pstn-prompt');
    await prompt.waitFor();
    const text = await prompt.textContent();
    expect(text).toContain('leaves the encrypted network');
    expect(text).toContain('not end-to-end encrypted');
    await expect(prompt.getByRole('radio', { name: /mintfax/ }).isChecked()).resolves.toBe(true);
    await saveScreen(page, 'pstn-prompt-provider');
    await prompt.getByRole('button', { name: 'Send unencrypted via mintfax' }).click();

    const dialog = page.getByTestId('send-dialog');
    await expect(dialog.locator('.send-progress').textContent()).resolves.toContain('not encrypted');
    await dialog.locator('.send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();

    await openRow('Sent', 'lab-results.pdf');
    const row = page.locator('.fax-row[data-fax-id]', { hasText: 'lab-results.pdf' });
    await expect(row.locator('.badge.pstn').textContent()).resolves.toBe('PSTN · not encrypted');
    await expect(row.locator('.pill').textContent()).resolves.toBe('Delivered');
    const notice = page.getByTestId('pstn-notice');
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toContain(pstnRouteNotice('mintfax'));
    await expect(page.getByTestId('pstn-provider-status').textContent()).resolves.toBe('delivered');
    await expect(row.locator('.badge.pstn').isVisible()).resolves.toBe(true);
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    await saveScreen(page, 'pstn-delivered');

    // What the provider got: one fax, to that number, under the outbox item's id.
    const id = await row.getAttribute('data-fax-id');
    const sent = [...mintfax.faxes.values()].filter((f) => f.to === '+15005550001');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ idempotency_key: id, status: 'delivered', csid: '+15551119999' });
  });

  it('a busy line: the outbox shows failed, with the reason', async () => {
    await newFax('busy.pdf', 'Busy line', '+1 500 555 0002');
    const prompt = page.getByTestId('pstn-prompt');
    await prompt.waitFor();
    await prompt.getByRole('button', { name: 'Send unencrypted via mintfax' }).click();
    const dialog = page.getByTestId('send-dialog');
    await dialog.locator('.send-progress[data-state="failed"]').waitFor({ timeout: 30_000 });
    await expect(dialog.locator('.error-notice').textContent()).resolves.toMatch(/busy/i);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();

    await openRow('Outbox', 'busy.pdf');
    const row = page.locator('.fax-row[data-fax-id]', { hasText: 'busy.pdf' });
    await expect(row.locator('.pill').textContent()).resolves.toBe('Failed');
    const detail = page.getByRole('article', { name: 'Fax details' });
    await expect(detail.locator('.error-notice').first().textContent()).resolves.toMatch(/busy/i);
    await expect(page.getByTestId('pstn-provider-status').textContent()).resolves.toBe('failed');
  });

  it('an item parked in needs-pstn: "Send over phone network…" sends that same item through mintfax', async () => {
    const status = await clinic.desk.invoke('app.status', {});
    const org = status.ok ? status.value.orgs[0]! : null;
    if (!org) throw new Error('no org');
    // Sent as an fxe fax: the outbox finds the number is not on fxe and parks it.
    const submitted = await clinic.desk.invoke('send.submit', {
      orgId: org.orgId, to: '+15005550001', from: org.faxNumbers[0]!, fileName: 'parked.pdf',
      pdf: makeTestPdf({ pages: 1, title: 'Parked' }), coverPage: null, route: 'fxe',
    });
    if (!submitted.ok) throw new Error(submitted.error.message);
    const id = submitted.value.id;
    await clinic.desk.flushOutbox();
    const parked = await clinic.desk.invoke('faxes.get', { id });
    expect(parked.ok && parked.value.state).toBe('needs-pstn');

    await openRow('Outbox', 'parked.pdf');
    await page.getByRole('article', { name: 'Fax details' }).getByRole('button', { name: 'Send over phone network…' }).click();
    const prompt = page.getByTestId('pstn-prompt');
    await prompt.waitFor();
    await prompt.getByRole('button', { name: 'Send unencrypted via mintfax' }).click();
    await expect.poll(async () => {
      const f = await clinic.desk.invoke('faxes.get', { id });
      return f.ok ? f.value.state : null;
    }, { timeout: 30_000 }).toBe('delivered');
    // The provider got this very item (its id is the idempotency key), once.
    const taken = [...mintfax.faxes.values()].filter((f) => f.idempotency_key === id);
    expect(taken).toHaveLength(1);
  });

  it('raised no uncaught errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
