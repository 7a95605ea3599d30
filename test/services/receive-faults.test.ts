// Faults on the receiving side, each against a real relay: the process "killed" between
// decrypt and receipt (injected crash points) then restarted, and a storage write failure.
// Receipts are counted at the transport (the injected fetch), the way the relay sees them.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CrashPoint } from '../../electron/services/receiver/pipeline.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from './helpers.ts';

describe('receive pipeline faults', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let aOrg: OrgId;
  const open: TestDesk[] = [];

  beforeEach(async () => {
    relay = await startTestRelay();
    dirs = tempDir('faults');
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
  });

  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
    await a.close();
    await relay.close();
    dirs.remove();
  });

  async function sendOne(pdf: Uint8Array): Promise<FaxId> {
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'f.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    return id;
  }

  /** A desk for B whose fetch counts receipt POSTs; `crash` decides where it "dies". */
  async function deskB(keychain: ReturnType<typeof createMemoryKeychain>, counter: { receipts: number }, crash: CrashPoint | null): Promise<TestDesk> {
    const t = await openTestDesk(join(dirs.path, 'b'), {
      keychain,
      autoStart: false,
      fetch: (input, init) => {
        if (init?.method === 'POST' && String(input).endsWith('/receipt')) counter.receipts++;
        return fetch(input, init);
      },
      timings: { relayRetries: 0 }, testing: { crashAt: (p) => p === crash },
    });
    open.push(t);
    return t;
  }

  for (const point of ['after-decrypt', 'after-store', 'after-receipt'] as const) {
    it(`killed at ${point}, restarted: stored once, receipt accepted once`, async () => {
      const keychain = createMemoryKeychain();
      const counter = { receipts: 0 };
      const b1 = await deskB(keychain, counter, point);
      await importOrg(b1, relay.orgs[1]!.keysZipPath);
      const pdf = makePdf(1, 30_000);
      const id = await sendOne(pdf);
      await b1.desk.pollNow(); // dies at the crash point
      await b1.close();
      open.splice(open.indexOf(b1), 1);
      const receiptsBeforeRestart = counter.receipts;
      expect(receiptsBeforeRestart).toBe(point === 'after-receipt' ? 1 : 0);

      const b2 = await deskB(keychain, counter, null);
      // What the shell does at start: owed receipts first, then a poll.
      // A poll pays receipts owed from before the crash, then fetches what is pending.
      await b2.desk.pollNow();
      const list = await b2.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
      expect(list.total).toBe(1);
      const doc = await b2.call('faxes.document', { id });
      expect(Buffer.from(doc.pdf).equals(Buffer.from(pdf))).toBe(true);
      // after-decrypt / after-store: exactly one receipt, sent after the restart;
      // after-receipt: the relay already had it; the identical repeat is harmless (200).
      expect(counter.receipts).toBe(point === 'after-receipt' ? 2 : 1);
      await a.desk.pollNow();
      expect((await a.call('faxes.get', { id })).state).toBe('delivered');
      // Nothing left pending on the relay, nothing stored twice.
      expect(await b2.desk.pollNow()).toBe(0);
      expect((await b2.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(1);
    });
  }

  it('storage write failure: no fax row, no receipt, a clear error; fetched again once storage works', async () => {
    const keychain = createMemoryKeychain();
    const counter = { receipts: 0 };
    const b = await deskB(keychain, counter, null);
    await importOrg(b, relay.orgs[1]!.keysZipPath);
    // A file where the blob directory should be: every body write fails, as on a full or broken disk.
    const blobs = join(dirs.path, 'b', 'blobs');
    rmSync(blobs, { recursive: true, force: true });
    writeFileSync(blobs, 'not a directory');
    const pdf = makePdf(1, 10_000);
    const id = await sendOne(pdf);
    expect(await b.desk.pollNow()).toBe(0);
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);
    expect(counter.receipts).toBe(0);
    const err = b.events.find((e) => e.type === 'receive.error');
    expect(err?.type === 'receive.error' ? err.error.code : null).toBe('storage.write_failed');

    rmSync(blobs, { force: true });
    mkdirSync(blobs);
    expect(await b.desk.pollNow()).toBe(1);
    expect(Buffer.from((await b.call('faxes.document', { id })).pdf).equals(Buffer.from(pdf))).toBe(true);
    expect(counter.receipts).toBe(1);
  });
});
