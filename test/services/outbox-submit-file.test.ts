// The CLI's send: a PDF in a file is streamed into its stored blob and checked by byte ranges
// read back from that blob (outbox.submitFile), never whole in memory. What is stored is the
// file byte for byte; a file that is no PDF (by structure or by pdf.js) leaves nothing
// behind; and a process that warmed up the PDF check and the hashing thread but stopped
// before its first fax still exits.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { makePdf, startTestRelay, tempDir, type TestRelay } from './helpers.ts';

describe('outbox.submitFile: a PDF file streamed into its blob, checked there', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let c: CliServices;

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('submit-file');
    c = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: join(dirs.path, 'state'), log: () => undefined });
  }, 60_000);

  afterAll(async () => {
    await c?.close();
    await relay?.close();
    dirs?.remove();
  });

  const submit = (path: string) => c.s.outbox.submitFile({ orgId: c.orgId, to: '+15552220002', from: '+15551110001', fileName: 'doc.pdf', pdfPath: path, route: 'fxe' });
  const blobFiles = (): string[] => {
    const dir = join(dirs.path, 'state', 'blobs');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('stores the file byte for byte (3 MiB: several chunks) and counts its pages', async () => {
    const pdf = makePdf(3, 3 * 1024 * 1024 + 12_345);
    const path = join(dirs.path, 'three.pdf');
    writeFileSync(path, pdf);
    const { id, pages } = await submit(path);
    expect(pages).toBe(3);
    const row = c.s.faxes.row(id, true);
    expect(row.size_bytes).toBe(pdf.length);
    expect(Buffer.from(c.s.blobs.read(row.blob_id!, row.blob_key!)).equals(Buffer.from(pdf))).toBe(true);
    await c.s.outbox.kick();
    expect(c.s.faxes.row(id, true).state).toBe('sent');
  }, 60_000);

  it('a text file named .pdf, and a PDF only pdf.js finds broken: refused, no blob left', async () => {
    const before = blobFiles();
    const text = join(dirs.path, 'notes.pdf');
    writeFileSync(text, 'just text, named like a pdf');
    await expect(submit(text)).rejects.toMatchObject({ code: 'pdf.invalid' });
    // Header, xref, trailer and %%EOF are there; the catalog is not: only pdf.js can tell.
    const junk = join(dirs.path, 'junk.pdf');
    writeFileSync(junk, '%PDF-1.4\n1 0 obj\n<< >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< >>\nstartxref\n9\n%%EOF\n');
    await expect(submit(junk)).rejects.toMatchObject({ code: 'pdf.invalid', detail: expect.stringMatching(/pdf\.js/) });
    await expect(submit(join(dirs.path, 'missing.pdf'))).rejects.toMatchObject({ code: 'file.read_failed' });
    expect(blobFiles()).toEqual(before);
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
