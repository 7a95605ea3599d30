// The CLI's send: a PDF in a file, never whole in memory, sealed straight from the file and
// checked in the sealed copy (outbox.submitFileSealed). What is sent is the file byte for
// byte; a file that is no PDF (by structure or by pdf.js) leaves nothing behind and reaches no
// one; and a process that warmed up the PDF check and the hashing thread but stopped before
// its first fax still exits.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { outDirSink } from '../../electron/services/cli/out-dir-sink.ts';
import { makePdf, startTestRelay, tempDir, type TestRelay } from './helpers.ts';

describe('outbox.submitFileSealed: sealed straight from the file, checked in the sealed copy', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let sender: CliServices;
  let recipient: CliServices;
  const inbox = (): string => join(dirs.path, 'inbox');

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('submit-sealed');
    sender = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: join(dirs.path, 'sender'), log: () => undefined });
    recipient = await openCliServices({ keysPath: relay.orgs[1]!.keysZipPath, stateDir: join(dirs.path, 'recipient'), log: () => undefined, receiveSink: outDirSink(inbox(), () => undefined) });
  }, 60_000);

  afterAll(async () => {
    await sender?.close();
    await recipient?.close();
    await relay?.close();
    dirs?.remove();
  });

  const submit = (path: string) => sender.s.outbox.submitFileSealed({ orgId: sender.orgId, to: '+15552220002', from: '+15551110001', fileName: 'doc.pdf', pdfPath: path });
  const spoolFiles = (): string[] => readdirSync(join(dirs.path, 'sender', 'spool'));
  const received = async (): Promise<string[]> => {
    await recipient.s.poller.pollOnce();
    return existsSync(inbox()) ? readdirSync(inbox()).filter((n) => n.endsWith('.pdf')) : [];
  };

  it('delivers the file byte for byte (3 MiB: several chunks) with its pages counted, keeping no copy of the PDF', async () => {
    const pdf = makePdf(3, 3 * 1024 * 1024 + 12_345);
    const path = join(dirs.path, 'three.pdf');
    writeFileSync(path, pdf);
    await sender.s.outbox.check(sender.orgId, '+15552220002');
    const { id, pages } = await submit(path);
    expect(pages).toBe(3);
    const row = sender.s.faxes.row(id, true);
    expect(row.blob_id).toBeNull();
    expect(row.size_bytes).toBe(pdf.length);
    // What a receipt is later checked against (status).
    expect(row.recipient_org_id).toBe(recipient.orgId);
    expect(row.ciphertext_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row.state).toBe('queued');
    expect(spoolFiles()).toEqual([`${id}.ct`]);
    await sender.s.outbox.kick();
    expect(sender.s.faxes.row(id, true).state).toBe('sent');
    expect(spoolFiles()).toEqual([]);
    expect(await received()).toEqual([`${id}.pdf`]);
    expect(Buffer.from(readFileSync(join(inbox(), `${id}.pdf`))).equals(Buffer.from(pdf))).toBe(true);
  }, 60_000);

  it('a PDF only pdf.js finds broken (found in the sealed copy) is refused: nothing queued, nothing uploaded, no spool left', async () => {
    const faxCount = (): unknown => sender.s.db.prepare('SELECT (SELECT count(*) FROM faxes) AS faxes, (SELECT count(*) FROM outbox_jobs) AS jobs').get();
    const before = faxCount();
    const junk = join(dirs.path, 'junk.pdf');
    // Header, xref, trailer and %%EOF are there, so the check on the file passes; the catalog is not: only pdf.js can tell.
    writeFileSync(junk, '%PDF-1.4\n1 0 obj\n<< >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< >>\nstartxref\n9\n%%EOF\n');
    await expect(submit(junk)).rejects.toMatchObject({ code: 'pdf.invalid', detail: expect.stringMatching(/pdf\.js/) });
    const text = join(dirs.path, 'notes.pdf');
    writeFileSync(text, 'just text, named like a pdf');
    await expect(submit(text)).rejects.toMatchObject({ code: 'pdf.invalid' });
    await expect(submit(join(dirs.path, 'missing.pdf'))).rejects.toMatchObject({ code: 'file.read_failed' });
    expect(spoolFiles()).toEqual([]);
    await sender.s.outbox.kick();
    expect(faxCount()).toEqual(before);
    // The recipient gets nothing new.
    expect((await received()).length).toBe(1);
  }, 60_000);
});

describe('warming up the PDF check and the hashing thread', () => {
  it('does not keep a process alive that ends before its first fax', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = [
      `const { ringHasher } = await import(${JSON.stringify(join(root, 'electron/services/crypto/ring-hasher.ts'))});`,
      `const { warmPdfCheckWorker } = await import(${JSON.stringify(join(root, 'electron/services/inbox/pdf-parse.ts'))});`,
      'warmPdfCheckWorker({ oneCheck: true }); ringHasher.warmUp();',
      // Once the threads are up (as when the CLI's send fails at its lookup), the process ends.
      'await new Promise((r) => setTimeout(r, 500)); console.log("warmed");',
    ].join('\n');
    // A script file: under `-e` Node ends the process even with a thread still referenced.
    const dir = tempDir('warm-exit');
    const file = join(dir.path, 'warm.mjs');
    writeFileSync(file, script);
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    // A process that never exits fails here (killed after 60 s), not on how fast it exits.
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(killer);
    dir.remove();
    expect(out).toMatch(/warmed/);
    expect(code).toBe(0);
  }, 90_000);
});
