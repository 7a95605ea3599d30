// CLI benchmark (`npm run bench -- cli`): the built `fxe-desk` bundle (out/cli/fxe-desk.js,
// built first) as whole processes, as a script or fax gateway runs it: send and receive of
// 64 MiB, 1 MiB and 100 MiB against a relay process on loopback, in both crypto modes (Node as
// is, and BoringSSL-shaped via FXE_CRYPTO_AS_BORINGSSL=1), and the start-up (usage message).
// Per figure: the median wall time of FXE_BENCH_ROUNDS runs (default 3), its CPU time (user +
// system, every thread: what a busy machine makes wait) and peak RSS; beside the 64 MiB
// figures, the reference work (common.ts) measured in this run. The reference client's own
// send of 64 MiB took 0.91 s on this machine when the issue was filed: the target is at most
// half of that. The 100 MiB runs give the memory figure: peak RSS growth over the 1 MiB run's.
//
// FXE_BENCH_CLI_BASELINE=<folder with another build's fxe-desk.js> runs that build too,
// alternating with this one run by run, so both see the same machine (A/B under load).
// Prints figures; never fails on timing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoOrgs } from '../../electron/relay/demo.ts';
import { makePdf } from '../services/helpers.ts';
import { MiB, fmt, median, referenceWorkMBps, startRelayProcess } from './common.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIME = '/usr/bin/time';
const ROUNDS = Math.max(1, Number(process.env['FXE_BENCH_ROUNDS'] ?? 3));

interface Run { ms: number; cpuMs: number | null; peakRss: number | null; code: number; stderr: string }

/** Runs a bundle; wall time from spawn to exit, CPU time and peak RSS from /usr/bin/time where it exists. */
function runCli(bundle: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const withTime = existsSync(TIME);
  const argv = withTime ? ['-f', 'fxe-bench-time=%M %U %S', process.execPath, bundle, ...args] : [bundle, ...args];
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const p = spawn(withTime ? TIME : process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    p.once('exit', (code) => {
      const ms = performance.now() - t0;
      const m = /fxe-bench-time=(\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      resolvePromise({
        ms,
        cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : null,
        peakRss: m ? Number(m[1]) * 1024 : null,
        code: code ?? -1,
        stderr: stderr.replace(/(Command exited with non-zero status \d+\n)?fxe-bench-time=.*\n?/, ''),
      });
    });
  });
}

/** "812 ms (min 790), CPU 901 ms, peak RSS 150 MiB" over the runs of one figure. */
function summary(runs: Run[]): string {
  const cpu = runs.map((r) => r.cpuMs).filter((c): c is number => c !== null);
  const rss = runs.map((r) => r.peakRss).filter((r): r is number => r !== null);
  return `${fmt(median(runs.map((r) => r.ms)))} ms (min ${fmt(Math.min(...runs.map((r) => r.ms)))})`
    + (cpu.length ? `, CPU ${fmt(median(cpu))} ms` : '')
    + (rss.length ? `, peak RSS ${fmt(median(rss) / MiB)} MiB` : '');
}

const load = (): string => `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;

export async function run(): Promise<void> {
  const build = spawnSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const current = join(ROOT, 'out/cli/fxe-desk.js');
  if (build.status !== 0 || !existsSync(current)) {
    console.log('cli: the bundle did not build (npm run build:cli); skipped');
    return;
  }
  const baselineDir = process.env['FXE_BENCH_CLI_BASELINE'];
  const baseline = baselineDir ? join(resolve(baselineDir), 'fxe-desk.js') : null;
  if (baseline && !existsSync(baseline)) {
    console.log(`cli: FXE_BENCH_CLI_BASELINE has no fxe-desk.js (${baseline}); skipped`);
    return;
  }
  const builds = baseline ? [{ label: 'baseline', bundle: baseline }, { label: 'this build', bundle: current }] : [{ label: '', bundle: current }];
  const name = (b: { label: string }): string => (b.label ? ` [${b.label}]` : '');
  console.log(`${load()}; ${ROUNDS} run(s) per figure${baseline ? `, alternating with ${baseline}` : ''}`);

  const work = mkdtempSync(join(tmpdir(), 'fxe-bench-cli-'));
  const relay = await startRelayProcess(join(work, 'relay'));
  try {
    const orgs = await createDemoOrgs({ relayUrl: relay.url, outDir: join(work, 'orgs') });
    const sizes = [64 * MiB, MiB, 100 * MiB];
    const files = new Map<number, string>();
    for (const size of sizes) {
      const path = join(work, `${size}.pdf`);
      writeFileSync(path, makePdf(1, size - 600));
      files.set(size, path);
    }
    const reference = referenceWorkMBps(makePdf(1, 64 * MiB - 600), 2);
    console.log(`reference work (OpenSSL ChaCha20-Poly1305 then SHA-256, in memory) on 64 MiB: ${fmt(reference)} MB/s = ${fmt(64 * MiB / 1e6 / reference * 1000)} ms`);

    // Each build keeps its own state folders (a build may change what it keeps there).
    const stateOf = (b: number, org: number): string => join(work, `state-${b}-${org}`);
    // Warm-up: the first run of a build fills its compile cache, and creates its state.
    for (const [i, b] of builds.entries()) {
      const out = join(work, `warm-${i}`);
      mkdirSync(out, { recursive: true });
      await runCli(b.bundle, ['send', '--keys', orgs[0]!.keysZipPath, '--state', stateOf(i, 0), '--to', '+15552220002', '--from', '+15551110001', files.get(MiB)!], process.env);
      await runCli(b.bundle, ['receive', '--keys', orgs[1]!.keysZipPath, '--state', stateOf(i, 1), '--out', out, '--once'], process.env);
    }

    const peakOfSmall = new Map<string, number>();
    for (const boring of ['0', '1']) {
      const mode = boring === '1' ? 'BoringSSL-shaped' : 'Node';
      const env = { ...process.env, FXE_CRYPTO_AS_BORINGSSL: boring };
      for (const size of sizes) {
        if (size === 100 * MiB && boring === '1') continue; // memory does not depend on the crypto mode
        const label = `${size / MiB} MiB`;
        const sends = builds.map((): Run[] => []);
        const receives = builds.map((): Run[] => []);
        let failed = '';
        for (let round = 0; round < ROUNDS && !failed; round++) {
          // Alternate which build goes first, so neither always follows the other.
          const order = round % 2 === 0 ? builds.map((_, i) => i) : builds.map((_, i) => builds.length - 1 - i);
          for (const i of order) {
            const b = builds[i]!;
            const out = join(work, `inbox-${boring}-${size}-${i}-${round}`);
            mkdirSync(out, { recursive: true });
            const send = await runCli(b.bundle, ['send', '--keys', orgs[0]!.keysZipPath, '--state', stateOf(i, 0), '--to', '+15552220002', '--from', '+15551110001', files.get(size)!], env);
            const receive = send.code === 0 ? await runCli(b.bundle, ['receive', '--keys', orgs[1]!.keysZipPath, '--state', stateOf(i, 1), '--out', out, '--once'], env) : null;
            const got = readdirSync(out).filter((f) => f.endsWith('.pdf')).length;
            rmSync(out, { recursive: true, force: true });
            if (send.code !== 0 || !receive || receive.code !== 0 || got !== 1) {
              failed = `send exit ${send.code}, receive exit ${receive?.code ?? '-'}, ${got} files: ${(send.stderr + (receive?.stderr ?? '')).trim().slice(0, 300)}`;
              break;
            }
            sends[i]!.push(send);
            receives[i]!.push(receive);
          }
        }
        if (failed) {
          console.log(`[${mode}] cli ${label}: ${failed}`);
          continue;
        }
        for (const [i, b] of builds.entries()) {
          const target = size === 64 * MiB ? ` (target ≤ 455 ms, half the reference client's 0.91 s)` : '';
          console.log(`[${mode}] cli ${label} send, whole process${name(b)}: ${summary(sends[i]!)}${target}`);
          console.log(`[${mode}] cli ${label} receive --once, whole process${name(b)}: ${summary(receives[i]!)}`);
          const peak = (runs: Run[]): number => median(runs.map((r) => r.peakRss ?? 0));
          if (size === MiB && boring === '0') {
            peakOfSmall.set(`${i}-send`, peak(sends[i]!));
            peakOfSmall.set(`${i}-receive`, peak(receives[i]!));
          }
          if (size === 100 * MiB && existsSync(TIME)) {
            const growth = (what: string, runs: Run[]): string => {
              const g = (peak(runs) - (peakOfSmall.get(`${i}-${what}`) ?? 0)) / MiB;
              return `${what} +${fmt(g)} MiB (${g <= 64 ? 'met' : 'NOT met'})`;
            };
            console.log(`[${mode}] cli 100 MiB peak RSS growth over the 1 MiB run${name(b)}: ${growth('send', sends[i]!)}, ${growth('receive', receives[i]!)}; target ≤ 64 MiB`);
          }
        }
      }
    }
    const idle = builds.map((): Run[] => []);
    for (let round = 0; round < Math.max(ROUNDS, 5); round++) {
      for (const [i, b] of builds.entries()) idle[i]!.push(await runCli(b.bundle, ['--help'], process.env));
    }
    for (const [i, b] of builds.entries()) console.log(`cli start-up (usage message, whole process)${name(b)}: ${summary(idle[i]!)}`);
    console.log(`(${load()} at the end)`);
  } finally {
    await relay.close();
    rmSync(work, { recursive: true, force: true });
  }
}
