// Held key changes in an office, in the real app: two windows, two desks (real createDesk
// services each) in one office on a private PostgreSQL, the org's keys.zip from the real local
// relay, and Harbor Pharmacy as a desk of its own. The office has faxed the pharmacy before, so
// its keys are pinned in the office database; then that pin names other keys than the relay
// shows (as after a key change). A fax queued at the front desk is held in the shared outbox;
// both windows list the change live; the back office accepts it, both lists empty, and the
// held fax reaches the pharmacy exactly once (whichever desk uploads it).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaxId } from '../../shared/domain/ids.ts';
import { clientConfig } from '../../electron/services/storage/postgres/connection.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../office/private-postgres.ts';
import { openDesk, pinOtherKeysForTest } from '../office/helpers.ts';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';
import type { Browser } from 'playwright-core';

let env: DeskEnv;
let db: PrivatePostgres;
let server: StaticServer;
let browser: Browser;
let front: AppWindow;
let back: AppWindow;
let pharmacy: DeskUnderTest;
const CLINIC = '+15551110001';
const PHARMACY = '+15552220002';

async function joinOffice(w: AppWindow, person: string, desk: string, create: boolean): Promise<void> {
  const page = w.page;
  await page.getByRole('button', { name: 'Join your office…' }).click();
  const form = page.getByRole('form', { name: 'Join your office' });
  await form.getByLabel(/Office database address/).fill(db.url);
  await form.getByLabel('Your name').fill(person);
  await form.getByLabel('This desk').fill(desk);
  await form.getByLabel(create ? /Create the office/ : /Join the office/).check();
  w.desk.nextOpenPath = env.orgs[0]!.keysZipPath;
  await form.getByRole('button', { name: 'Choose keys.zip and join…' }).click();
  await page.locator('.workspace').waitFor();
}

async function officeQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client(clientConfig({ url: db.url }));
  await c.connect();
  try { return (await c.query<R>(sql, params)).rows; } finally { await c.end(); }
}

/** As if the pharmacy's keys had changed since the office pinned them (a sealed write, as a desk makes). */
async function pharmacyKeysChangeTo(fingerprint: string): Promise<void> {
  const keys = await readKeysZip(new Uint8Array(readFileSync(env.orgs[0]!.keysZipPath)));
  const office = await openDesk(db.url, { orgId: env.orgs[0]!.orgId, signingSeed: keys.signingSeed }, 'test-pins', '');
  try { await pinOtherKeysForTest(office, env.orgs[1]!.orgId, fingerprint); } finally { await office.close(); }
}

async function submitAtFront(fileName: string): Promise<FaxId> {
  const sent = await front.desk.desk.invoke('send.submit', {
    orgId: env.orgs[0]!.orgId, to: PHARMACY, from: CLINIC, fileName, pdf: makeTestPdf({ pages: 1, title: fileName }), coverPage: null, route: 'fxe',
  });
  if (!sent.ok) throw new Error(sent.error.message);
  return sent.value.id;
}

async function pharmacyReceived(fileName: string): Promise<number> {
  await pharmacy.desk.pollNow();
  const list = await pharmacy.desk.invoke('faxes.list', { folder: 'inbox', query: fileName, offset: 0, limit: 10 });
  if (!list.ok) throw new Error(list.error.message);
  return list.value.items.filter((f) => f.fileName === fileName).length;
}

const notice = (page: Page) => page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Key changes/ });
const card = (page: Page) => page.getByRole('article', { name: /^Key change: / });

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  db = await startPrivatePostgres();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  front = await openAppWindow(browser, server, await env.openDesk('keys-front'));
  back = await openAppWindow(browser, server, await env.openDesk('keys-back'));
  pharmacy = await env.openDesk('keys-pharmacy');
  pharmacy.nextOpenPath = env.orgs[1]!.keysZipPath;
  const imported = await pharmacy.desk.invoke('orgs.importKeysZip', {});
  if (!imported.ok) throw new Error(imported.error.message);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
  db?.destroy();
});

describe('held key changes, two desks of one office', () => {
  it('a change met at one desk is listed on both, live; accepting at the other sends the held fax once', async () => {
    await joinOffice(front, 'Ann', 'Front desk', true);
    await joinOffice(back, 'Ben', 'Back office', false);
    // The first fax pins the pharmacy's keys in the office database.
    const first = await submitAtFront('first-order.pdf');
    await expect.poll(async () => (await officeQuery<{ state: string }>('SELECT state FROM fxe.faxes WHERE id = $1', [first]))[0]?.state, { timeout: 30_000 }).toMatch(/^(sent|delivered)$/);
    expect(await notice(front.page).count()).toBe(0);

    await pharmacyKeysChangeTo('ab'.repeat(32));
    const held = await submitAtFront('refill-request.pdf');
    expect((await officeQuery<{ state: string }>('SELECT state FROM fxe.faxes WHERE id = $1', [held]))[0]?.state).toBe('held-key-change');

    // Both desks show it without reloading; no desk sends it meanwhile.
    for (const w of [front, back]) {
      await notice(w.page).waitFor({ timeout: 20_000 });
      await notice(w.page).click();
      await card(w.page).getByRole('listitem').filter({ hasText: 'refill-request.pdf' }).waitFor({ timeout: 20_000 });
      expect(await card(w.page).textContent()).toContain('abab abab abab abab');
    }
    await saveScreen(back.page, 'office-key-changes');
    expect(await pharmacyReceived('refill-request.pdf')).toBe(0);

    await card(back.page).getByRole('button', { name: /^Accept the new keys of / }).click();
    for (const w of [back, front]) await w.page.getByText('No key changes are waiting.').waitFor({ timeout: 20_000 });
    await expect.poll(async () => (await officeQuery<{ state: string }>('SELECT state FROM fxe.faxes WHERE id = $1', [held]))[0]?.state, { timeout: 30_000 }).toMatch(/^(sent|delivered)$/);
    await expect.poll(() => pharmacyReceived('refill-request.pdf'), { timeout: 20_000 }).toBe(1);
    // Once: one upload recorded, whichever desk made it.
    expect(await officeQuery<{ sent_by: string }>('SELECT sent_by FROM fxe.outbox WHERE fax_id = $1 AND done', [held])).toHaveLength(1);
    expect(await officeQuery('SELECT 1 FROM fxe.pending_key_changes')).toHaveLength(0);
    expect(front.pageErrors).toEqual([]);
    expect(back.pageErrors).toEqual([]);
  });

  it('a fax from a partner whose keys changed waits on the relay, listed; accepted at one desk, it comes in once', async () => {
    await pharmacyKeysChangeTo('cd'.repeat(32));
    const sent = await pharmacy.desk.invoke('send.submit', {
      orgId: env.orgs[1]!.orgId, to: CLINIC, from: PHARMACY, fileName: 'lab-report.pdf', pdf: makeTestPdf({ pages: 1, title: 'Lab report' }), coverPage: null, route: 'fxe',
    });
    if (!sent.ok) throw new Error(sent.error.message);
    await pharmacy.desk.flushOutbox();
    // The office's receiver (whichever desk leads) refuses it while the keys are not accepted: listed on both desks.
    for (const w of [front, back]) {
      await notice(w.page).click();
      await card(w.page).getByTestId('incoming-waiting').waitFor({ timeout: 30_000 });
      expect(await card(w.page).getByTestId('incoming-waiting').textContent()).toContain('1 fax from them waits');
    }
    expect(await officeQuery("SELECT 1 FROM fxe.faxes WHERE file_name = 'lab-report.pdf'")).toHaveLength(0);

    await card(front.page).getByRole('button', { name: /^Accept the new keys of / }).click();
    for (const w of [front, back]) await w.page.getByText('No key changes are waiting.').waitFor({ timeout: 20_000 });
    // The next poll of the receiving desk takes it in, once, into the office's inbox on both desks.
    await expect.poll(async () => (await officeQuery("SELECT 1 FROM fxe.faxes WHERE file_name = 'lab-report.pdf' AND direction = 'in'")).length, { timeout: 30_000 }).toBe(1);
    for (const w of [front, back]) {
      await w.page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ }).click();
      await w.page.getByRole('listbox').getByRole('option', { name: /lab-report\.pdf/ }).waitFor({ timeout: 20_000 });
    }
    expect(front.pageErrors).toEqual([]);
    expect(back.pageErrors).toEqual([]);
  });
});
