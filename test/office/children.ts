// Child processes for the office fault tests: desks (desk-driver.ts) and the built CLI's
// `serve --office`, each killable with SIGKILL, their JSON lines collected.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliArgv } from '../services/helpers.ts';

export interface Child {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Resolves with the first line for which `test` is true (already seen ones count). */
  waitLine(test: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): void;
}

function track(proc: ChildProcess, parse: (line: string) => Record<string, unknown> | null): Child {
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: { test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  const onLine = (line: string): void => {
    const l = parse(line);
    if (!l) return;
    lines.push(l);
    for (const w of [...waiters]) if (w.test(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l); }
  };
  proc.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
  });
  let ebuf = '';
  proc.stderr?.on('data', (c: Buffer) => {
    ebuf += c.toString();
    let i: number;
    while ((i = ebuf.indexOf('\n')) >= 0) { const line = ebuf.slice(0, i); stderr.push(line); onLine(line); ebuf = ebuf.slice(i + 1); }
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc, lines, stderr, exited,
    waitLine(test, ms = 60_000) {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for a line; last stderr: ${stderr.slice(-5).join(' | ')}`)), ms);
        waiters.push({ test, resolve: (l) => { clearTimeout(t); resolve(l); } });
        void exited.then((code) => { clearTimeout(t); reject(new Error(`exited (${code}) before the line came; stderr: ${stderr.slice(-5).join(' | ')}`)); });
      });
    },
    kill(signal = 'SIGKILL') { if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal); },
  };
}

const driver = fileURLToPath(new URL('./desk-driver.ts', import.meta.url));

export function startDesk(options: object): Child {
  const proc = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', driver, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return track(proc, (line) => { try { return JSON.parse(line) as Record<string, unknown>; } catch { return null; } });
}

/** `fxe-desk serve --office …`: its stderr lines ("stored <id> …", "receiving for the office") become objects. */
export function startServe(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, cliArgv(['serve', ...args]), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return track(proc, (line) => {
    const stored = /^stored (\S+)/.exec(line);
    if (stored) return { stored: stored[1] };
    if (line.startsWith('receiving for the office')) return { leading: true };
    if (line.startsWith('serving the office')) return { ready: true };
    return null;
  });
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after `ms`. */
export async function stopChild(c: Child, ms = 15_000): Promise<void> {
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), ms);
  await c.exited;
  clearTimeout(t);
}
