// Office mode, live, in the real app: two windows, two desks (real createDesk services each) on
// one private PostgreSQL. What one desk changes shows on the other without a reload, in the
// places that used to stay as they were loaded:
//  - Settings → Fax lines: a line named on one desk is named on the other;
//  - an open fax (the viewer): a page turned, an archive, and a move to the Trash on the other
//    desk show at once (the Trash one says so in plain words rather than a bare error).
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
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let pg: PrivatePostgres;
let server: StaticServer;
let browser: Browser;
let front: AppWindow; // Ann at the front desk
let back: AppWindow; // Ben in the back office
let receiver: Office;

const row = (page: Page, text: string | RegExp) => page.getByRole('listbox').getByRole('option', { name: text });
const detail = (page: Page) => page.getByRole('article', { name: 'Fax details' });
const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name, exact: true });

async function joinOffice(w: AppWindow, person: string, desk: string, create: boolean): Promise<void> {
  const page = w.page;
  await page.getByRole('button', { name: 'Join your office…' }).click();
  const form = page.getByRole('form', { name: 'Join your office' });
  await form.getByLabel(/Office database address/).fill(pg.url);
  await form.getByLabel('Your name').fill(person);
  await form.getByLabel('This desk').fill(desk);
  await form.getByLabel(create ? /Create the office/ : /Join the office/).check();
  w.desk.nextOpenPath = env.orgs[0]!.keysZipPath;
  await form.getByRole('button', { name: 'Choose keys.zip and join…' }).click();
  await page.locator('.workspace').waitFor();
}

/** What the other desk does, through the same calls its window makes. */
async function onBack<T>(channel: Parameters<AppWindow['desk']['desk']['invoke']>[0], req: unknown): Promise<T> {
  const r = await back.desk.desk.invoke(channel, req as never);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  pg = await startPrivatePostgres();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  front = await openAppWindow(browser, server, await env.openDesk('live-front'));
  back = await openAppWindow(browser, server, await env.openDesk('live-back'));
  await joinOffice(front, 'Ann', 'Front desk', true);
  await joinOffice(back, 'Ben', 'Back office', false);
  const keys = await readKeysZip(new Uint8Array(readFileSync(env.orgs[0]!.keysZipPath)));
  receiver = await openDesk(pg.url, { orgId: env.orgs[0]!.orgId, signingSeed: keys.signingSeed }, 'receiver', '');
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  await browser?.close();
  await server?.close();
  await env?.close();
  pg?.destroy();
});

describe('one office, two windows, live', () => {
  it('Settings → Fax lines: a line named on one desk shows its name on the other, while open', async () => {
    const number = env.orgs[0]!.faxNumbers[0]!;
    await nav(front.page, 'Settings').click();
    const card = front.page.getByRole('region', { name: 'Fax lines' });
    const input = card.getByRole('textbox').first();
    await input.waitFor();
    expect(await input.inputValue()).toBe('');
    await onBack('settings.update', { lineNames: { [number]: 'Billing' } });
    await expect.poll(() => input.inputValue(), { timeout: 10_000 }).toBe('Billing');
    await onBack('settings.update', { lineNames: { [number]: 'Front desk' } });
    await expect.poll(() => input.inputValue(), { timeout: 10_000 }).toBe('Front desk');
    expect(front.pageErrors).toEqual([]);
  });

  it('an open fax follows the other desk: a page turned, archived, then moved to the Trash', async () => {
    const body = makeTestPdf({ pages: 2, title: 'Referral: K. Jones' });
    const id = await addFax(receiver, {
      fileName: 'referral.pdf', peerNumber: '+15552220002', peerName: 'Harbor Pharmacy', fromNumber: '+15552220002', toNumber: env.orgs[0]!.faxNumbers[0]!,
      body, sizeBytes: body.length, pages: 2,
    });
    await nav(front.page, 'Inbox').click();
    await row(front.page, /referral\.pdf/).click();
    const page1 = detail(front.page).locator('.viewer canvas[data-page="1"]');
    await expect.poll(() => page1.getAttribute('data-rendered'), { timeout: 20_000 }).toBe('true');
    expect(await page1.getAttribute('data-rotation')).toBe('0');

    // Ben turns page 1 upright on his desk: Ann's open viewer turns it too.
    await onBack('faxes.setPageRotation', { id, page: 1, degrees: 90 });
    await expect.poll(() => page1.getAttribute('data-rotation'), { timeout: 10_000 }).toBe('90');

    // Ben archives it: Ann's open fax says it is archived now (and offers it back).
    await onBack('faxes.archive', { ids: [id], archived: true });
    await detail(front.page).getByRole('button', { name: 'Move to inbox' }).waitFor({ timeout: 10_000 });

    // Ben moves it to the Trash: Ann's window says so plainly, instead of a fax that is no longer there.
    await onBack('faxes.delete', { ids: [id] });
    await front.page.getByText(/moved to the Trash/).waitFor({ timeout: 10_000 });
    expect(front.pageErrors).toEqual([]);
  });
});
