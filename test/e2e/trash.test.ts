// The Trash in the real app (Debian's Chromium over the real services and the real local
// relay): Delete moves a fax to the Trash with a 10-second Undo; the sidebar counts what is
// in the Trash; Restore puts a fax back in the folder it came from; "Delete forever" and
// "Empty Trash" ask first, then remove the fax and its encrypted body for good.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeTestPdf } from './fixtures/pdf.ts';
import { importKeysZip, openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let clinic: DeskUnderTest;
let pharmacy: AppWindow;
let page: Page;
const FILES = ['lab-results.pdf', 'invoice-1042.pdf', 'referral-lee.pdf'];

const inbox = () => page.getByRole('listbox', { name: /^Inbox: / });
const option = (fileName: string) => page.getByRole('listbox').getByRole('option', { name: `, ${fileName}, ` });
const sidebar = () => page.getByRole('navigation', { name: 'Folders' });
const trashBadge = async () => {
  const badge = sidebar().getByLabel(/^\d+ in Trash$/);
  return (await badge.count()) ? Number(await badge.textContent()) : 0;
};
const trashTable = () => page.getByRole('table', { name: /^Trash: / });
const trashRow = (fileName: string) => trashTable().getByRole('row').filter({ hasText: fileName });

function blobFiles(): number {
  return readdirSync(join(pharmacy.desk.dataDir, 'blobs')).filter((f) => f.endsWith('.bin')).length;
}

async function inboxFiles(): Promise<string[]> {
  const r = await pharmacy.desk.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
  return r.ok ? r.value.items.map((f) => f.fileName).sort() : [];
}

async function deleteFromInbox(fileName: string): Promise<void> {
  await option(fileName).click();
  await inbox().focus();
  await page.keyboard.press('Delete');
  await expect.poll(() => option(fileName).count()).toBe(0);
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  clinic = await env.openDesk('trash-clinic');
  clinic.nextOpenPath = env.orgs[0]!.keysZipPath;
  expect((await clinic.desk.invoke('orgs.importKeysZip', {})).ok).toBe(true);
  pharmacy = await openAppWindow(browser, server, await env.openDesk('trash-pharmacy'));
  page = pharmacy.page;
  await importKeysZip(pharmacy, env.orgs[1]!.keysZipPath);
  for (const fileName of FILES) {
    const res = await clinic.desk.invoke('send.submit', {
      orgId: env.orgs[0]!.orgId, to: '+15552220002', from: '+15551110001', fileName, pdf: makeTestPdf({ pages: 1, title: fileName }), coverPage: null, route: 'fxe',
    });
    expect(res.ok).toBe(true);
    await clinic.desk.flushOutbox();
    await pharmacy.desk.desk.pollNow();
  }
  await page.getByRole('listbox', { name: 'Inbox: 3 faxes' }).waitFor({ timeout: 20_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
});

describe('the Trash', () => {
  it('Delete moves a fax to the Trash, counted in the sidebar, and Undo brings it back', async () => {
    await deleteFromInbox('invoice-1042.pdf');
    await expect.poll(trashBadge).toBe(1);
    await page.getByRole('status').locator('.toast', { hasText: 'Fax moved to Trash.' }).getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => option('invoice-1042.pdf').count()).toBe(1);
    await expect.poll(trashBadge).toBe(0);
  });

  it('lists deleted faxes with where they were and when they go; Restore puts one back', async () => {
    await deleteFromInbox('invoice-1042.pdf');
    await deleteFromInbox('lab-results.pdf');
    await expect.poll(trashBadge).toBe(2);
    // A fax in the Trash never counts as unread, even one marked unread.
    const trashed = await pharmacy.desk.desk.invoke('trash.list', { offset: 0, limit: 10 });
    const lab = trashed.ok ? trashed.value.items.find((f) => f.fileName === 'lab-results.pdf') : undefined;
    expect((await pharmacy.desk.desk.invoke('faxes.markRead', { ids: [lab!.id], read: false })).ok).toBe(true);
    const listed = await pharmacy.desk.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    const status = await pharmacy.desk.desk.invoke('app.status', {});
    expect(status.ok && status.value.unreadCount).toBe(listed.ok ? listed.value.items.filter((f) => !f.read).length : -1);

    await sidebar().getByRole('button', { name: /^Trash/ }).click();
    await expect(page.getByText('Faxes in Trash are removed after 365 days').isVisible()).resolves.toBe(true);
    await trashTable().waitFor();
    await expect.poll(() => trashTable().getByRole('row').count()).toBe(3); // header + 2
    await expect(trashRow('lab-results.pdf').getByRole('cell').nth(2).textContent()).resolves.toBe('Inbox');
    // The documentation's picture shows the Trash itself, not the toasts of the steps before.
    const dismiss = page.getByRole('status').getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    await saveScreen(page, 'trash');

    await trashRow('lab-results.pdf').getByRole('button', { name: 'Restore lab-results.pdf to Inbox' }).click();
    await expect.poll(() => trashRow('lab-results.pdf').count()).toBe(0);
    await expect.poll(trashBadge).toBe(1);
    expect(await inboxFiles()).toEqual(['lab-results.pdf', 'referral-lee.pdf']);
  });

  it('"Delete forever" asks first; Cancel keeps the fax, confirming removes it and its body', async () => {
    expect(blobFiles()).toBe(3);
    await trashRow('invoice-1042.pdf').getByRole('button', { name: 'Delete invoice-1042.pdf forever' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this fax forever?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await trashRow('invoice-1042.pdf').count()).toBe(1);

    await trashRow('invoice-1042.pdf').getByRole('button', { name: 'Delete invoice-1042.pdf forever' }).click();
    await confirm.getByRole('button', { name: 'Delete forever' }).click();
    await page.getByText('The Trash is empty.').waitFor();
    await expect.poll(trashBadge).toBe(0);
    expect(blobFiles()).toBe(2);
  });

  it('"Empty Trash" removes everything in it after a confirmation', async () => {
    await sidebar().getByRole('button', { name: /^Inbox/ }).click();
    await deleteFromInbox('referral-lee.pdf');
    await deleteFromInbox('lab-results.pdf');
    await expect.poll(trashBadge).toBe(2);
    await sidebar().getByRole('button', { name: /^Trash/ }).click();
    await page.getByRole('button', { name: 'Empty Trash' }).click();
    const confirm = page.getByRole('dialog', { name: 'Empty the Trash?' });
    await confirm.getByText('All 2 faxes in the Trash will be removed').waitFor();
    await confirm.getByRole('button', { name: 'Empty Trash' }).click();
    await page.getByText('The Trash is empty.').waitFor();
    await expect.poll(trashBadge).toBe(0);
    expect(blobFiles()).toBe(0);
    expect(await inboxFiles()).toEqual([]);
    const db = new Database(join(pharmacy.desk.dataDir, 'desk.sqlite'), { readonly: true });
    const audit = (db.prepare('SELECT action FROM audit_log ORDER BY seq').all() as { action: string }[]).map((r) => r.action);
    db.close();
    expect(audit.filter((a) => a === 'purge')).toHaveLength(3);
    expect(audit).toEqual(expect.arrayContaining(['delete', 'undelete', 'restore', 'purge']));
  });
});
