// Held key changes, listed and decided in a window: the REAL renderer in Chromium over the
// REAL services and a REAL local relay. The clinic has faxed Harbor Pharmacy before (its keys
// are pinned); then the pinned keys no longer match what the relay shows (as after a key
// change: the clinic's own pin is rewritten, the relay's keys stay real). A fax queued to the
// pharmacy is held; the sidebar says a decision waits; Key changes lists the pharmacy by its
// phone-book name and number, the old and new fingerprints, when the change was first met and
// the fax waiting on it. Accept sends that fax, once; Keep blocked leaves the next one unsent
// (Failed, saying why) and the change listed.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaxId } from '../../shared/domain/ids.ts';
import { makeTestPdf } from './fixtures/pdf.ts';
import { openClinicAndPharmacy, type ClinicAndPharmacy } from './harness/clinic-and-pharmacy.ts';
import { saveScreen } from './harness/screens.ts';

let scene: ClinicAndPharmacy;
const CLINIC = '+15551110001';
const PHARMACY = '+15552220002';
const OLD_FINGERPRINT = 'ab'.repeat(32);

beforeAll(async () => {
  scene = await openClinicAndPharmacy('key-changes');
  await scene.clinic.page.locator('.workspace').waitFor();
}, 120_000);

afterAll(async () => {
  await scene?.close();
});

async function submit(fileName: string): Promise<FaxId> {
  const sent = await scene.clinic.desk.desk.invoke('send.submit', {
    orgId: scene.env.orgs[0]!.orgId, to: PHARMACY, from: CLINIC, fileName, pdf: makeTestPdf({ pages: 1, title: fileName }), coverPage: null, route: 'fxe',
  });
  if (!sent.ok) throw new Error(sent.error.message);
  await scene.clinic.desk.desk.flushOutbox();
  return sent.value.id;
}

async function stateOf(id: FaxId): Promise<string> {
  const fax = await scene.clinic.desk.desk.invoke('faxes.get', { id });
  if (!fax.ok) throw new Error(fax.error.message);
  return fax.value.state;
}

/** The clinic's pin for the pharmacy now names other keys than the relay shows: the next send meets a key change. */
function pinOtherKeys(): void {
  const db = new Database(join(scene.clinic.desk.dataDir, 'desk.sqlite'));
  try {
    const n = db.prepare("UPDATE key_pins SET fingerprint = ?, bundle_fingerprints = '[]' WHERE peer_org_id = ?").run(OLD_FINGERPRINT, scene.env.orgs[1]!.orgId).changes;
    expect(n).toBe(1);
  } finally {
    db.close();
  }
}

async function pharmacyReceived(fileName: string): Promise<number> {
  await scene.pharmacy.desk.pollNow();
  const list = await scene.pharmacy.desk.invoke('faxes.list', { folder: 'inbox', query: fileName, offset: 0, limit: 10 });
  if (!list.ok) throw new Error(list.error.message);
  return list.value.items.filter((f) => f.fileName === fileName).length;
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Folders' });
const card = (page: Page) => page.getByRole('article', { name: 'Key change: Harbor Pharmacy' });

describe('held key changes, single desk', () => {
  it('a held change is listed with who, both fingerprints, when and the waiting fax; Accept sends that fax once', async () => {
    const page = scene.clinic.page;
    const saved = await scene.clinic.desk.desk.invoke('contacts.save', { name: 'Dana Reyes', organisation: 'Harbor Pharmacy', faxNumber: PHARMACY });
    expect(saved.ok).toBe(true);
    // The first fax pins the pharmacy's keys.
    const first = await submit('first-order.pdf');
    expect(await stateOf(first)).not.toBe('held-key-change');
    expect(await nav(page).getByRole('button', { name: /^Key changes/ }).count()).toBe(0);

    pinOtherKeys();
    const held = await submit('refill-request.pdf');
    expect(await stateOf(held)).toBe('held-key-change');

    // The sidebar says a decision waits; the page lists it.
    const notice = nav(page).getByRole('button', { name: /^Key changes/ });
    await notice.waitFor({ timeout: 20_000 });
    await expect.poll(() => notice.textContent()).toContain('1');
    await notice.click();
    await card(page).waitFor();
    const text = await card(page).textContent();
    expect(text).toContain('+1 555 222 0002');
    expect(text).toContain('abab abab abab abab'); // the pinned (old) fingerprint, short
    const newFp = (await scene.clinic.desk.desk.invoke('keys.changes', { orgId: scene.env.orgs[0]!.orgId }));
    if (!newFp.ok) throw new Error(newFp.error.message);
    expect(newFp.value).toHaveLength(1);
    const change = newFp.value[0]!;
    expect(change).toMatchObject({ peerOrgId: scene.env.orgs[1]!.orgId, peerName: 'Harbor Pharmacy', previousFingerprint: OLD_FINGERPRINT, numbers: [PHARMACY] });
    expect(change.heldFaxes.map((f) => f.fileName)).toEqual(['refill-request.pdf']);
    expect(text).toContain(change.newFingerprint.slice(0, 4));
    expect(text).toContain('First seen');
    expect(await card(page).getByRole('list', { name: 'Faxes waiting for Harbor Pharmacy' }).getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('refill-request.pdf')]);
    await saveScreen(page, 'key-changes');

    await card(page).getByRole('button', { name: 'Accept the new keys of Harbor Pharmacy' }).click();
    await page.getByText('No key changes are waiting.').waitFor({ timeout: 20_000 });
    await expect.poll(() => nav(page).getByRole('button', { name: /^Key changes/ }).getByLabel(/waiting for a decision/).count()).toBe(0);
    await scene.clinic.desk.desk.flushOutbox();
    await expect.poll(() => stateOf(held), { timeout: 20_000 }).toMatch(/^(sent|delivered)$/);
    await expect.poll(() => pharmacyReceived('refill-request.pdf'), { timeout: 20_000 }).toBe(1);
    // Once: flushing again sends nothing more.
    await scene.clinic.desk.desk.flushOutbox();
    expect(await pharmacyReceived('refill-request.pdf')).toBe(1);
  });

  it('Keep blocked leaves the held fax unsent (Failed, saying why) and the change listed', async () => {
    const page = scene.clinic.page;
    pinOtherKeys();
    const held = await submit('invoice.pdf');
    expect(await stateOf(held)).toBe('held-key-change');
    await nav(page).getByRole('button', { name: /^Key changes/ }).click();
    await card(page).getByRole('listitem').filter({ hasText: 'invoice.pdf' }).waitFor({ timeout: 20_000 });
    await card(page).getByRole('button', { name: 'Keep Harbor Pharmacy blocked' }).click();
    await card(page).getByText(/No fax of yours is waiting/).waitFor({ timeout: 20_000 });
    expect(await stateOf(held)).toBe('failed');
    const fax = await scene.clinic.desk.desk.invoke('faxes.get', { id: held });
    expect(fax.ok && fax.value.failureReason?.message).toContain('were not accepted');
    // Still blocked: the change stays listed, and nothing reached the pharmacy.
    expect(await card(page).count()).toBe(1);
    expect(await pharmacyReceived('invoice.pdf')).toBe(0);
  });
});
