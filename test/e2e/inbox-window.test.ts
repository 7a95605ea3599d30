// A long inbox in the real app: 5,000 faxes, of which only the rows on screen (and a few
// either side) exist in the page; scrolling to the end shows the last fax, the keyboard walks
// the list from there, and a click on a row scrolled into view opens that fax (row elements
// are handed from fax to fax as the list scrolls, so this checks none keeps an old fax).
import { asFaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openDatabase } from '../../electron/services/storage/database.ts';
import { FaxRepository } from '../../electron/services/inbox/faxes.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

const FAX_COUNT = 5000;
/** Generous: the rows of an 800-pixel window plus overscan, far below 5,000. */
const MOST_ROWS_IN_PAGE = 60;

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let win: AppWindow;
let page: Page;

const list = () => page.getByRole('listbox', { name: `Inbox: ${FAX_COUNT} faxes` });
const selected = () => list().getByRole('option', { selected: true });
const rowCount = () => page.locator('.fax-row').count();
const fileOf = (i: number) => `scan-${String(i).padStart(5, '0')}.pdf`;

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  const org = env.orgs[1]!;
  const desk = await env.openDesk('long-inbox');
  desk.nextOpenPath = org.keysZipPath;
  expect((await desk.desk.invoke('orgs.importKeysZip', {})).ok).toBe(true);
  // Filled straight into the desk's database while it is closed (as the app benchmark does):
  // fax i arrived i minutes ago, so the newest is fax 0 and the oldest fax 4,999.
  await desk.desk.close();
  const db = openDatabase(desk.dataDir);
  const repo = new FaxRepository(db, Date.now);
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < FAX_COUNT; i++) {
      const peerNumber = `+1555${String(3_000_000 + i).padStart(7, '0')}`;
      repo.insert({
        id: asFaxId(`long-${i}`), orgId: org.orgId, direction: 'in', route: 'fxe', peerNumber, peerName: `Sender ${i}`,
        fileName: fileOf(i), pages: 1, sizeBytes: 20_000, at: now - i * 60_000, read: true, state: 'received', senderOrgId: null,
        recipientOrgId: org.orgId, fromNumber: peerNumber, toNumber: org.faxNumbers[0]!, ciphertextSha256: null, metadataJson: null, blobId: null, blobKey: null,
      });
    }
  })();
  db.close();
  await desk.restart();
  win = await openAppWindow(browser, server, desk);
  page = win.page;
  await list().waitFor({ timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
});

describe('an inbox of 5,000 faxes', () => {
  it('has only the rows on screen in the page, newest first', async () => {
    await expect.poll(() => page.locator('.fax-row[data-fax-id]').first().getAttribute('data-fax-id')).toBe('long-0');
    const rows = await rowCount();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThanOrEqual(MOST_ROWS_IN_PAGE);
  });

  it('scrolled to the end, shows the last fax, still with only the rows on screen', async () => {
    await page.locator('.fax-list-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = list().getByRole('option', { name: `, ${fileOf(FAX_COUNT - 1)}, ` });
    await last.waitFor({ timeout: 20_000 });
    await expect(last.isVisible()).resolves.toBe(true);
    expect(await page.locator('.fax-row.placeholder').count()).toBe(0);
    expect(await rowCount()).toBeLessThanOrEqual(MOST_ROWS_IN_PAGE);
  });

  it('the keyboard walks the list from the end; Home goes back to the newest', async () => {
    await list().focus();
    await page.keyboard.press('End');
    await expect.poll(() => selected().getAttribute('data-fax-id')).toBe(`long-${FAX_COUNT - 1}`);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => selected().getAttribute('data-fax-id')).toBe(`long-${FAX_COUNT - 2}`);
    await page.keyboard.press('Home');
    await expect.poll(() => selected().getAttribute('data-fax-id')).toBe('long-0');
    expect(await rowCount()).toBeLessThanOrEqual(MOST_ROWS_IN_PAGE);
  });

  it('a click on a row scrolled into view opens that fax, and only it is selected', async () => {
    // Row 2,500 sits at 2,500 × 56 px; scrolling there hands the row elements to other faxes.
    await page.locator('.fax-list-scroll').evaluate((el) => {
      el.scrollTop = 2500 * 56 - 100;
    });
    const row = list().getByRole('option', { name: `, ${fileOf(2500)}, ` });
    await row.waitFor({ timeout: 20_000 });
    await row.click();
    await expect.poll(() => selected().getAttribute('data-fax-id')).toBe('long-2500');
    expect(await selected().count()).toBe(1);
    await expect.poll(() => page.getByRole('article', { name: 'Fax details' }).getByRole('heading', { level: 2 }).textContent()).toContain('Sender 2500');
    // Scrolled away and back: the selection follows the fax, not the row element.
    await page.locator('.fax-list-scroll').evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.locator('.fax-row[data-fax-id="long-0"]').waitFor();
    expect(await selected().count()).toBe(0);
    await page.locator('.fax-list-scroll').evaluate((el) => {
      el.scrollTop = 2500 * 56 - 100;
    });
    await expect.poll(() => selected().getAttribute('data-fax-id')).toBe('long-2500');
  });

  it('raised no uncaught errors', () => {
    expect(win.pageErrors).toEqual([]);
  });
});
