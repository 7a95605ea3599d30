// The desktop app end to end: the REAL renderer build in Debian's Chromium, bridged to the
// REAL main-process services (createDesk) of two organisations on a REAL local relay.
// One story, in order: each org imports its keys.zip; the clinic drops a PDF to fax the
// pharmacy; it arrives, opens, renders like poppler renders it, and prints; an uncovered
// number brings up the PSTN prompt; a fax tampered with in transit is refused with an error
// and no document; a changed recipient key brings up the key-change warning.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { b64uEncode, signBundle, type PublicBundle } from '../../shared/protocol/index.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { bridgeDesk } from './harness/bridge.ts';
import { launchChromium } from './harness/browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './harness/desk-env.ts';
import { blankLike, compareGray, grayFromRgba, renderWithPoppler } from './harness/images.ts';
import { dropPdf, readPageCanvas } from './harness/page-actions.ts';
import { ensureRendererBuilt, REPO_ROOT } from './harness/renderer-build.ts';
import { saveScreen } from './harness/screens.ts';
import { CSP, serveDirectory, type StaticServer } from './harness/static-server.ts';
import { CONTENT_SECURITY_POLICY } from '../../shared/app/csp.ts';

interface AppWindow {
  context: BrowserContext;
  page: Page;
  desk: DeskUnderTest;
  pageErrors: string[];
}

let env: DeskEnv;
let server: StaticServer;
let browser: Browser;
let clinic: AppWindow; // org A: Northside Clinic, +1 555 111 0001
let pharmacy: AppWindow; // org B: Harbor Pharmacy, +1 555 222 0002
const referral = makeTestPdf({ pages: 3, title: 'Referral: J. Smith' });

async function openAppWindow(name: string): Promise<AppWindow> {
  const desk = await env.openDesk(name);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await bridgeDesk(context, page, desk.desk);
  await page.goto(server.url);
  return { context, page, desk, pageErrors };
}

async function importKeys(w: AppWindow, keysZipPath: string, orgName: string): Promise<void> {
  w.desk.nextOpenPath = keysZipPath; // what the OS file dialog "returns"
  await w.page.getByRole('button', { name: 'Import keys.zip…' }).click();
  await w.page.locator('.workspace').waitFor();
  await expect.poll(() => w.page.getByLabel('Organisation').locator('option:checked').textContent()).toContain(orgName);
}

async function fillRecipientAndSend(page: Page, number: string): Promise<void> {
  await page.locator('input[name=to]').fill(number);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt();
  env = await startDeskEnv();
  server = await serveDirectory(rendererDir);
  browser = await launchChromium();
  clinic = await openAppWindow('clinic');
  pharmacy = await openAppWindow('pharmacy');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.close();
});

describe('fxe Desk in Chromium against the real services', () => {
  it('serves the renderer under the same CSP the Electron shell sets', () => {
    // The shell sends the one shared policy (shared/app/csp.ts), which is what we serve here.
    const shellSource = readFileSync(`${REPO_ROOT}electron/main/security.ts`, 'utf8');
    expect(shellSource).toContain("import { CONTENT_SECURITY_POLICY } from '../../shared/app/csp.ts';");
    expect(CSP).toBe(CONTENT_SECURITY_POLICY);
    const html = readFileSync(`${REPO_ROOT}out/renderer/index.html`, 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    // The <meta> copy cannot carry frame-ancestors (browsers ignore it there); otherwise equal.
    expect(meta).toBe(CSP.replace("; frame-ancestors 'none'", ''));
    expect(CSP).not.toContain("'unsafe-eval'"); // only 'wasm-unsafe-eval', for pdf.js's image decoders
  });

  it('first run: onboarding, then each org imports its keys.zip', async () => {
    await clinic.page.getByRole('heading', { name: 'Welcome to fxe Desk' }).waitFor();
    await expect.poll(() => clinic.page.getByRole('button', { name: 'Try the demo' }).isVisible()).toBe(true);
    await saveScreen(clinic.page, 'onboarding');
    await importKeys(clinic, env.orgs[0]!.keysZipPath, env.orgs[0]!.name);
    await importKeys(pharmacy, env.orgs[1]!.keysZipPath, env.orgs[1]!.name);
    await pharmacy.page.getByText('No faxes yet').waitFor();
  });

  it('sends a fax by dropping a PDF on the window', async () => {
    await dropPdf(clinic.page, referral, 'referral-smith.pdf');
    const dialog = clinic.page.getByTestId('send-dialog');
    await dialog.getByText('referral-smith.pdf').waitFor();
    await clinic.page.locator('input[name=to]').fill('+1 555 222 0002');
    await saveScreen(clinic.page, 'send');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.locator('.send-progress[data-state="sent"], .send-progress[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();
  });

  it("shows it in the other org's inbox, unread, with the sender's name", async () => {
    await pharmacy.desk.desk.pollNow();
    const row = pharmacy.page.locator('.fax-row[data-fax-id]');
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    await expect(row.first().getAttribute('class')).resolves.toContain('unread');
    await expect(row.first().textContent()).resolves.toMatch(/Northside Clinic|\+1 555 111 0001/);
    await expect.poll(() => pharmacy.page.locator('.nav .count').textContent()).toBe('1');
    await saveScreen(pharmacy.page, 'inbox');
  });

  it('opens it and the page renders like the reference rendering (poppler)', async () => {
    const page = pharmacy.page;
    await page.locator('.fax-row[data-fax-id]').first().click();
    await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByLabel('Page number').inputValue()).toBe('1');
    await expect(page.locator('.viewer-toolbar').textContent()).resolves.toContain('/ 3');
    await saveScreen(page, 'viewer');

    await page.getByRole('button', { name: '100%' }).click();
    await page.locator('canvas.page-canvas[data-rendered="true"][data-scale="1.0000"]').waitFor();
    const shot = await readPageCanvas(page);
    expect([shot.width, shot.height]).toEqual([612, 792]); // US Letter at 72 dpi, dpr 1
    const rendered = grayFromRgba(shot.width, shot.height, shot.rgba);
    const reference = renderWithPoppler(referral, 1, shot.width, shot.height);
    const same = compareGray(rendered, reference);
    const vsBlank = compareGray(rendered, blankLike(rendered));
    const vsPage2 = compareGray(rendered, renderWithPoppler(referral, 2, shot.width, shot.height));
    console.log(`viewer vs poppler: page 1 ${JSON.stringify(same)}, page 2 ${JSON.stringify(vsPage2)}, blank ${JSON.stringify(vsBlank)}`);
    expect(same.strongDiffRatio).toBeLessThan(0.01);
    expect(same.meanAbsDiff).toBeLessThan(1.5); // measured ≈0.6; the wrong page measures ≈2.4
    // The metric tells a real page from a blank one and from the wrong page.
    expect(vsBlank.strongDiffRatio).toBeGreaterThan(0.1);
    expect(vsPage2.meanAbsDiff).toBeGreaterThan(same.meanAbsDiff * 2);

    // Next page, via the keyboard.
    await page.locator('.viewer-stage').focus();
    await page.keyboard.press('PageDown');
    await page.locator('canvas.page-canvas[data-rendered="true"][data-page="2"]').waitFor();
  });

  it('prints the fax: the printer gets the decrypted PDF', async () => {
    await pharmacy.page.locator('.viewer-toolbar').getByRole('button', { name: 'Print' }).click();
    await pharmacy.page.getByText('Sent to the printer.').waitFor();
    expect(pharmacy.desk.printed).toHaveLength(1);
    expect(Buffer.from(pharmacy.desk.printed[0]!.pdf).equals(Buffer.from(referral))).toBe(true);
  });

  it('an uncovered number brings up the PSTN prompt, and cancel sends nothing', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'New fax' }).click();
    await page.getByLabel('PDF to send').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeTestPdf({ pages: 1, title: 'Invoice 42' })) });
    await fillRecipientAndSend(page, '+1 555 999 0000');
    const prompt = page.getByTestId('pstn-prompt');
    await prompt.waitFor();
    await expect(prompt.textContent()).resolves.toContain('leaves the encrypted network');
    await expect(prompt.textContent()).resolves.toContain('+1 555 999 0000');
    await saveScreen(page, 'pstn-prompt');
    await prompt.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('send-dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    const outbox = await clinic.desk.desk.invoke('faxes.list', { folder: 'outbox', offset: 0, limit: 50 });
    expect(outbox.ok && outbox.value.items.some((f) => f.peerNumber === '+15559990000')).toBe(false);
  });

  it('a fax tampered with in transit shows an error and no document', async () => {
    // A compromised relay (or network) flips one character of the ciphertext it hands out.
    pharmacy.desk.interceptFetch = (url, init, real) => {
      if ((init?.method ?? 'GET') !== 'GET') return null;
      if (/\/v1\/messages\/[^/?]+\/ciphertext$/.test(new URL(url).pathname)) {
        // The raw download (ciphertext-download extension): flip one byte of the body.
        return real(url, init).then(async (res) => {
          const raw = new Uint8Array(await res.arrayBuffer());
          raw[40] = raw[40]! ^ 0x01;
          return new Response(raw, { status: res.status, headers: res.headers });
        });
      }
      if (!/\/v1\/messages\/[^/?]+$/.test(new URL(url).pathname)) return null;
      return real(url, init).then(async (res) => {
        const text = await res.text();
        const at = text.indexOf('"ciphertext": "') + '"ciphertext": "'.length + 40;
        const flipped = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
        return new Response(flipped, { status: res.status, headers: res.headers });
      });
    };
    const sent = await clinic.desk.desk.invoke('send.submit', {
      orgId: env.orgs[0]!.orgId, to: '+15552220002', from: '+15551110001', fileName: 'tampered.pdf', pdf: makeTestPdf({ pages: 1, title: 'Will be tampered' }), coverPage: null, route: 'fxe',
    });
    expect(sent.ok).toBe(true);
    await clinic.desk.desk.flushOutbox();
    await pharmacy.desk.desk.pollNow();
    const alert = pharmacy.page.locator('.content > .error-notice');
    await alert.waitFor({ timeout: 20_000 });
    await expect(alert.textContent()).resolves.toContain('could not be verified');
    await alert.getByRole('button', { name: 'Details' }).click();
    await expect(alert.locator('.error-detail').textContent()).resolves.toMatch(/Code: /);
    // Still only the one good fax; nothing openable was stored for the tampered one.
    await pharmacy.page.getByRole('button', { name: 'Inbox' }).click();
    await expect.poll(() => pharmacy.page.locator('.fax-row[data-fax-id]').count()).toBe(1);
    const list = await pharmacy.desk.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 50 });
    expect(list.ok && list.value.items.map((f) => f.fileName)).toEqual(['referral-smith.pdf']);
    await expect(pharmacy.page.locator('canvas.page-canvas').count()).resolves.toBe(0);
    pharmacy.desk.interceptFetch = null;
    await alert.getByRole('button', { name: 'Dismiss this message' }).click();
  });

  it("warns before sending when the recipient org's keys changed", async () => {
    // The lookup now shows the pharmacy's bundles signed by a different org key: what a
    // relay substituting its own keys would look like.
    const fakeOrgSeed = ed25519.utils.randomSecretKey();
    clinic.desk.interceptFetch = (url, init, real) => {
      if (!new URL(url).pathname.startsWith('/v1/lookup')) return null;
      return real(url, init).then(async (res) => {
        const body = (await res.json()) as { org_signing_pub: string; bundles: (PublicBundle & { bundle_sig: string; org_signing_pub: string })[] };
        body.org_signing_pub = b64uEncode(ed25519.getPublicKey(fakeOrgSeed));
        for (const b of body.bundles) {
          b.bundle_sig = signBundle({ bundle_id: b.bundle_id, ml_kem_pub: b.ml_kem_pub, x25519_pub: b.x25519_pub, ed25519_pub: b.ed25519_pub }, fakeOrgSeed);
          b.org_signing_pub = body.org_signing_pub;
        }
        return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } });
      });
    };
    const page = clinic.page;
    await dropPdf(page, makeTestPdf({ pages: 1, title: 'Prescription' }), 'prescription.pdf');
    await fillRecipientAndSend(page, '+1 555 222 0002');
    const warning = page.getByTestId('key-change-warning');
    await warning.waitFor();
    await expect(warning.textContent()).resolves.toContain('security keys have changed');
    await expect(warning.locator('code.strong').textContent()).resolves.toMatch(/^[0-9a-f]{4}( [0-9a-f]{4})+$/);
    await saveScreen(page, 'key-change-warning');
    await warning.getByRole('button', { name: "Don't send" }).click();
    await page.getByTestId('send-dialog').getByRole('button', { name: 'Cancel' }).click();
    clinic.desk.interceptFetch = null;
  });

  it('phone book: add a contact; settings show the org keys', async () => {
    const page = clinic.page;
    await page.getByRole('button', { name: 'Phone book' }).click();
    await page.getByRole('button', { name: 'Add contact' }).click();
    const form = page.getByRole('form', { name: 'New contact' });
    await form.getByLabel('Name').fill('Harbor Pharmacy front desk');
    await form.getByLabel('Organisation').fill('Harbor Pharmacy');
    await form.getByLabel('Fax number').fill('+1 555 222 0002');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'Harbor Pharmacy front desk', exact: true }).waitFor();
    await saveScreen(page, 'phone-book');

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Organisation keys' }).waitFor();
    await expect(page.locator('.org-keys').textContent()).resolves.toContain(env.orgs[0]!.name);
    await saveScreen(page, 'settings');
  });

  it('raised no uncaught errors in either window', () => {
    expect(clinic.pageErrors).toEqual([]);
    expect(pharmacy.pageErrors).toEqual([]);
  });
});
