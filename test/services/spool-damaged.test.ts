// The outbox's spool (the sealed ciphertext waiting for upload) is not fsynced: an upload
// first checks a spool left by an earlier run against the envelope's hash. A spool a power
// cut damaged is never sent: the fax is sealed again and the recipient gets exactly the PDF
// that was submitted. (A spool sealed by the running process is not read twice: a power cut
// would have ended that process.)
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from './helpers.ts';

describe('a damaged spool', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let uploadsFail = true;
  const uploads: string[] = [];

  const openA = (keychain?: TestDesk['keychain']): Promise<TestDesk> => openTestDesk(join(dirs.path, 'a'), {
    ...(keychain ? { keychain } : {}),
    autoStart: false,
    timings: { relayRetries: 0, outboxRetryBaseMs: 50 },
    fetch: async (input, init) => {
      if (init?.method === 'POST' && new URL(input).pathname === '/v1/messages') {
        uploads.push(input);
        // The link drops the first uploads: the fax waits in the spool, sealed.
        if (uploadsFail) throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    },
  });

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('spool-damaged');
    a = await openA();
    b = await openTestDesk(join(dirs.path, 'b'), { autoStart: false });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
    await importOrg(b, relay.orgs[1]!.keysZipPath);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await relay?.close();
    dirs?.remove();
  });

  it('is sealed again instead of being sent, and the recipient gets the submitted PDF', async () => {
    const pdf = makePdf(2, 200_000);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'spool.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).toBe('queued');
    const spoolDir = join(a.dataDir, 'spool');
    const [spool] = readdirSync(spoolDir);
    expect(spool).toBeDefined();
    // What a power cut can leave of a file that was never fsynced: bytes that are not the seal's.
    const damaged = readFileSync(join(spoolDir, spool!));
    damaged[damaged.length >> 1] = damaged[damaged.length >> 1]! ^ 0x40;
    writeFileSync(join(spoolDir, spool!), damaged);
    // The power cut: the desk starts again with the spool as it found it.
    await a.close();
    a = await openA(a.keychain);

    uploadsFail = false;
    uploads.length = 0;
    await waitFor('the fax to go out', async () => {
      await a.desk.flushOutbox();
      return (await a.call('faxes.get', { id })).state === 'sent';
    });
    // The damaged copy never reached the relay: the one upload that went out is the new seal.
    expect(uploads.length).toBe(1);
    expect(a.events.some((e) => e.type === 'outbox.changed' && e.id === id && e.error?.code === 'outbox.spool_damaged')).toBe(true);
    expect(await b.desk.pollNow()).toBe(1);
    const doc = await b.call('faxes.document', { id });
    expect(Buffer.from(doc.pdf).equals(Buffer.from(pdf))).toBe(true);
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
