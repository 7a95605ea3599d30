// The relay process is killed in the middle of an upload and started again on the same port
// and data: the outbox keeps the fax queued, retries with backoff, re-uploads the SAME message
// (same message_id), and the recipient ends up with exactly one copy of the exact bytes.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoOrgs, type DemoOrg } from '../../electron/relay/demo.ts';
import { freePort, importOrg, makePdf, openTestDesk, tempDir, waitFor, type TestDesk } from './helpers.ts';

const relayCli = fileURLToPath(new URL('../../electron/relay/cli.ts', import.meta.url));

function serve(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', relayCli, 'serve', '--port', String(port), '--data', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('listening')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`relay exited early (${code})`)));
  });
}

describe('relay killed mid-upload', () => {
  let dirs: { path: string; remove(): void };
  let port: number;
  let child: ChildProcess | null = null;
  let orgs: DemoOrg[];
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;

  beforeAll(async () => {
    dirs = tempDir('outage');
    port = await freePort();
    child = await serve(port, join(dirs.path, 'relay'));
    orgs = await createDemoOrgs({ relayUrl: `http://127.0.0.1:${port}`, outDir: join(dirs.path, 'orgs') });
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false, timings: { relayRetries: 0, outboxRetryBaseMs: 100 } });
    b = await openTestDesk(join(dirs.path, 'b'), { autoStart: false });
    aOrg = await importOrg(a, orgs[0]!.keysZipPath);
    await importOrg(b, orgs[1]!.keysZipPath);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    child?.kill('SIGKILL');
    dirs?.remove();
  });

  it('keeps the fax queued through the outage and delivers exactly one copy after', async () => {
    const pdf = makePdf(2, 48 * 1024 * 1024);
    let killed = false;
    a.desk.onEvent((e) => {
      // Kill the relay once the upload is under way (a third of the body sent).
      if (!killed && e.type === 'outbox.changed' && e.state === 'uploading' && (e.progress ?? 0) > 0.3) {
        killed = true;
        child?.kill('SIGKILL');
      }
    });
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'big.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect(killed).toBe(true);
    const during = await a.call('faxes.get', { id });
    expect(during.state).toBe('queued');
    expect(during.failureReason?.code).toBe('relay.unreachable');

    child = await serve(port, join(dirs.path, 'relay'));
    const sent = await waitFor('the retry to upload', async () => {
      await a.desk.flushOutbox();
      const f = await a.call('faxes.get', { id });
      return f.state === 'sent' ? f : null;
    }, 60_000);
    expect(sent.id).toBe(id);

    expect(await b.desk.pollNow()).toBe(1);
    const inbox = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(inbox.items.map((x) => x.id)).toEqual([id]);
    expect(Buffer.from((await b.call('faxes.document', { id })).pdf).equals(Buffer.from(pdf))).toBe(true);
  });
});
