// Opening a fax does not wait for pdf.js's worker to start: one is started in idle time before
// the first fax is opened (and again after each), yet every document still gets a worker of its
// own, never one another document used, and a closed fax's worker is ended.
import type { FaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeTestPdf } from './fixtures/pdf.ts';
import { appLive } from './harness/app-window.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';

let scene: ClinicAndPharmacy;
let page: Page;

interface WorkerSeen {
  at: number;
  terminated: boolean;
}

/** The pharmacy faxes the clinic (through the relay), and the clinic's desk fetches it. */
async function receive(fileName: string): Promise<FaxId> {
  const { env, pharmacy, clinic } = scene;
  const sent = await pharmacy.desk.invoke('send.submit', {
    orgId: env.orgs[1]!.orgId, to: '+15551110001', from: '+15552220002', fileName, pdf: makeTestPdf({ pages: 3, title: fileName }), coverPage: null, route: 'fxe',
  });
  if (!sent.ok) throw new Error(sent.error.message);
  await pharmacy.desk.flushOutbox();
  for (let tries = 0; tries < 100; tries++) {
    await clinic.desk.desk.pollNow();
    if ((await clinic.desk.desk.invoke('faxes.get', { id: sent.value.id })).ok) return sent.value.id;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${fileName} did not arrive`);
}

const pdfWorkers = () => page.evaluate(() => (window as unknown as { __pdfWorkers: WorkerSeen[] }).__pdfWorkers);

/** Click a fax's row and wait until its first page is drawn; the click's time on the page's clock. */
async function open(id: FaxId): Promise<{ clickedAt: number; openedAt: number }> {
  const clickedAt = await page.evaluate(() => performance.now());
  await page.locator(`.fax-row[data-fax-id="${id}"]`).click();
  await page.locator('canvas.page-canvas[data-rendered="true"]').waitFor({ timeout: 30_000 });
  const openedAt = await page.evaluate(() => performance.getEntriesByName('fxe:viewer-open').pop()!.startTime);
  return { clickedAt, openedAt };
}

beforeAll(async () => {
  scene = await openClinicAndPharmacy('viewer-workers');
  page = scene.clinic.page;
  await receive('first.pdf');
  await receive('second.pdf');
  // From the window's first script on: every pdf.js worker made, when, and whether it was ended.
  await scene.clinic.context.addInitScript(() => {
    const seen: WorkerSeen[] = [];
    (window as unknown as { __pdfWorkers: WorkerSeen[] }).__pdfWorkers = seen;
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        if (!String(url).includes('pdf.worker')) return;
        const record = { at: performance.now(), terminated: false };
        seen.push(record);
        const terminate = this.terminate.bind(this);
        this.terminate = () => {
          record.terminated = true;
          terminate();
        };
      }
    };
  });
  await page.reload();
  await appLive(page);
}, 120_000);

afterAll(async () => {
  await scene?.close();
});

describe('pdf.js workers', () => {
  it('one is started before any fax is opened', async () => {
    await expect.poll(async () => (await pdfWorkers()).length, { timeout: 20_000 }).toBe(1);
  });

  it('the first fax opened uses it, and each later one a fresh worker; a closed fax ends its own', async () => {
    const rows = page.getByRole('listbox').getByRole('option');
    await expect.poll(() => rows.count()).toBe(2);
    const [newest, older] = [await rows.nth(0).getAttribute('data-fax-id'), await rows.nth(1).getAttribute('data-fax-id')] as FaxId[];

    const first = await open(newest!);
    // None was started between the click and the document being open: the warm one was taken.
    expect((await pdfWorkers()).filter((w) => w.at > first.clickedAt && w.at < first.openedAt)).toEqual([]);
    // The next one is started once the window is idle.
    await expect.poll(async () => (await pdfWorkers()).length, { timeout: 20_000 }).toBe(2);

    const second = await open(older!);
    expect((await pdfWorkers()).filter((w) => w.at > second.clickedAt && w.at < second.openedAt)).toEqual([]);
    await expect.poll(async () => (await pdfWorkers()).length, { timeout: 20_000 }).toBe(3);
    const workers = await pdfWorkers();
    // The first fax's worker ended with it; the second fax's and the spare are alive.
    expect(workers.map((w) => w.terminated)).toEqual([true, false, false]);
    expect(scene.clinic.pageErrors).toEqual([]);
  });
});
