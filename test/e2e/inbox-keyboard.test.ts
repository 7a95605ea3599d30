// Working the inbox in the real app, keyboard first: ↑/↓ move and open, Enter opens, u
// toggles unread, e archives, Delete deletes (with undo); archive and un-archive, mark read
// and unread from the detail view, tags and a note (and search finds the note's text). Every
// element is found by its role and accessible name, the way a screen reader finds it.
import { asFaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeTestPdf } from './fixtures/pdf.ts';
import { importKeysZip, openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let clinic: DeskUnderTest; // only sends, through the services (no window needed)
let pharmacy: AppWindow;
let page: Page;
// Sent oldest first, so the inbox (newest first) lists them in the reverse order.
const FILES = ['lab-results.pdf', 'invoice-1042.pdf', 'referral-lee.pdf'];

const list = () => page.getByRole('listbox', { name: /^Inbox: / });
const options = () => page.getByRole('listbox').getByRole('option');
const option = (fileName: string) => page.getByRole('listbox').getByRole('option', { name: `, ${fileName}, ` });
const selectedOption = () => page.getByRole('listbox').getByRole('option', { selected: true });
const detailTitle = () => page.getByRole('article', { name: 'Fax details' }).getByRole('heading', { level: 2 });

async function sendFromClinic(fileName: string): Promise<void> {
  const res = await clinic.desk.invoke('send.submit', {
    orgId: env.orgs[0]!.orgId, to: '+15552220002', from: '+15551110001', fileName, pdf: makeTestPdf({ pages: 1, title: fileName }), coverPage: null, route: 'fxe',
  });
  expect(res.ok).toBe(true);
}

async function openedFileName(): Promise<string> {
  await page.getByRole('article', { name: 'Fax details' }).waitFor();
  const id = await selectedOption().getAttribute('data-fax-id');
  const detail = await pharmacy.desk.desk.invoke('faxes.get', { id: asFaxId(id!) });
  return detail.ok ? detail.value.fileName : '';
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  clinic = await env.openDesk('kb-clinic');
  clinic.nextOpenPath = env.orgs[0]!.keysZipPath;
  expect((await clinic.desk.invoke('orgs.importKeysZip', {})).ok).toBe(true);
  pharmacy = await openAppWindow(browser, server, await env.openDesk('kb-pharmacy'));
  page = pharmacy.page;
  await importKeysZip(pharmacy, env.orgs[1]!.keysZipPath);
  for (const f of FILES) {
    await sendFromClinic(f);
    await clinic.desk.flushOutbox();
    await pharmacy.desk.desk.pollNow(); // one at a time: distinct arrival times, a stable order
  }
  await page.getByRole('listbox', { name: 'Inbox: 3 faxes' }).waitFor({ timeout: 20_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
});

describe('the inbox from the keyboard', () => {
  it('lists the faxes with accessible names: unread, sender, pages', async () => {
    await expect(list().getAttribute('aria-label')).resolves.toBe('Inbox: 3 faxes');
    const names = await options().evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    for (const n of names) expect(n).toMatch(/^Unread\. From Northside Clinic, [a-z0-9-]+\.pdf, .+, 1 page, Received$/);
    await expect.poll(() => page.getByRole('navigation', { name: 'Folders' }).getByLabel('3 unread').count()).toBe(1);
  });

  it('↓ and ↑ move through the list and open each fax; Enter opens the one under the cursor', async () => {
    await list().focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(openedFileName).toBe('referral-lee.pdf'); // newest first
    await page.keyboard.press('ArrowDown');
    await expect.poll(openedFileName).toBe('invoice-1042.pdf');
    await page.keyboard.press('ArrowDown');
    await expect.poll(openedFileName).toBe('lab-results.pdf');
    await page.keyboard.press('ArrowDown'); // stays on the last one
    await expect.poll(openedFileName).toBe('lab-results.pdf');
    await page.keyboard.press('ArrowUp');
    await expect.poll(openedFileName).toBe('invoice-1042.pdf');
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await expect.poll(openedFileName).toBe('referral-lee.pdf');
    // The list tells assistive technology which row is current.
    const active = await list().getAttribute('aria-activedescendant');
    await expect(page.locator(`[id="${active}"]`).getAttribute('aria-selected')).resolves.toBe('true');
    await expect(detailTitle().textContent()).resolves.toBe('Northside Clinic');
  });

  it('opening marks read; u toggles unread and back', async () => {
    await expect.poll(() => option('referral-lee.pdf').getAttribute('aria-label')).toMatch(/^From /);
    await page.keyboard.press('u');
    await expect.poll(() => option('referral-lee.pdf').getAttribute('aria-label')).toMatch(/^Unread\. /);
    await expect.poll(() => option('referral-lee.pdf').getAttribute('class')).toContain('unread');
    await page.keyboard.press('u');
    await expect.poll(() => option('referral-lee.pdf').getAttribute('aria-label')).toMatch(/^From /);
  });

  it('the detail view marks read and unread too, and the unread count follows', async () => {
    // The sidebar badge ("N unread") against the services' own count.
    const unreadBadge = async () => {
      const badge = page.getByRole('navigation', { name: 'Folders' }).getByLabel(/^\d+ unread$/);
      return (await badge.count()) ? Number(await badge.textContent()) : 0;
    };
    const servicesCount = async () => {
      const st = await pharmacy.desk.desk.invoke('app.status', {});
      return st.ok ? st.value.unreadCount : -1;
    };
    const before = await servicesCount();
    await expect.poll(unreadBadge).toBe(before);
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Mark unread' }).click();
    await expect.poll(() => option('referral-lee.pdf').getAttribute('aria-label')).toMatch(/^Unread\. /);
    await expect.poll(unreadBadge).toBe(before + 1);
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => option('referral-lee.pdf').getAttribute('aria-label')).toMatch(/^From /);
    await expect.poll(unreadBadge).toBe(before);
  });

  it('e archives the open fax; Undo and "Move to inbox" bring it back', async () => {
    await list().focus();
    await page.keyboard.press('e');
    await expect.poll(() => option('referral-lee.pdf').count()).toBe(0);
    await expect.poll(() => list().getAttribute('aria-label')).toBe('Inbox: 2 faxes');
    const toasts = page.getByRole('status').locator('.toast', { hasText: 'Fax archived.' });
    await toasts.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => option('referral-lee.pdf').count()).toBe(1);

    // Archive from the detail view, find it in Archive, move it back from there.
    await option('referral-lee.pdf').click();
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Archive' }).click();
    await expect.poll(() => option('referral-lee.pdf').count()).toBe(0);
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('listbox', { name: 'Archive: 1 faxes' }).waitFor();
    await option('referral-lee.pdf').click();
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Move to inbox' }).click();
    await page.getByRole('listbox', { name: 'Archive: 0 faxes' }).waitFor();
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ }).click();
    await expect.poll(() => option('referral-lee.pdf').count()).toBe(1);
  });

  it('Delete deletes the open fax, and Undo restores it', async () => {
    await option('invoice-1042.pdf').click();
    await list().focus();
    await page.keyboard.press('Delete');
    await expect.poll(() => option('invoice-1042.pdf').count()).toBe(0);
    const listed = await pharmacy.desk.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(listed.ok && listed.value.items.map((f) => f.fileName).sort()).toEqual(['lab-results.pdf', 'referral-lee.pdf']);
    await page.getByRole('status').locator('.toast', { hasText: 'Fax moved to Trash.' }).getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => option('invoice-1042.pdf').count()).toBe(1);
  });

  it('tags and a note are saved, the tag becomes a filter, and search finds the note', async () => {
    await option('lab-results.pdf').click();
    const detail = page.getByRole('article', { name: 'Fax details' });
    await detail.getByText('Tags and note').click();
    await detail.getByRole('textbox', { name: 'Tags' }).fill('lab, urgent');
    await detail.getByRole('textbox', { name: 'Note' }).fill('Potassium high: call Dr. Okafor before noon');
    await detail.getByRole('textbox', { name: 'Tags' }).focus(); // blur the note: saves it
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /Inbox/ }).focus(); // blur the tags
    await expect.poll(async () => {
      const d = await pharmacy.desk.desk.invoke('faxes.get', { id: asFaxId((await option('lab-results.pdf').getAttribute('data-fax-id'))!) });
      return d.ok ? [d.value.tags, d.value.note] : null;
    }).toEqual([['lab', 'urgent'], 'Potassium high: call Dr. Okafor before noon']);

    // The row shows the tags and that it has a note.
    await expect.poll(() => option('lab-results.pdf').textContent()).toMatch(/lab.*urgent.*note/);

    // The sidebar offers the tag as a filter.
    const urgent = page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: '# urgent' });
    await urgent.click();
    await expect(urgent.getAttribute('aria-pressed')).resolves.toBe('true');
    await expect.poll(() => options().count()).toBe(1);
    await urgent.click();
    await expect.poll(() => options().count()).toBe(3);

    // Search by a word that is only in the note.
    const search = page.getByRole('searchbox', { name: 'Search faxes' });
    await search.fill('okafor');
    await expect.poll(() => options().count()).toBe(1);
    await expect(option('lab-results.pdf').count()).resolves.toBe(1);
    await search.fill('no such words anywhere');
    await page.getByText('No faxes match your search.').waitFor();
    await search.press('Escape');
    await expect.poll(() => options().count()).toBe(3);
  });

  it('raised no uncaught errors', () => {
    expect(pharmacy.pageErrors).toEqual([]);
  });
});
