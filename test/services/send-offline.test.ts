// A fax sent while the relay cannot be reached is never dropped: send.submit lands it in the
// outbox at once (nothing on the network is needed for that), it survives the desk being
// closed and opened again, and it goes out by itself once the relay is back; the recipient
// gets exactly that fax. A number that turns out not to be on fxe is parked for the user's
// phone-network decision instead of failing.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startRelay, type RelayHandle } from '../../electron/relay/index.ts';
import { createDemoOrgs, type DemoOrg } from '../../electron/relay/demo.ts';
import { freePort, importOrg, makePdf, openTestDesk, tempDir, waitFor, type TestDesk } from './helpers.ts';

describe('sending while the relay is down', () => {
  let dirs: { path: string; remove(): void };
  let port: number;
  let relay: RelayHandle | null = null;
  let orgs: DemoOrg[];
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  const relayData = (): string => join(dirs.path, 'relay');
  const openA = (): Promise<TestDesk> => openTestDesk(join(dirs.path, 'a'), { keychain: a.keychain, timings: { relayRetries: 0, outboxRetryBaseMs: 100 } });

  beforeAll(async () => {
    dirs = tempDir('send-offline');
    port = await freePort();
    relay = await startRelay({ dataDir: relayData(), port });
    orgs = await createDemoOrgs({ relayUrl: relay.url, outDir: join(dirs.path, 'orgs') });
    a = await openTestDesk(join(dirs.path, 'a'), { timings: { relayRetries: 0, outboxRetryBaseMs: 100 } });
    b = await openTestDesk(join(dirs.path, 'b'), { autoStart: false });
    aOrg = await importOrg(a, orgs[0]!.keysZipPath);
    await importOrg(b, orgs[1]!.keysZipPath);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await relay?.close();
    dirs?.remove();
  });

  it('queues the fax durably, keeps it through a desk restart, and delivers it when the relay returns', async () => {
    await relay!.close();
    relay = null;
    const pdf = makePdf(2, 4096);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'lab-results.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    const waiting = await a.call('faxes.get', { id });
    expect(waiting.state).toBe('queued');
    expect(waiting.failureReason?.code).toBe('relay.unreachable');
    expect((await a.call('faxes.list', { folder: 'outbox', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([id]);

    // The desk is closed (the receptionist goes home) and opened again the next morning.
    await a.close();
    a = await openA();
    expect((await a.call('faxes.get', { id })).state).toBe('queued');

    relay = await startRelay({ dataDir: relayData(), port });
    await waitFor('the queued fax to go out', async () => {
      await a.desk.flushOutbox();
      return (await a.call('faxes.get', { id })).state === 'sent';
    }, 60_000);

    expect(await b.desk.pollNow()).toBe(1);
    const inbox = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(inbox.items.map((x) => x.id)).toEqual([id]);
    expect(Buffer.from((await b.call('faxes.document', { id })).pdf).equals(Buffer.from(pdf))).toBe(true);
  });

  it('a number found not to be on fxe once the relay answers waits for the phone-network choice', async () => {
    await relay!.close();
    relay = null;
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15559990009', from: '+15551110001', fileName: 'x.pdf', pdf: makePdf(1), coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).toBe('queued');
    relay = await startRelay({ dataDir: relayData(), port });
    const parked = await waitFor('the lookup to answer', async () => {
      await a.desk.flushOutbox();
      const f = await a.call('faxes.get', { id });
      return f.state === 'needs-pstn' ? f : null;
    }, 60_000);
    expect(parked.failureReason?.code).toBe('relay.not_on_fxe');
    expect(a.events.some((e) => e.type === 'outbox.changed' && e.id === id && e.state === 'needs-pstn')).toBe(true);
  });

  it('reports reachability changes to the window (the Offline badge)', async () => {
    const statusEvents = (): boolean[] => a.events.flatMap((e) => (e.type === 'status.changed' && e.status.relayReachable !== null ? [e.status.relayReachable] : []));
    await a.desk.pollNow();
    await relay!.close();
    relay = null;
    const before = statusEvents().length;
    await a.desk.pollNow();
    await waitFor('an offline status', () => statusEvents().slice(before).includes(false));
    relay = await startRelay({ dataDir: relayData(), port });
    await a.desk.pollNow();
    await waitFor('an online status', () => statusEvents().slice(before).at(-1) === true);
  });
});
