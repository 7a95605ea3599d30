// The window's first screen: drawn from the start-up answers before the app's script runs
// (renderer/src/first-paint.ts), then replaced by the app's own. Here the app's script is held
// back (its request answered only when the test says), so the first screen can be looked at on
// its own: it must be the Inbox the app then draws, row for row and pixel for pixel (a number
// without a name formatted as the app formats it), marked busy while it is a picture; a row
// clicked on it is opened once the app is there, and the list stays where it was scrolled.
import { asFaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openDatabase } from '../../electron/services/storage/database.ts';
import { FaxRepository } from '../../electron/services/inbox/faxes.ts';
import { bridgeDesk } from './harness/bridge.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

const FAX_COUNT = 300;

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let desk: DeskUnderTest;

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  const org = env.orgs[1]!;
  desk = await env.openDesk('first-screen');
  desk.nextOpenPath = org.keysZipPath;
  expect((await desk.desk.invoke('orgs.importKeysZip', {})).ok).toBe(true);
  await desk.desk.close();
  const db = openDatabase(desk.dataDir);
  const repo = new FaxRepository(db, Date.now);
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < FAX_COUNT; i++) {
      const peerNumber = `+1212555${String(1000 + i).padStart(4, '0')}`;
      repo.insert({
        id: asFaxId(`first-${i}`), orgId: org.orgId, direction: 'in', route: i % 7 === 3 ? 'pstn' : 'fxe', peerNumber,
        // Every third sender has no name: the row shows the number, formatted.
        peerName: i % 3 === 1 ? null : `Sender ${i}`,
        fileName: `scan-${i}.pdf`, pages: i % 4 === 0 ? null : i % 12, sizeBytes: 20_000 + i * 999, at: now - i * 3_600_000, read: i % 2 === 0,
        state: 'received', senderOrgId: null, recipientOrgId: org.orgId, fromNumber: peerNumber, toNumber: org.faxNumbers[0]!,
        ciphertextSha256: null, metadataJson: null, blobId: null, blobKey: null,
      });
    }
  })();
  db.close();
  await desk.restart();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
});

interface ShownRow {
  id: string;
  text: string;
  label: string;
  className: string;
  box: [number, number, number, number];
}

function shownRows(page: Page, within: string): Promise<ShownRow[]> {
  return page.evaluate((sel) => {
    const list = document.querySelector(`${sel} .fax-list-scroll`)!.getBoundingClientRect();
    return [...document.querySelectorAll<HTMLElement>(`${sel} .fax-row[data-fax-id]`)]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.bottom > list.top && r.top < list.bottom;
      })
      .map((el) => {
        const r = el.getBoundingClientRect();
        return { id: el.dataset.faxId!, text: el.innerText, label: el.getAttribute('aria-label')!, className: el.className, box: [r.x, r.y, r.width, r.height] as [number, number, number, number] };
      });
  }, within);
}

/** A window whose app script is held until `release()`. */
async function openHeld(): Promise<{ page: Page; release: () => void; pageErrors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route(/\/assets\/mount-[^/]+\.js$/, async (route) => {
    await released;
    await route.continue();
  });
  await bridgeDesk(context, page, desk.desk);
  await page.goto(server.url);
  return { page, release, pageErrors, close: () => context.close() };
}

describe('the first screen', () => {
  it('is the Inbox the app then draws, row for row, and busy until the app is there', async () => {
    const w = await openHeld();
    const first = w.page.locator('[data-first-screen]');
    await first.locator('.fax-row[data-fax-id]').first().waitFor({ timeout: 30_000 });
    expect(await first.getAttribute('aria-busy')).toBe('true');
    expect(await w.page.evaluate(() => performance.getEntriesByName('fxe:app').length)).toBe(0);
    const before = await shownRows(w.page, '[data-first-screen]');
    const heading = await w.page.locator('[data-first-screen] .fax-list-scroll').getAttribute('aria-label');
    const unread = await w.page.locator('[data-first-screen] nav .count').textContent();

    w.release();
    await w.page.waitForFunction(() => performance.getEntriesByName('fxe:app').length > 0, undefined, { timeout: 30_000 });
    expect(await w.page.locator('[data-first-screen]').count()).toBe(0);
    const after = await shownRows(w.page, '#root');
    expect(before.length).toBeGreaterThan(8);
    expect(after).toEqual(before);
    // A name-less row shows the number as the app formats it, not as stored.
    expect(before.find((r) => r.id === 'first-1')?.text).toContain('+1 212 555 1001');
    expect(await w.page.locator('.fax-list-scroll').getAttribute('aria-label')).toBe(heading);
    expect(heading).toBe(`Inbox: ${FAX_COUNT} faxes`);
    expect(await w.page.locator('nav .count').first().textContent()).toBe(unread);
    expect(w.pageErrors).toEqual([]);
    await w.close();
  });

  it('hands a row clicked on it, and the list scrolled, to the app', async () => {
    const w = await openHeld();
    const row = w.page.locator('[data-first-screen] .fax-row[data-fax-id="first-5"]');
    await row.waitFor({ timeout: 30_000 });
    await w.page.locator('[data-first-screen] .fax-list-scroll').evaluate((el) => (el.scrollTop = 100));
    // A real click at the row's place (Playwright's own click waits for the picture to be live).
    const box = (await row.boundingBox())!;
    await w.page.mouse.click(box.x + 40, box.y + box.height / 2);

    w.release();
    await w.page.waitForFunction(() => performance.getEntriesByName('fxe:app').length > 0, undefined, { timeout: 30_000 });
    expect(await w.page.locator('.fax-list-scroll').evaluate((el) => el.scrollTop)).toBe(100);
    await expect.poll(() => w.page.getByRole('listbox').getByRole('option', { selected: true }).getAttribute('data-fax-id')).toBe('first-5');
    await expect.poll(() => w.page.getByRole('article', { name: 'Fax details' }).getByRole('heading', { level: 2 }).textContent()).toContain('Sender 5');
    expect(w.pageErrors).toEqual([]);
    await w.close();
  });
});
