// Shared by the benchmarks: the relay as its own process (as in real use, so a process's
// memory is its own), the reference work the figures are compared with, and formatting.
import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const MiB = 1024 * 1024;

export async function startRelayProcess(dataDir: string): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const cli = fileURLToPath(new URL('../../electron/relay/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', cli, 'serve', '--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', process.env['FXE_BENCH_DEBUG'] ? 'inherit' : 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`relay exited early (${code})`)));
  });
  return {
    url,
    pid: child.pid!,
    close: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

/**
 * What the reference client does with a body, timed here in the same run: a one-shot
 * ChaCha20-Poly1305 through OpenSSL (node:crypto) over the whole plaintext in memory, then
 * SHA-256 of the ciphertext. Returns MB/s of plaintext (best of `runs`).
 */
export function referenceWorkMBps(plaintext: Uint8Array, runs = 3): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const c = createCipheriv('chacha20-poly1305', randomBytes(32), randomBytes(12), { authTagLength: 16 });
    c.setAAD(randomBytes(64), { plaintextLength: plaintext.length });
    const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    createHash('sha256').update(ct).digest();
    best = Math.min(best, performance.now() - t0);
  }
  return mbps(plaintext.length, best);
}

export const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Samples this process's RSS every 10 ms; `peakSince` restarts the window. */
export function rssSampler(): { peak(): number; reset(): number; stop(): void } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 10);
  return {
    peak: () => Math.max(peak, process.memoryUsage.rss()),
    reset: () => (peak = process.memoryUsage.rss()),
    stop: () => clearInterval(timer),
  };
}

/** "1,234 MB/s (reference 600 MB/s, 2.06×; target ≥ 2×: met)". */
export function versusReference(ours: number, reference: number, targetRatio: number): string {
  const ratio = ours / reference;
  return `${fmt(ours)} MB/s (reference work ${fmt(reference)} MB/s, ${fmt(ratio, 2)}×; target ≥ ${targetRatio}×: ${ratio >= targetRatio ? 'met' : 'NOT met'})`;
}
