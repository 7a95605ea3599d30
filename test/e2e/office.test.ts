// Office mode in the real app: two windows, two desks (real createDesk services each) joining
// one office on a private PostgreSQL, with the org's keys.zip from the real local relay. A fax
// stored in the office (as the office receiver stores it) shows on both desks; a read, an
// assignment and a note made in one window appear in the other without reloading; the
// history names desk and person; a desk that loses the database says so and keeps what it
// shows. Screenshots of each new screen go to test-artifacts/.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readKeysZip } from '../../shared/protocol/index.ts';
import type { Office } from '../../electron/services/office/office.ts';
import { addFax, openDesk } from '../office/helpers.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../office/private-postgres.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let pg: PrivatePostgres;
let server: StaticServer;
let browser: Browser;
let front: AppWindow; // Ann at the front desk
let back: AppWindow; // Ben in the back office
let receiver: Office;
let faxId = '';

const row = (page: Page, text: string | RegExp) => page.getByRole('listbox').getByRole('option', { name: text });
const detail = (page: Page) => page.getByRole('article', { name: 'Fax details' });

/** First run: "Join your office", the address from IT, names, then the keys.zip in the OS dialog. */
async function joinOffice(w: AppWindow, person: string, desk: string, create: boolean): Promise<void> {
  const page = w.page;
  await page.getByRole('button', { name: 'Join your office…' }).click();
  const form = page.getByRole('form', { name: 'Join your office' });
  await form.getByLabel(/Office database address/).fill(pg.url);
  await form.getByLabel('Your name').fill(person);
  await form.getByLabel('This desk').fill(desk);
  await form.getByLabel(create ? /Create the office/ : /Join the office/).check();
  if (create) await saveScreen(page, 'office-join');
  w.desk.nextOpenPath = env.orgs[0]!.keysZipPath;
  await form.getByRole('button', { name: 'Choose keys.zip and join…' }).click();
  await page.locator('.workspace').waitFor();
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  pg = await startPrivatePostgres();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  front = await openAppWindow(browser, server, await env.openDesk('office-front'));
  back = await openAppWindow(browser, server, await env.openDesk('office-back'));
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  await browser?.close();
  await server?.close();
  await env?.close();
  pg?.destroy();
});

describe('two desks, one office', () => {
  it('the first desk creates the office and the second joins it, from onboarding', async () => {
    await joinOffice(front, 'Ann', 'Front desk', true);
    await joinOffice(back, 'Ben', 'Back office', false);
    const keys = await readKeysZip(new Uint8Array(readFileSync(env.orgs[0]!.keysZipPath)));
    receiver = await openDesk(pg.url, { orgId: env.orgs[0]!.orgId, signingSeed: keys.signingSeed }, 'receiver', '');
    const body = makeTestPdf({ pages: 2, title: 'Lab results: J. Smith' });
    faxId = await addFax(receiver, {
      fileName: 'lab-results.pdf', peerNumber: '+15552220002', peerName: 'Harbor Pharmacy', fromNumber: '+15552220002', toNumber: '+15551110001',
      body, sizeBytes: body.length, pages: 2,
    });
    // Stored once in the office: both desks list it, live.
    await row(front.page, /lab-results\.pdf/).waitFor();
    await row(back.page, /lab-results\.pdf/).waitFor();
    expect(await row(back.page, /lab-results\.pdf/).getAttribute('data-fax-id')).toBe(faxId);
    await expect.poll(() => row(back.page, /lab-results\.pdf/).getAttribute('aria-label')).toMatch(/^Unread\./);
  });

  it('a read, an assignment and a note on one desk appear on the other', async () => {
    await row(front.page, /lab-results\.pdf/).click();
    await detail(front.page).getByTestId('read-by').getByText('Ann').waitFor();
    await detail(front.page).locator('.detail-document canvas').first().waitFor(); // the office's encrypted body, opened on this desk

    // Ben's desk: still unread for Ben, and it says Ann read it, at the front desk.
    await row(back.page, /lab-results\.pdf/).click();
    await detail(back.page).getByTestId('read-by').getByText('(Front desk)').first().waitFor();

    // Ann assigns it to Ben and writes a note; Ben's window follows without reloading.
    await detail(front.page).getByLabel('Handled by').selectOption('Ben');
    const frontNote = detail(front.page).locator('.tags-note');
    await frontNote.locator('summary').click();
    await frontNote.getByLabel('Note').fill('Call the lab back before noon');
    await frontNote.getByLabel('Tags').focus(); // leaving the note saves it

    await expect.poll(() => detail(back.page).getByLabel('Handled by').inputValue(), { timeout: 10_000 }).toBe('Ben');
    await expect.poll(() => row(back.page, /lab-results\.pdf/).getAttribute('aria-label'), { timeout: 10_000 }).toContain('handled by Ben');
    await expect.poll(() => detail(back.page).locator('.tags-note').getByLabel('Note').inputValue(), { timeout: 10_000 }).toBe('Call the lab back before noon');

    // The history names desk and person.
    const history = detail(back.page).locator('.audit-trail');
    await history.locator('summary').click();
    const list = history.getByRole('list', { name: 'History of this fax' });
    await list.getByText('Ann · Front desk').first().waitFor();
    await expect.poll(async () => (await list.innerText()).includes('Assigned')).toBe(true);
    await saveScreen(back.page, 'office-fax-detail');
    expect(front.pageErrors).toEqual([]);
    expect(back.pageErrors).toEqual([]);
  });

  it('Settings shows the office; a desk that loses the database says so and keeps what it shows', async () => {
    await back.page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Settings' }).click();
    const card = back.page.getByRole('region', { name: 'Office' });
    await card.getByTestId('office-facts').getByText('Back office').waitFor();
    await card.scrollIntoViewIfNeeded();
    await saveScreen(back.page, 'office-settings');

    pg.stop();
    await front.page.getByTestId('office-banner').waitFor({ timeout: 30_000 });
    await expect.poll(() => front.page.getByTestId('office-banner').innerText()).toBe('Office database unreachable — showing what was loaded; reconnecting…');
    // What was on screen stays.
    await row(front.page, /lab-results\.pdf/).waitFor();
    await saveScreen(front.page, 'office-unreachable');
    pg.start();
    await front.page.getByTestId('office-banner').waitFor({ state: 'detached', timeout: 30_000 });
    await row(front.page, /lab-results\.pdf/).waitFor();
    expect(front.pageErrors).toEqual([]);
  });
});
