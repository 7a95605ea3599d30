// `npm run bench -- shell`: a 100 MiB fax upload through the app's transport in the main
// process, under the Electron stand-in (test/electron): how much it adds to the process's
// peak memory (target: at most 64 MiB), against plain net.fetch, which gathers the body whole.
// The receiving server runs here, the upload in a child process, so only the upload counts.
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const MIB = 1024 * 1024;
const SIZE_MIB = 100;
const TARGET_MIB = 64;

async function writeBigFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < SIZE_MIB; i++) {
    if (!out.write(randomBytes(MIB))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

function runChild(url: string, file: string, mode: string): Promise<{ baseline: number; peak: number; ms: number }> {
  const child = fileURLToPath(new URL('./shell-upload-child.ts', import.meta.url));
  const register = fileURLToPath(new URL('../electron/register.cjs', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--require', register, '--expose-gc', '--no-warnings', child, url, file, mode], { env: { ...process.env, FXE_STANDIN_USER_DATA: tmpdir() }, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`${err.message}\n${stderr}`)); return; }
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { baseline: number; peak: number; ms: number });
    });
  });
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fxe-bench-shell-'));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(201, { 'content-type': 'application/json' }); res.end('{"message_id":"msg_bench"}'); });
  });
  try {
    const file = join(dir, 'ct.bin');
    await writeBigFile(file);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const mode of ['transport', 'net.fetch']) {
      const r = await runChild(url, file, mode);
      const added = (r.peak - r.baseline) / MIB;
      const label = mode === 'transport' ? 'app transport (net.request, chunked)' : 'plain net.fetch (before)         ';
      console.log(`${SIZE_MIB} MiB upload, ${label}: +${added.toFixed(1)} MiB main-process peak RSS${mode === 'transport' ? ` (target ≤ ${TARGET_MIB} MiB)` : ''}, ${(r.ms / 1000).toFixed(2)} s`);
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
