// Forward later, and the Trash giving back outgoing faxes as they were: the REAL renderer in
// Chromium over the REAL services and a REAL local relay. The clinic forwards a fax it
// received with "Send later": it waits in the Outbox as Scheduled and goes when "Send now" is
// pressed. A scheduled fax deleted and restored from the Trash comes back Scheduled for its
// time, unsent; a fax that was on its way when deleted goes out once restored.
import { asFaxId, type FaxId } from '../../shared/domain/ids.ts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaxSummary } from '../../shared/domain/types.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import type { AppWindow } from './harness/app-window.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';
import { saveScreen } from './harness/screens.ts';

let scene: ClinicAndPharmacy;
let clinic: AppWindow;

beforeAll(async () => {
  scene = await openClinicAndPharmacy('outbox-later');
  clinic = scene.clinic;
});

afterAll(async () => {
  await scene?.close();
});

const folder = (page: Page, name: string) => page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: new RegExp(`^${name}`) });
const option = (page: Page, fileName: string) => page.getByRole('listbox').getByRole('option', { name: new RegExp(`, ${fileName.replace(/\./g, '\\.')}, `) });

/** Tomorrow at 09:00 on the window's clock (UTC here), as the picker takes it. */
function tomorrowNine(): string {
  return `${new Date(Date.now() + 24 * 3_600_000).toISOString().slice(0, 10)}T09:00`;
}

async function pharmacyInbox(): Promise<FaxSummary[]> {
  const pharmacy = scene.pharmacy.desk;
  await pharmacy.pollNow();
  const r = await pharmacy.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 50 });
  return r.ok ? r.value.items : [];
}

async function stateOf(id: FaxId): Promise<string> {
  const r = await clinic.desk.desk.invoke('faxes.get', { id });
  return r.ok ? r.value.state : r.error.code;
}

describe('forward later', () => {
  it('a received fax forwarded with "Send later" waits in the Outbox as Scheduled, then "Send now" delivers the same bytes', async () => {
    const pharmacy = scene.pharmacy.desk;
    const original = makeTestPdf({ pages: 2, title: 'Prior authorisation' });
    const sent = await pharmacy.invoke('send.submit', { orgId: scene.env.orgs[1]!.orgId, to: '+15551110001', from: '+15552220002', fileName: 'prior-auth.pdf', pdf: original, coverPage: null, route: 'fxe' });
    if (!sent.ok) throw new Error(sent.error.message);
    await pharmacy.flushOutbox();
    await expect.poll(async () => {
      await clinic.desk.desk.pollNow();
      return (await clinic.desk.desk.invoke('faxes.get', { id: sent.value.id })).ok;
    }, { timeout: 20_000 }).toBe(true);

    const page = clinic.page;
    await folder(page, 'Inbox').click();
    await option(page, 'prior-auth.pdf').click();
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Forward' }).click();
    const dialog = page.getByRole('dialog', { name: 'Forward “prior-auth.pdf”' });
    await dialog.getByRole('combobox', { name: 'To', exact: true }).fill('+1 555 222 0002');
    await dialog.getByRole('checkbox', { name: 'Send later' }).check();
    await dialog.locator('input[name=sendAt]').fill(tomorrowNine());
    await expect.poll(() => dialog.getByTestId('schedule-hint').textContent(), { timeout: 20_000 }).toMatch(/^Goes out .*9:00 AM/);
    // A time already past is refused next to the picker.
    await dialog.locator('input[name=sendAt]').fill('2020-01-02T09:00');
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await dialog.getByText('That time has already passed.', { exact: false }).waitFor();
    await dialog.locator('input[name=sendAt]').fill(tomorrowNine());
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await expect.poll(() => dialog.locator('.send-progress .big').textContent(), { timeout: 30_000 }).toMatch(/^Scheduled for .*9:00 AM\.$/);
    await saveScreen(page, 'forward-scheduled');
    await dialog.getByRole('button', { name: 'Done' }).click();

    await folder(page, 'Outbox').click();
    const row = option(page, 'prior-auth.pdf');
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator('.pill').textContent()).toBe('Scheduled');
    const id = asFaxId((await row.getAttribute('data-fax-id'))!);
    const fax = await clinic.desk.desk.invoke('faxes.get', { id });
    expect(fax.ok && new Date(fax.value.sendAt!).toISOString()).toBe(`${tomorrowNine()}:00.000Z`);
    expect((await pharmacyInbox()).map((f) => f.id)).not.toContain(id);

    await row.click();
    await page.getByTestId('scheduled-panel').getByRole('button', { name: 'Send now' }).click();
    await expect.poll(async () => {
      await clinic.desk.desk.flushOutbox();
      return stateOf(id);
    }, { timeout: 30_000 }).toMatch(/^(sent|delivered)$/);
    await expect.poll(async () => (await pharmacyInbox()).map((f) => f.id), { timeout: 30_000 }).toContain(id);
    const doc = await pharmacy.invoke('faxes.document', { id });
    expect(doc.ok && Buffer.from(doc.value.pdf).equals(Buffer.from(original))).toBe(true);
  }, 180_000);
});

describe('restoring outgoing faxes from the Trash', () => {
  it('a scheduled fax deleted and restored is back in the Outbox, Scheduled for its time and unsent', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByTestId('send-dialog');
    await dialog.getByLabel('PDF to send, or pictures').setInputFiles({ name: 'monday-orders.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 1, title: 'Monday orders' })) });
    await page.locator('input[name=to]').fill('+1 555 222 0002');
    await dialog.getByRole('checkbox', { name: 'Send later' }).check();
    await dialog.locator('input[name=sendAt]').fill(tomorrowNine());
    await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
    await expect.poll(() => dialog.locator('.send-progress .big').textContent(), { timeout: 30_000 }).toMatch(/^Scheduled for /);
    await dialog.getByRole('button', { name: 'Done' }).click();

    await folder(page, 'Outbox').click();
    const row = option(page, 'monday-orders.pdf');
    await row.click();
    const id = asFaxId((await row.getAttribute('data-fax-id'))!);
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached', timeout: 20_000 });

    await folder(page, 'Trash').click();
    const trashRow = page.getByRole('table', { name: /^Trash: / }).getByRole('row').filter({ hasText: 'monday-orders.pdf' });
    await trashRow.getByRole('button', { name: 'Restore monday-orders.pdf to Outbox' }).click();
    await trashRow.waitFor({ state: 'detached', timeout: 20_000 });
    await clinic.desk.desk.flushOutbox();

    await folder(page, 'Outbox').click();
    const back = option(page, 'monday-orders.pdf');
    await back.waitFor({ timeout: 20_000 });
    expect(await back.locator('.pill').textContent()).toBe('Scheduled');
    expect(await stateOf(id)).toBe('scheduled');
    expect((await pharmacyInbox()).map((f) => f.id)).not.toContain(id);
  }, 120_000);

  it('a fax that was on its way when deleted goes out once restored', async () => {
    const { env } = scene;
    // The relay is away: the fax waits in the Outbox for it, on its way.
    await env.stopRelay();
    const queued = await clinic.desk.desk.invoke('send.submit', { orgId: env.orgs[0]!.orgId, to: '+15552220002', from: '+15551110001', fileName: 'urgent-labs.pdf', pdf: makeTestPdf({ pages: 1, title: 'Urgent labs' }), coverPage: null, route: 'fxe' });
    if (!queued.ok) throw new Error(queued.error.message);
    const id = queued.value.id;
    await clinic.desk.desk.flushOutbox();
    expect(await stateOf(id)).toBe('queued');
    const page = clinic.page;
    await folder(page, 'Outbox').click();
    await option(page, 'urgent-labs.pdf').click();
    await page.getByRole('toolbar', { name: 'Fax actions' }).getByRole('button', { name: 'Delete' }).click();
    await option(page, 'urgent-labs.pdf').waitFor({ state: 'detached', timeout: 20_000 });
    expect(await stateOf(id)).toBe('fax.not_found'); // in the Trash: nothing sends it

    await folder(page, 'Trash').click();
    const inTrash = page.getByRole('table', { name: /^Trash: / }).getByRole('row').filter({ hasText: 'urgent-labs.pdf' });
    await inTrash.waitFor({ timeout: 20_000 });
    await saveScreen(page, 'trash-outbox-restore');
    await inTrash.getByRole('button', { name: 'Restore urgent-labs.pdf to Outbox' }).click();
    await inTrash.waitFor({ state: 'detached', timeout: 20_000 });
    // The relay comes back (kept away until now, so no attempt still under way could get through while it was in the Trash).
    await env.startRelayAgain();
    await expect.poll(async () => {
      await clinic.desk.desk.flushOutbox();
      return stateOf(id);
    }, { timeout: 30_000 }).toMatch(/^(sent|delivered)$/);
    await expect.poll(async () => (await pharmacyInbox()).map((f) => f.id), { timeout: 30_000 }).toContain(id);
    expect(clinic.pageErrors).toEqual([]);
  }, 120_000);
});
