// The real renderer build in Debian's Chromium talking to the real main process: window.fxe
// (the preload's contract) is bridged to the built main bundle running under the Electron
// stand-in, so every click goes renderer → ipcMain's handler with its sender and channel
// checks → the services, and every update comes back through webContents.send. The demo is
// tried and a fax sent and opened entirely through the UI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeTestPdf } from '../e2e/fixtures/pdf.ts';
import { bridgeDesk } from '../e2e/harness/bridge.ts';
import { launchChromium } from '../e2e/harness/browser.ts';
import { ensureRendererBuilt } from '../e2e/harness/renderer-build.ts';
import { serveDirectory, type StaticServer } from '../e2e/harness/static-server.ts';
import { launchApp, type RunningApp } from '../electron/control.ts';
import { startPrivateKeyring, type PrivateKeyring } from '../electron/keyring.ts';

let dir: string;
let keyring: PrivateKeyring;
let app: RunningApp;
let server: StaticServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  dir = mkdtempSync(join(tmpdir(), 'fxe-shell-ui-'));
  keyring = startPrivateKeyring(dir);
  app = launchApp({ userData: join(dir, 'user'), env: { DBUS_SESSION_BUS_ADDRESS: keyring.address } });
  await app.loaded;
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await bridgeDesk(context, page, app.asFxeApi());
  await page.goto(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (app) { if (app.child.connected) await app.quit().catch(() => app.kill()); else app.kill(); }
  keyring?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the renderer through the real main process', () => {
  it('Try the demo, send a fax from one demo org to the other, and open it', async () => {
    await page.getByRole('heading', { name: 'Welcome to fxe Desk' }).waitFor();
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await page.getByRole('navigation', { name: 'Folders' }).waitFor({ timeout: 30_000 });
    const orgSelect = page.getByRole('combobox', { name: 'Organisation' });
    await expect.poll(() => orgSelect.locator('option').allTextContents()).toEqual(['Northside Clinic (demo)', 'Harbor Pharmacy (demo)']);
    // Faster polling, as a user could set it in Settings: the arrival below needs no waiting.
    await app.call('settings.update', { pollIntervalSeconds: 1 });

    await page.getByRole('region', { name: 'Demo' }).getByRole('button', { name: 'Send a fax to Harbor Pharmacy…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a fax' });
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'through-main.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 2, title: 'Through main' })) });
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-state="sent"], .send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();

    await orgSelect.selectOption({ label: 'Harbor Pharmacy (demo)' });
    const row = page.getByRole('option', { name: /^Unread\. From Northside Clinic/ });
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    await expect(page.locator('.viewer-toolbar').textContent()).resolves.toContain('/ 2');
    expect(pageErrors).toEqual([]);
  });
});
