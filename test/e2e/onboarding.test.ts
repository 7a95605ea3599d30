// First run in the real app, the two ways in that were "built but untested": redeeming an
// invite (minted by the local relay's operator console, mintInvite) and "Try the demo",
// which starts an embedded relay with two demo orgs in one click, the way the Electron shell
// does. Each path ends in the workspace with a usable org; the demo then sends a fax from
// one demo org to the other and watches it arrive.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let saveDir: string;
let newcomer: AppWindow; // clicks "Try the demo"
let joiner: AppWindow; // redeems an invite

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  saveDir = mkdtempSync(join(tmpdir(), 'fxe-e2e-saved-'));
  newcomer = await openAppWindow(browser, server, await env.openDesk('newcomer'));
  joiner = await openAppWindow(browser, server, await env.openDesk('joiner'));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
  if (saveDir) rmSync(saveDir, { recursive: true, force: true });
});

describe('onboarding in the app', () => {
  it('"Try the demo" is one click from onboarding and lands in a workspace with both demo orgs', async () => {
    const page = newcomer.page;
    await page.getByRole('heading', { name: 'Welcome to fxe Desk' }).waitFor();
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await page.getByRole('navigation', { name: 'Folders' }).waitFor({ timeout: 30_000 });
    const orgSelect = page.getByRole('combobox', { name: 'Organisation' });
    await expect.poll(() => orgSelect.locator('option').allTextContents()).toEqual(['Northside Clinic (demo)', 'Harbor Pharmacy (demo)']);
    await expect(page.getByText('Demo', { exact: true }).isVisible()).resolves.toBe(true);
    await page.getByText('No faxes yet').waitFor();
    await saveScreen(page, 'demo-landing');
  });

  it('the demo sends a fax from one demo org to the other and it arrives', async () => {
    const page = newcomer.page;
    // The empty demo inbox says what to do first, with the button to do it.
    await page.getByRole('region', { name: 'Demo' }).getByRole('button', { name: 'Send a fax to Harbor Pharmacy…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a fax' });
    await expect(dialog.getByRole('combobox', { name: 'To', exact: true }).inputValue()).resolves.toBe('+15552220002');
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'demo-prescription.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 2, title: 'Demo prescription' })) });
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-state="sent"], .send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('combobox', { name: 'Organisation' }).selectOption({ label: 'Harbor Pharmacy (demo)' });
    await newcomer.desk.desk.pollNow();
    const row = page.getByRole('option', { name: /^Unread\. From Northside Clinic/ });
    await row.waitFor({ timeout: 20_000 });
    await row.click();
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    await expect(page.locator('.viewer-toolbar').textContent()).resolves.toContain('/ 2');
  });

  it('redeeming an invite with a wrong code says so plainly and saves nothing', async () => {
    const page = joiner.page;
    await page.getByRole('button', { name: 'Redeem an invite…' }).click();
    const form = page.getByRole('form', { name: 'Redeem an invite' });
    await form.getByRole('textbox', { name: 'Relay address' }).fill(env.relay.url);
    await form.getByRole('textbox', { name: 'Invite code' }).fill('not-a-real-invite-code');
    await form.getByRole('textbox', { name: 'Organisation name' }).fill('Bayview Dental');
    await form.getByRole('textbox', { name: /Fax numbers/ }).fill('+1 555 333 0003');
    const keysPath = join(saveDir, 'wrong-keys.zip');
    joiner.desk.nextSavePath = keysPath;
    await form.getByRole('button', { name: 'Join' }).click();
    const notice = page.getByRole('alert').filter({ has: page.locator('.error-message') });
    await notice.waitFor();
    const sentence = (await notice.locator('.error-message').textContent()) ?? '';
    expect(sentence.length).toBeGreaterThan(20);
    expect(sentence).not.toMatch(/Error:|HTTP|\{|at /); // a sentence, not a stack or a status line
    await notice.getByRole('button', { name: 'Details' }).click();
    await expect(notice.locator('.error-detail').textContent()).resolves.toMatch(/Code: /);
    expect(existsSync(keysPath)).toBe(false);
    await expect(page.locator('.workspace').count()).resolves.toBe(0);
  });

  it('redeeming a minted invite creates the org and saves its keys.zip where the save dialog said', async () => {
    const page = joiner.page;
    const { token } = await env.relay.mintInvite();
    const form = page.getByRole('form', { name: 'Redeem an invite' });
    await form.getByRole('textbox', { name: 'Invite code' }).fill(token);
    const keysPath = join(saveDir, 'bayview-keys.zip');
    joiner.desk.nextSavePath = keysPath;
    await form.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('navigation', { name: 'Folders' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByRole('combobox', { name: 'Organisation' }).locator('option:checked').textContent()).toBe('Bayview Dental');

    // The backup the user was asked to keep is a real keys.zip for the new org.
    const zip = new Uint8Array(readFileSync(keysPath));
    const keys = await readKeysZip(zip);
    const status = await joiner.desk.desk.invoke('app.status', {});
    expect(status.ok && status.value.orgs.map((o) => [o.orgId, o.name, o.faxNumbers])).toEqual([[keys.credentials.org_id, 'Bayview Dental', ['+15553330003']]]);

    // The org is live on the relay: another org on the same relay finds it by its fax number.
    const check = await env.openDesk('peer').then(async (peer) => {
      peer.nextOpenPath = env.orgs[0]!.keysZipPath;
      await peer.desk.invoke('orgs.importKeysZip', {});
      return peer.desk.invoke('send.check', { orgId: env.orgs[0]!.orgId, to: '+15553330003' });
    });
    expect(check.ok && check.value.kind).toBe('fxe');
    expect(check.ok && check.value.kind === 'fxe' && check.value.recipientOrgId).toBe(keys.credentials.org_id);
  });

  it('raised no uncaught errors in either window', () => {
    expect(newcomer.pageErrors).toEqual([]);
    expect(joiner.pageErrors).toEqual([]);
  });
});
