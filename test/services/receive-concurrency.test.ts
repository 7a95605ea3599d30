// Several faxes received at once, against the real local relay: the desk's transport (the
// injected fetch) is where we watch how many faxes are being fetched together, and where one
// fax's download is made to stall and then fail. No timings are asserted: the stand-in holds
// requests until the expected number are waiting at once.
import type { FaxId } from '../../shared/domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RECEIVE_CONCURRENCY } from '../../electron/services/receiver/pipeline.ts';
import type { FetchLike } from '../../electron/services/relay-client/relay-client.ts';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { sendFaxes } from '../office/office-scene.ts';
import { importOrg, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from './helpers.ts';

/** The message id of a GET for a fax's envelope, or null for any other request. */
function envelopeRequest(input: Parameters<FetchLike>[0], init: Parameters<FetchLike>[1]): string | null {
  if ((init?.method ?? 'GET') !== 'GET') return null;
  const m = /\/v1\/messages\/([^/?]+)\/envelope$/.exec(new URL(String(input)).pathname);
  return m ? decodeURIComponent(m[1]!) : null;
}

describe('receiving several faxes at once', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  /** The sending org, sealing and uploading straight through its relay client (quick). */
  let a: CliServices;
  const open: TestDesk[] = [];

  beforeEach(async () => {
    relay = await startTestRelay();
    dirs = tempDir('receive-concurrency');
    a = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: join(dirs.path, 'a'), log: () => undefined });
  });

  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
    await a.close();
    await relay.close();
    dirs.remove();
  });

  const sendMany = (n: number): Promise<FaxId[]> => sendFaxes(a, relay.orgs[1]!.faxNumbers[0]!, n);

  async function deskB(fetchImpl: FetchLike): Promise<TestDesk> {
    const t = await openTestDesk(join(dirs.path, 'b'), { autoStart: false, fetch: fetchImpl, timings: { relayRetries: 0 } });
    open.push(t);
    await importOrg(t, relay.orgs[1]!.keysZipPath);
    return t;
  }

  it(`keeps ${RECEIVE_CONCURRENCY} faxes in flight, never more; each stored and receipted once`, async () => {
    const ids = await sendMany(2 * RECEIVE_CONCURRENCY);
    // Each envelope request waits until RECEIVE_CONCURRENCY of them wait together, then they all
    // go on. Were the faxes fetched one after the other, the first would wait for company that
    // never comes: the guard lets it go after a while so the test fails on the count, not a hang.
    let waiting: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    let receipts = 0;
    const b = await deskB(async (input, init) => {
      if (init?.method === 'POST' && String(input).endsWith('/receipt')) receipts++;
      if (envelopeRequest(input, init) === null) return fetch(input, init);
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length >= RECEIVE_CONCURRENCY) {
            for (const go of waiting) go();
            waiting = [];
          }
          setTimeout(resolve, 10_000).unref();
        });
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    });

    expect(await b.desk.pollNow()).toBe(ids.length);
    expect(most).toBe(RECEIVE_CONCURRENCY);
    const list = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 100 });
    expect(list.total).toBe(ids.length);
    expect(new Set(list.items.map((f) => f.fileName)).size).toBe(ids.length);
    expect(receipts).toBe(ids.length);
    // Nothing left on the relay, nothing fetched twice.
    expect(await b.desk.pollNow()).toBe(0);
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 100 })).total).toBe(ids.length);
  });

  it('one fax whose download stalls and then fails holds up none of the others, and is received on the next pass', async () => {
    const ids = await sendMany(RECEIVE_CONCURRENCY);
    let stalled: string | null = null;
    let failStalled: (() => void) | null = null;
    let receipts = 0;
    const b = await deskB(async (input, init) => {
      if (init?.method === 'POST' && String(input).endsWith('/receipt')) receipts++;
      const messageId = envelopeRequest(input, init);
      if (messageId !== null && (stalled === null || stalled === messageId) && failStalled === null) {
        // The first envelope asked for hangs, as on a dead connection, until the test cuts it.
        stalled = messageId;
        await new Promise<void>((resolve) => { failStalled = resolve; });
        throw new TypeError('fetch failed: the connection was reset');
      }
      return fetch(input, init);
    });

    const firstPass = b.desk.pollNow();
    // Every other fax arrives while the stalled one is still hanging.
    await waitFor('the other faxes stored', async () => (await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 100 })).total === ids.length - 1);
    expect(failStalled).not.toBeNull();
    failStalled!();
    expect(await firstPass).toBe(ids.length - 1);
    const err = b.events.find((e) => e.type === 'receive.error');
    expect(err?.type === 'receive.error' ? err.error.code : null).toMatch(/^relay\./);

    // The failed one was left on the relay and comes in on the next pass, once.
    expect(await b.desk.pollNow()).toBe(1);
    const list = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 100 });
    expect(list.total).toBe(ids.length);
    expect(list.items.map((f) => f.id)).toContain(stalled);
    expect(receipts).toBe(ids.length);
    expect(await b.desk.pollNow()).toBe(0);
  });
});
