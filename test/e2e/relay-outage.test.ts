// The relay goes away in the middle of the day. The window says "Offline" as soon as the desk
// notices; a fax sent meanwhile is saved in the Outbox (never dropped), survives the app being
// closed and opened again, and reaches the pharmacy once the relay is back. The real renderer
// in Chromium, the real services, the real relay, stopped and started on the same port.
import { asFaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { makeTestPdf } from './fixtures/pdf.ts';
import { openAppWindow, type AppWindow } from './harness/app-window.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';
import type { DeskEnv, DeskUnderTest } from './harness/desk-env.ts';
import { saveScreen } from './harness/screens.ts';
import type { StaticServer } from './harness/static-server.ts';

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let clinic: AppWindow;
let pharmacy: DeskUnderTest;
let faxId = asFaxId('');
const letter = makeTestPdf({ pages: 2, title: 'Discharge letter' });

let scene: ClinicAndPharmacy;

beforeAll(async () => {
  scene = await openClinicAndPharmacy('outage');
  ({ env, server, browser, clinic, pharmacy } = scene);
});

afterAll(async () => {
  await scene?.close();
});

const offlineBadge = (w: AppWindow) => w.page.locator('.topbar .badge', { hasText: 'Offline' });

describe('a relay outage at the front desk', () => {
  it('shows "Offline" when the relay cannot be reached, and takes it away when it is back', async () => {
    await clinic.desk.desk.pollNow();
    expect(await offlineBadge(clinic).count()).toBe(0);
    await env.stopRelay();
    await clinic.desk.desk.pollNow(); // the poller's next pass, without waiting for its timer
    await offlineBadge(clinic).waitFor();
    await env.startRelayAgain();
    await clinic.desk.desk.pollNow();
    await offlineBadge(clinic).waitFor({ state: 'detached' });
  });

  it('a fax sent while the relay is down is saved in the Outbox, not dropped', async () => {
    await env.stopRelay();
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    const dialog = page.getByTestId('send-dialog');
    await dialog.getByLabel('PDF to send').setInputFiles({ name: 'discharge-letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from(letter) });
    await page.locator('input[name=to]').fill('+1 555 222 0002');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-offline="true"]').waitFor({ timeout: 20_000 });
    await expect(dialog.locator('.send-progress').textContent()).resolves.toContain('Saved in the Outbox');
    expect(await dialog.locator('.error-notice').count()).toBe(0);
    await saveScreen(page, 'send-offline');
    await dialog.getByRole('button', { name: 'Close (keeps sending)' }).click();

    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Outbox/ }).click();
    const row = page.getByRole('listbox').getByRole('option', { name: /discharge-letter\.pdf/ });
    await row.waitFor();
    faxId = asFaxId((await row.getAttribute('data-fax-id'))!);
    const outbox = await clinic.desk.desk.invoke('faxes.list', { folder: 'outbox', offset: 0, limit: 10 });
    expect(outbox.ok && outbox.value.items.map((f) => f.id)).toEqual([faxId]);
  });

  it('after the app restarts and the relay returns, the fax goes out and the pharmacy receives it', async () => {
    await clinic.context.close();
    await clinic.desk.restart(); // the receptionist quit fxe Desk and opens it again
    await env.startRelayAgain();
    clinic = await openAppWindow(browser, server, clinic.desk);
    await clinic.page.locator('.workspace').waitFor();
    await clinic.page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Sent/ }).click();
    await expect.poll(async () => {
      await clinic.desk.desk.flushOutbox();
      const f = await clinic.desk.desk.invoke('faxes.get', { id: faxId });
      return f.ok ? f.value.state : 'missing';
    }, { timeout: 60_000 }).toMatch(/^(sent|delivered)$/);
    await clinic.page.getByRole('listbox').locator(`[data-fax-id="${faxId}"]`).waitFor();

    await pharmacy.desk.pollNow();
    const inbox = await pharmacy.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(inbox.ok && inbox.value.items.map((f) => [f.id, f.fileName])).toEqual([[faxId, 'discharge-letter.pdf']]);
    const doc = await pharmacy.desk.invoke('faxes.document', { id: faxId });
    expect(doc.ok && Buffer.from(doc.value.pdf).equals(Buffer.from(letter))).toBe(true);
  });
});
