// Inbox views per receiving number (departments): the REAL renderer in Chromium over the REAL
// services and a REAL local relay. A medical group that receives on three numbers names them
// in Settings (Front desk, Billing, Lab); faxes sent by the pharmacy to each number show up
// under that line in the sidebar with its own unread count; a line's view lists only its
// faxes, a search stays within it, and reading a fax there lowers that line's count.
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPdf } from './fixtures/pdf.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';
import type { DeskUnderTest } from './harness/desk-env.ts';
import { saveScreen } from './harness/screens.ts';

let scene: ClinicAndPharmacy;
let lakeside: DeskUnderTest;
let win: AppWindow;

const LINES = { frontDesk: '+15553330001', billing: '+15553330002', lab: '+15553330003' };

beforeAll(async () => {
  scene = await openClinicAndPharmacy('fax-lines');
  // A group practice joins the relay with three numbers, as a new office does from onboarding.
  lakeside = await scene.env.openDesk('fax-lines-lakeside');
  const res = await fetch(`${scene.env.relay.url}/v1/dev/invites`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const { invite_token: token } = (await res.json()) as { invite_token: string };
  lakeside.nextSavePath = join(lakeside.dataDir, 'keys.zip');
  const org = await lakeside.desk.invoke('orgs.redeemInvite', { relayUrl: scene.env.relay.url, token, orgName: 'Lakeside Medical Group', faxNumbers: Object.values(LINES) });
  if (!org.ok || !org.value) throw new Error(`joining failed: ${org.ok ? 'cancelled' : org.error.message}`);
  win = await openAppWindow(scene.browser, scene.server, lakeside);
  await win.page.locator('.workspace').waitFor({ timeout: 20_000 });
}, 120_000);

afterAll(async () => {
  await win?.context.close();
  await scene?.close();
});

const lineButtons = (page: Page) => page.getByRole('list', { name: 'Fax lines' }).getByRole('button');
const line = (page: Page, name: string) => page.getByRole('list', { name: 'Fax lines' }).getByRole('button', { name: new RegExp(`^${name} `) });
const rowNames = (page: Page) => page.getByRole('listbox').locator('[data-fax-id]').evaluateAll((rows) => rows.map((r) => r.querySelector('.fax-file, .file-name')?.textContent ?? r.textContent ?? ''));

describe('inbox views per receiving number', () => {
  it('named lines list their own faxes with their own unread counts; search and reading stay within a line', async () => {
    const page = win.page;
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Settings' }).click();
    const card = page.getByRole('region', { name: 'Fax lines' });
    for (const [name, number] of [['Front desk', LINES.frontDesk], ['Billing', LINES.billing], ['Lab', LINES.lab]] as const) {
      const field = card.getByRole('textbox', { name: `Name of the line +1 555 333 ${number.slice(-4)}` });
      await field.fill(name);
      await field.press('Tab');
    }
    await expect.poll(async () => {
      const st = await lakeside.desk.invoke('settings.get', {});
      return st.ok ? st.value.lineNames : null;
    }, { timeout: 20_000 }).toEqual({ [LINES.frontDesk]: 'Front desk', [LINES.billing]: 'Billing', [LINES.lab]: 'Lab' });
    // Named before the first fax: every line is listed, none with a count.
    await expect.poll(() => lineButtons(page).allTextContents(), { timeout: 20_000 }).toEqual(['Front desk+1 555 333 0001', 'Billing+1 555 333 0002', 'Lab+1 555 333 0003']);

    // The pharmacy faxes the billing line twice, the lab once, the front desk once.
    const pharmacy = scene.pharmacy.desk;
    for (const [to, fileName] of [[LINES.billing, 'billing-march.pdf'], [LINES.billing, 'billing-april.pdf'], [LINES.lab, 'lab-panel.pdf'], [LINES.frontDesk, 'referral.pdf']] as const) {
      const sent = await pharmacy.invoke('send.submit', { orgId: scene.env.orgs[1]!.orgId, to, from: '+15552220002', fileName, pdf: makeTestPdf({ pages: 1, title: fileName }), coverPage: null, route: 'fxe' });
      if (!sent.ok) throw new Error(sent.error.message);
    }
    await pharmacy.flushOutbox();
    await expect.poll(async () => {
      await lakeside.desk.pollNow();
      const r = await lakeside.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
      return r.ok ? r.value.total : 0;
    }, { timeout: 30_000 }).toBe(4);
    await expect.poll(() => lineButtons(page).allTextContents(), { timeout: 20_000 }).toEqual(['Front desk+1 555 333 00011', 'Billing+1 555 333 00022', 'Lab+1 555 333 00031']);
    await line(page, 'Billing').getByLabel('2 unread').waitFor();
    // The arrival notice names the line.
    await page.getByText('New fax from Harbor Pharmacy on Lab (+1 555 333 0003).').waitFor({ timeout: 20_000 });
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();

    // Billing's view: its two faxes only.
    await line(page, 'Billing').click();
    await expect(line(page, 'Billing').getAttribute('aria-current')).resolves.toBe('page');
    const list = page.getByRole('listbox', { name: /^Inbox, Billing: / });
    await expect.poll(() => list.getAttribute('aria-label'), { timeout: 20_000 }).toBe('Inbox, Billing: 2 faxes');
    await expect.poll(async () => (await rowNames(page)).map((t) => t.match(/billing-\w+\.pdf|lab-panel\.pdf|referral\.pdf/)?.[0]), { timeout: 20_000 }).toEqual(['billing-april.pdf', 'billing-march.pdf']);
    await saveScreen(page, 'inbox-fax-lines');

    // A search within the line finds only its own faxes.
    const search = page.getByRole('searchbox', { name: 'Search faxes' });
    await search.fill('march');
    await expect.poll(() => list.getAttribute('aria-label'), { timeout: 20_000 }).toBe('Inbox, Billing: 1 faxes');
    await search.fill('lab-panel');
    await expect.poll(() => list.getAttribute('aria-label'), { timeout: 20_000 }).toBe('Inbox, Billing: 0 faxes');
    await search.fill('');

    // Reading one there: Billing's count goes down, the Inbox's too, the Lab's stays.
    await expect.poll(() => list.getAttribute('aria-label'), { timeout: 20_000 }).toBe('Inbox, Billing: 2 faxes');
    await list.locator('[data-fax-id]').first().click();
    // The fax's header names the line it came in on as the office calls it.
    await expect.poll(() => page.getByTestId('received-on').textContent(), { timeout: 20_000 }).toBe('on Billing (+1 555 333 0002)');
    await expect.poll(() => lineButtons(page).allTextContents(), { timeout: 20_000 }).toEqual(['Front desk+1 555 333 00011', 'Billing+1 555 333 00021', 'Lab+1 555 333 00031']);
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: '3 unread' }).waitFor();

    // The Lab's view, then the whole Inbox again.
    await line(page, 'Lab').click();
    await expect.poll(() => page.getByRole('listbox').getAttribute('aria-label'), { timeout: 20_000 }).toBe('Inbox, Lab: 1 faxes');
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ }).click();
    await expect.poll(() => page.getByRole('listbox').getAttribute('aria-label'), { timeout: 20_000 }).toBe('Inbox: 4 faxes');
    expect(await line(page, 'Lab').getAttribute('aria-current')).toBeNull();
    expect(win.pageErrors).toEqual([]);
  }, 240_000);
});
