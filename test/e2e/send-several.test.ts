// Faxing several recipients at once, contact groups, and "Send later", as a receptionist does
// it: the real renderer in Chromium (on a New York clock), the real services, the real relay.
// Northside Clinic sends to Harbor Pharmacy and Bayview Dental (both on fxe, each a desk of
// its own) and to an old clinic that is not on fxe: each recipient gets its own fax, the one
// not on fxe is asked about once and never holds up the others.
import { asFaxId, type FaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaxSummary } from '../../shared/domain/types.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { importKeysZip, openAppWindow, type AppWindow } from './harness/app-window.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';

const TIME_ZONE = 'America/New_York';
/** Each test sends and renders real faxes; on a busy two-core machine beside another suite, that takes a while. */
const SLOW_MACHINE_TIMEOUT_MS = 180_000;
const PHARMACY = '+15552220002';
const DENTAL = '+15553330003';
const OLD_CLINIC = '+15559990009'; // not on fxe

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let clinic: AppWindow;
let pharmacy: DeskUnderTest;
let dental: DeskUnderTest;
const rota = makeTestPdf({ pages: 2, title: 'Weekend rota' });
const scratch = mkdtempSync(join(tmpdir(), 'fxe-several-'));
let sentIds: string[] = [];

/** What poppler (an independent reader) finds in a PDF: its text, or its list of images. */
function poppler(tool: 'pdftotext' | 'pdfimages', pdf: Uint8Array): string {
  const file = join(scratch, `${tool}-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync(tool, tool === 'pdftotext' ? ['-layout', file, '-'] : ['-list', file], { encoding: 'utf8' });
}

/** A third org joins the relay with an invite, as a new office does from onboarding. */
async function joinWithInvite(name: string, orgName: string, faxNumber: string): Promise<DeskUnderTest> {
  const desk = await env.openDesk(name);
  const res = await fetch(`${env.relay.url}/v1/dev/invites`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const { invite_token: token } = (await res.json()) as { invite_token: string };
  desk.nextSavePath = join(desk.dataDir, 'keys.zip');
  const org = await desk.desk.invoke('orgs.redeemInvite', { relayUrl: env.relay.url, token, orgName, faxNumbers: [faxNumber] });
  if (!org.ok || !org.value) throw new Error(`joining failed: ${org.ok ? 'cancelled' : org.error.message}`);
  return desk;
}

const folder = (page: Page, name: string) => page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: new RegExp(`^${name}`) });
const chips = (page: Page) => page.getByTestId('recipient-chips').locator('.chip-text').allTextContents();

async function openNewFax(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'New fax' }).click();
  await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), { timeout: 45_000 }).toBe('to');
}

async function attach(page: Page, fileName: string): Promise<void> {
  await page.getByTestId('send-dialog').getByLabel('PDF to send').setInputFiles({ name: fileName, mimeType: 'application/pdf', buffer: Buffer.from(rota) });
}

/** A recipient desk's inbox once it has asked the relay (its own poller may have been first). */
async function inboxOf(desk: DeskUnderTest): Promise<FaxSummary[]> {
  await desk.desk.pollNow();
  const inbox = await desk.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 50 });
  return inbox.ok ? inbox.value.items : [];
}

async function stateOf(id: FaxId): Promise<string> {
  const f = await clinic.desk.desk.invoke('faxes.get', { id });
  return f.ok ? f.value.state : 'missing';
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  clinic = await openAppWindow(browser, server, await env.openDesk('several-clinic'), { timezoneId: TIME_ZONE });
  await importKeysZip(clinic, env.orgs[0]!.keysZipPath);
  pharmacy = await env.openDesk('several-pharmacy');
  pharmacy.nextOpenPath = env.orgs[1]!.keysZipPath;
  const imported = await pharmacy.desk.invoke('orgs.importKeysZip', {});
  if (!imported.ok) throw new Error(imported.error.message);
  dental = await joinWithInvite('several-dental', 'Bayview Dental', DENTAL);
  for (const contact of [
    { name: 'Harbor Pharmacy', organisation: 'Harbor Pharmacy Ltd', faxNumber: PHARMACY },
    { name: 'Bayview Dental', organisation: 'Bayview', faxNumber: DENTAL },
    { name: 'Old Town Clinic', organisation: 'Old Town', faxNumber: OLD_CLINIC },
  ]) {
    const saved = await clinic.desk.desk.invoke('contacts.save', contact);
    if (!saved.ok) throw new Error(saved.error.message);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('contact groups in the phone book', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('creates a group, picks its members from the keyboard, renames it', async () => {
    const page = clinic.page;
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Phone book' }).click();
    const groups = page.getByRole('region', { name: 'Groups' });
    await groups.getByRole('button', { name: 'New group' }).click();
    await page.keyboard.type('Weekend');
    await page.keyboard.press('Enter'); // creates it, and opens its members at once
    const members = page.getByRole('form', { name: 'Members of Weekend' });
    await members.waitFor();
    for (const name of ['Harbor Pharmacy', 'Bayview Dental', 'Old Town Clinic']) await members.getByRole('checkbox', { name: new RegExp(`^${name}`) }).check();
    await members.getByRole('button', { name: 'Save members' }).click();
    const row = groups.getByRole('row', { name: /Weekend/ });
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 45_000 }).toBe('Bayview Dental, Harbor Pharmacy, Old Town Clinic');

    await groups.getByRole('button', { name: 'Rename Weekend' }).click();
    const name = page.getByRole('form', { name: 'Rename group' }).getByLabel('Group name');
    await name.fill('Weekend rota');
    await name.press('Enter');
    await groups.getByRole('row', { name: /Weekend rota/ }).waitFor();
    // A second group with the same name (in any case) is refused next to the field.
    await groups.getByRole('button', { name: 'New group' }).click();
    await page.keyboard.type('weekend ROTA');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('form', { name: 'New group' }).getByRole('alert').textContent(), { timeout: 45_000 }).toMatch(/already a group called/);
    await page.getByRole('form', { name: 'New group' }).getByRole('button', { name: 'Cancel' }).click();
    await saveScreen(page, 'phonebook-groups');
    const saved = await clinic.desk.desk.invoke('groups.list', {});
    expect(saved.ok && saved.value.map((g) => [g.name, g.members.map((m) => m.faxNumber).sort()])).toEqual([['Weekend rota', [PHARMACY, DENTAL, OLD_CLINIC].sort()]]);
  });
});

describe('one fax to several recipients', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('a group typed in "To" becomes its members; the one not on fxe is asked about once and left out, the others go', async () => {
    const page = clinic.page;
    await folder(page, 'Inbox').click();
    await openNewFax(page);
    const dialog = page.getByTestId('send-dialog');
    await attach(page, 'weekend-rota.pdf');
    await page.keyboard.type('weekend');
    await expect.poll(() => dialog.getByRole('listbox', { name: 'Phone book suggestions' }).getByRole('option').first().textContent(), { timeout: 45_000 }).toMatch(/^Weekend rota · group/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => chips(page), { timeout: 45_000 }).toEqual(['Bayview Dental', 'Harbor Pharmacy', 'Old Town Clinic']);
    // Backspace in the empty box takes the last one off; a comma after a name puts it back.
    await page.keyboard.press('Backspace');
    await expect.poll(() => chips(page), { timeout: 45_000 }).toEqual(['Bayview Dental', 'Harbor Pharmacy']);
    await page.keyboard.type('Old Town Clinic,');
    await expect.poll(() => chips(page), { timeout: 45_000 }).toEqual(['Bayview Dental', 'Harbor Pharmacy', 'Old Town Clinic']);
    await dialog.getByRole('checkbox', { name: 'Add a cover page' }).check();
    await dialog.getByLabel('Subject').fill('Weekend rota');
    await saveScreen(page, 'send-several-recipients');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();

    const prompt = page.getByTestId('pstn-prompt');
    await prompt.waitFor({ timeout: 45_000 });
    expect(await prompt.locator('.big').textContent()).toBe('+1 555 999 0009 is not on the fxe network.');
    await prompt.getByRole('button', { name: 'Send only to the other 2' }).click();

    const progress = page.getByTestId('send-recipients');
    await progress.waitFor({ timeout: 45_000 });
    const line = (n: string) => progress.locator(`li[data-number="${n}"]`);
    await expect.poll(() => Promise.all([line(PHARMACY), line(DENTAL)].map((l) => l.getAttribute('data-state'))), { timeout: 60_000 }).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(sent|delivered)$/), expect.stringMatching(/^(sent|delivered)$/)]),
    );
    expect(await line(OLD_CLINIC).count()).toBe(0);
    await saveScreen(page, 'send-several-progress');
    await page.getByTestId('send-dialog').getByRole('button', { name: 'Done' }).click();

    const sent = await clinic.desk.desk.invoke('faxes.list', { folder: 'sent', offset: 0, limit: 10 });
    const rows = sent.ok ? sent.value.items : [];
    expect(rows.map((f) => f.peerNumber).sort()).toEqual([PHARMACY, DENTAL].sort());
    expect(new Set(rows.map((f) => f.id)).size).toBe(2);
    expect(new Set(rows.map((f) => f.sendGroup)).size).toBe(1);
    sentIds = rows.map((f) => f.id);
  });

  it('each recipient receives a copy of its own, cover page included', async () => {
    for (const [desk, id] of [[pharmacy, PHARMACY], [dental, DENTAL]] as const) {
      await expect.poll(async () => (await inboxOf(desk)).length, { timeout: 30_000 }).toBe(1);
      const items = await inboxOf(desk);
      expect(items.map((f) => [f.subject, f.pages])).toEqual([['Weekend rota', 3]]);
      expect(sentIds).toContain(items[0]!.id);
      const mine = await clinic.desk.desk.invoke('faxes.get', { id: items[0]!.id });
      expect(mine.ok && mine.value.toNumber).toBe(id);
    }
  });

  it('the Sent fax shows the whole send, each recipient with its own state', async () => {
    const page = clinic.page;
    await folder(page, 'Sent').click();
    await page.getByRole('listbox').locator(`[data-fax-id="${sentIds[0]}"]`).click();
    const panel = page.getByTestId('send-group-panel');
    await panel.waitFor({ timeout: 45_000 });
    await expect(panel.getByRole('heading').textContent()).resolves.toBe('One send to 2 recipients · Weekend rota');
    await expect.poll(() => panel.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-number')).sort()), { timeout: 45_000 }).toEqual([PHARMACY, DENTAL].sort());
    await saveScreen(page, 'sent-group');
  });
});

describe('send later', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  /** Tomorrow at 09:00 on the New York clock, as the date-time picker takes it. */
  function tomorrowNineLocal(): string {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() + 24 * 3_600_000);
    return `${day}T09:00`;
  }
  const newYorkTime = (ms: number) => new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  let scheduledId = asFaxId('');

  it('schedules a fax for a local time, stored as that moment (UTC), waiting in the Outbox as Scheduled', async () => {
    const page = clinic.page;
    await openNewFax(page);
    const dialog = page.getByTestId('send-dialog');
    await attach(page, 'friday-orders.pdf');
    await page.keyboard.type('Harbor Pharmacy');
    await dialog.getByRole('checkbox', { name: 'Send later' }).check();
    const when = tomorrowNineLocal();
    await dialog.locator('input[name=sendAt]').fill(when);
    await expect.poll(() => dialog.getByTestId('schedule-hint').textContent(), { timeout: 45_000 }).toMatch(/^Goes out .*9:00 AM \(this computer's time\)/);
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await expect.poll(() => dialog.locator('.send-progress .big').textContent(), { timeout: 45_000 }).toMatch(/^Scheduled for .*9:00 AM\.$/);
    await dialog.getByRole('button', { name: 'Done' }).click();

    await folder(page, 'Outbox').click();
    const row = page.getByRole('listbox').getByRole('option', { name: /friday-orders\.pdf/ });
    await row.waitFor({ timeout: 45_000 });
    expect(await row.locator('.pill').textContent()).toBe('Scheduled');
    scheduledId = asFaxId((await row.getAttribute('data-fax-id'))!);
    const fax = await clinic.desk.desk.invoke('faxes.get', { id: scheduledId });
    const sendAt = fax.ok ? fax.value.sendAt! : 0;
    expect(newYorkTime(sendAt)).toBe('09:00'); // the moment the receptionist meant, on their clock
    expect(new Date(sendAt).getUTCHours()).not.toBe(9); // and stored as UTC, not as the local digits
    expect(fax.ok && fax.value.ciphertextSha256).toBeNull(); // nothing sealed yet
    await row.click();
    await page.getByTestId('scheduled-panel').waitFor();
    await page.locator('canvas.page-canvas').waitFor({ timeout: 45_000 });
    await saveScreen(page, 'outbox-scheduled');
  });

  it('is still scheduled after the app restarts, and "Send now" sends it', async () => {
    await clinic.context.close();
    await clinic.desk.restart();
    clinic = await openAppWindow(browser, server, clinic.desk, { timezoneId: TIME_ZONE });
    const page = clinic.page;
    await page.locator('.workspace').waitFor();
    await folder(page, 'Outbox').click();
    const row = page.getByRole('listbox').locator(`[data-fax-id="${scheduledId}"]`);
    await row.waitFor({ timeout: 45_000 });
    expect(await stateOf(scheduledId)).toBe('scheduled');
    await row.click();
    const panel = page.getByTestId('scheduled-panel');
    await panel.getByRole('button', { name: 'Send now' }).click();
    await expect.poll(async () => {
      await clinic.desk.desk.flushOutbox();
      return stateOf(scheduledId);
    }, { timeout: 60_000 }).toMatch(/^(sent|delivered)$/);
    await expect.poll(async () => (await inboxOf(pharmacy)).map((f) => f.id), { timeout: 30_000 }).toContain(scheduledId);
    const doc = await pharmacy.desk.invoke('faxes.document', { id: scheduledId });
    expect(doc.ok && Buffer.from(doc.value.pdf).equals(Buffer.from(rota))).toBe(true);
  });

  it('"Cancel sending" keeps it from going: it leaves the Outbox for the Trash, unsent', async () => {
    const page = clinic.page;
    await openNewFax(page);
    const dialog = page.getByTestId('send-dialog');
    await attach(page, 'not-after-all.pdf');
    await page.keyboard.type('Bayview Dental');
    await dialog.getByRole('checkbox', { name: 'Send later' }).check();
    await dialog.locator('input[name=sendAt]').fill(tomorrowNineLocal());
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await folder(page, 'Outbox').click();
    const row = page.getByRole('listbox').getByRole('option', { name: /not-after-all\.pdf/ });
    await row.click();
    const id = (await row.getAttribute('data-fax-id'))!;
    await page.getByTestId('scheduled-panel').getByRole('button', { name: 'Cancel sending' }).click();
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    await expect.poll(() => page.locator('.toast').last().textContent(), { timeout: 45_000 }).toMatch(/Scheduled fax cancelled: it was not sent/);
    const trash = await clinic.desk.desk.invoke('trash.list', { offset: 0, limit: 10 });
    expect(trash.ok && trash.value.items.map((f) => [f.id, f.state])).toEqual([[id, 'failed']]);
    expect((await inboxOf(dental)).map((f) => f.id)).not.toContain(id);
  });

  it('a time already passed is refused next to the picker, before anything is stored', async () => {
    const page = clinic.page;
    await openNewFax(page);
    const dialog = page.getByTestId('send-dialog');
    await attach(page, 'late.pdf');
    await page.keyboard.type('Harbor Pharmacy');
    await dialog.getByRole('checkbox', { name: 'Send later' }).check();
    await dialog.locator('input[name=sendAt]').fill('2020-01-02T09:00');
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await expect.poll(() => dialog.getByTestId('schedule-hint').textContent(), { timeout: 45_000 }).toMatch(/already passed/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const outbox = await clinic.desk.desk.invoke('faxes.list', { folder: 'outbox', offset: 0, limit: 10 });
    expect(outbox.ok && outbox.value.items.map((f) => f.fileName)).toEqual([]);
  });
});

describe('reports', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('prints a sent fax\'s transmission report: local time, both parties, result, and a picture of page 1', async () => {
    const page = clinic.page;
    await folder(page, 'Sent').click();
    await page.getByRole('listbox').locator(`[data-fax-id="${sentIds[0]}"]`).click();
    const row = page.getByTestId('transmission-report');
    await row.getByRole('button', { name: 'Print report' }).click();
    const jobs = () => clinic.desk.printed.filter((j) => j.jobName === `Transmission report ${sentIds[0]}`);
    await expect.poll(() => jobs().length, { timeout: 45_000 }).toBe(1);
    const text = poppler('pdftotext', jobs()[0]!.pdf).replace(/\s+/g, ' ');
    expect(text).toContain('TRANSMISSION REPORT');
    expect(text).toContain('From Northside Clinic, +1 555 111 0001');
    expect(text).toMatch(/To (Harbor Pharmacy, \+1 555 222 0002|Bayview Dental, \+1 555 333 0003)/);
    expect(text).toMatch(/Result OK/);
    expect(text).toMatch(/GMT-[45]/); // New York time, as the window's clock says
    expect(poppler('pdfimages', jobs()[0]!.pdf)).toMatch(/ image\s+\d+\s+\d+\s/);
    await saveScreen(page, 'transmission-report');
  });

  it('saves an activity report of the month as PDF from the Sent list', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'Activity report…' }).click();
    const dialog = page.getByTestId('activity-report');
    await dialog.getByRole('radio', { name: /^PDF/ }).check();
    await saveScreen(page, 'activity-report');
    clinic.desk.nextSavePath = join(scratch, 'activity.pdf');
    await dialog.getByRole('button', { name: 'Save report…' }).click();
    await expect.poll(() => dialog.getByTestId('report-saved').textContent(), { timeout: 45_000 }).toMatch(/^Saved \d+ faxes to .*activity\.pdf$/);
    const text = poppler('pdftotext', new Uint8Array(readFileSync(join(scratch, 'activity.pdf'))));
    expect(text).toContain('Faxes sent');
    expect(text).toContain('weekend-rota.pdf');
    await dialog.getByRole('button', { name: 'Done' }).click();
  });
});
