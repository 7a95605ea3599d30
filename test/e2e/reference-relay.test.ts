// The app in Chromium (the real renderer build, bridged to real desks) on both relay profiles:
// with our extensions, and on a relay that offers only what the reference relay offers (no
// polling, no delivery status, webhooks registered by the relay's operator). The clinic drops a
// PDF and sends it; it arrives in the pharmacy's inbox by webhook; the clinic's sent fax shows
// "Delivered" where the relay proves delivery, and says that no proof will come where it cannot.
import type { OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { RELAY_PROFILES, type RelayProfile } from '../../electron/relay/index.ts';
import type { DemoOrg } from '../../electron/relay/demo.ts';
import { createDesk, type Desk } from '../../electron/services/desk.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { appLive } from './harness/app-window.ts';
import { bridgeDesk } from './harness/bridge.ts';
import { launchChromium } from './harness/browser.ts';
import { dropPdf } from './harness/page-actions.ts';
import { ensureRendererBuilt } from './harness/renderer-build.ts';
import { serveDirectory, type StaticServer } from './harness/static-server.ts';
import { freePort, startTestRelay, type TestRelay } from '../services/helpers.ts';

interface AppWindow {
  context: BrowserContext;
  page: Page;
  desk: Desk;
  next: { open: string | null };
}

const faxList = (page: Page) => page.getByRole('listbox');
const folder = (page: Page, name: 'Inbox' | 'Sent') =>
  page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: new RegExp(`^${name}`) });

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  server = await serveDirectory(ensureRendererBuilt());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each(RELAY_PROFILES)('fxe Desk on a relay with profile %s', (profile: RelayProfile) => {
  const reference = profile === 'reference';
  let relay: TestRelay;
  let orgs: DemoOrg[];
  const windows: AppWindow[] = [];
  let clinic: AppWindow;
  let pharmacy: AppWindow;

  async function openWindow(name: string): Promise<AppWindow> {
    const next = { open: null as string | null };
    const desk = await createDesk({
      dataDir: join(relay.dir.path, `desk-${name}`), keychain: createMemoryKeychain(), fetch: (input, init) => fetch(input, init),
      dialogs: { openFile: async () => { const p = next.open; next.open = null; return p; }, saveFile: async () => null },
      printer: { printPdf: async () => true },
      timings: { relayRetries: 1, outboxRetryBaseMs: 200 },
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await bridgeDesk(context, page, desk);
    await page.goto(server.url);
    const w = { context, page, desk, next };
    windows.push(w);
    return w;
  }

  /** The relay's operator (`npm run relay -- webhook`) where the desk cannot register it itself. */
  async function receiveByWebhook(w: AppWindow, orgId: OrgId): Promise<void> {
    const port = await freePort();
    const call = async <T>(r: Promise<{ ok: true; value: T } | { ok: false; error: { code: string } }>): Promise<T> => {
      const res = await r;
      if (!res.ok) throw new Error(res.error.code);
      return res.value;
    };
    await call(w.desk.invoke('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: `http://127.0.0.1:${port}` }));
    const st = await call(w.desk.invoke('receiving.status', {}));
    const org = st.orgs.find((o) => o.orgId === orgId)!;
    expect(org.offers).toEqual(reference ? { polling: false, webhookRegistration: false, deliveryProof: false } : { polling: true, webhookRegistration: true, deliveryProof: true });
    expect(org.needsOperator).toBe(reference);
    if (!org.needsOperator) return;
    const secret = relay.registerWebhookAsOperator(orgId, org.webhookUrl!);
    await call(w.desk.invoke('receiving.setWebhookSecret', { orgId, secret }));
  }

  beforeAll(async () => {
    relay = await startTestRelay({ profile, webhookRetryDelaysMs: [200, 500, 1000, 2000] });
    orgs = relay.orgs;
    clinic = await openWindow('clinic');
    pharmacy = await openWindow('pharmacy');
  });
  afterAll(async () => {
    for (const w of windows) {
      await w.context.close();
      await w.desk.close();
    }
    await relay?.close();
  });

  it('imports each keys.zip; the pharmacy receives by webhook', async () => {
    for (const [w, org] of [[clinic, orgs[0]!], [pharmacy, orgs[1]!]] as const) {
      w.next.open = org.keysZipPath;
      await w.page.getByRole('button', { name: 'Import keys.zip…' }).click();
      await w.page.locator('.workspace').waitFor();
      // The reference relay does not tell an org its name: the org id stands in.
      await expect.poll(() => w.page.getByLabel('Organisation').locator('option:checked').textContent()).toContain(reference ? org.orgId : org.name);
    }
    await receiveByWebhook(pharmacy, orgs[1]!.orgId);
    if (reference) {
      // The reference relay cannot tell an org its fax numbers: the office enters them.
      for (const [w, org] of [[clinic, orgs[0]!], [pharmacy, orgs[1]!]] as const) {
        const r = await w.desk.invoke('orgs.setFacts', { orgId: org.orgId, name: org.name, faxNumbers: org.faxNumbers });
        expect(r.ok).toBe(true);
        await w.page.reload();
        await appLive(w.page);
        await expect.poll(() => w.page.getByLabel('Organisation').locator('option:checked').textContent()).toContain(org.name);
      }
    }
  });

  it('sends a dropped PDF; it arrives in the inbox without any poll', async () => {
    await dropPdf(clinic.page, makeTestPdf({ pages: 1, title: `Referral (${profile})` }), `referral-${profile}.pdf`);
    const dialog = clinic.page.getByTestId('send-dialog');
    await dialog.getByText(`referral-${profile}.pdf`).waitFor();
    await clinic.page.locator('input[name=to]').fill('+1 555 222 0002');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-state="sent"], .send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();

    const rows = faxList(pharmacy.page).getByRole('option', { name: new RegExp(`referral-${profile}\\.pdf`) });
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(1);
  });

  it(reference ? 'tells the clinic that no proof of delivery will come' : 'shows the clinic the proof of delivery', async () => {
    const page = clinic.page;
    await folder(page, 'Sent').click();
    const sentRow = faxList(page).getByRole('option', { name: new RegExp(`referral-${profile}\\.pdf`) });
    if (reference) {
      await sentRow.waitFor();
      await sentRow.click();
      await page.getByText('does not report deliveries').waitFor();
      // The pharmacy's Settings say how its faxes arrive here, and what to give the operator.
      const settings = pharmacy.page;
      await settings.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Settings' }).click();
      const panel = settings.getByTestId('receiving-panel');
      await panel.getByText('delivers faxes only by webhook').waitFor();
      await panel.getByText("Give this address to your relay's operator").waitFor();
      await panel.getByText('Webhook secret from the operator (saved)').waitFor();
    } else {
      // The pharmacy's receipt reaches the clinic by its delivery check.
      await expect.poll(async () => { await clinic.desk.pollNow(); return sentRow.textContent(); }, { timeout: 30_000 }).toMatch(/Delivered/);
    }
  });
});
