// The test's side of the Electron stand-in: start the real built main bundle
// (out/main/index.js) in a child Node process with the stand-in in place of `electron` and
// BoringSSL-shaped node:crypto (register.cjs), then drive it as Electron would: IPC from the
// app window's main frame (ipcRenderer.invoke), window and session events, dialog answers, quit.
// Messages cross with the Structured Clone Algorithm ('advanced' serialization), as Electron's
// IPC does, so Uint8Array stays Uint8Array.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FxeApi, IpcEvent, RequestChannel, RequestOf, ResponseOf } from '../../shared/ipc/contract.ts';
import type { Result } from '../../shared/domain/types.ts';
import type { PrintScript, ScriptedDialogAnswer } from './electron.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('./register.cjs', import.meta.url));
export const MAIN_BUNDLE = fileURLToPath(new URL('../../out/main/index.js', import.meta.url));

export interface LaunchOptions {
  userData: string;
  env?: Record<string, string | undefined>;
  /** Pretend to be another OS (process.platform), for the shell's per-platform branches. */
  platform?: 'linux' | 'win32' | 'darwin';
}

export interface RunningApp {
  child: ChildProcess;
  /** Every IpcEvent main sent to the app window (webContents.send on the event channel). */
  events: IpcEvent[];
  errorBoxes: { title: string; content: string }[];
  stderr: () => string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  /** Resolves once the app window has loaded index.html (or rejects if the process ends first). */
  loaded: Promise<void>;
  invoke<C extends RequestChannel>(channel: C, request: RequestOf<C>, frame?: 'main' | 'sub'): Promise<Result<ResponseOf<C>>>;
  call<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
  control(op: string, extra?: Record<string, unknown>): Promise<unknown>;
  answerDialogs(...answers: ScriptedDialogAnswer[]): Promise<void>;
  setPrintScript(script: PrintScript): Promise<void>;
  waitForEvent(pred: (e: IpcEvent) => boolean, what: string, timeoutMs?: number): Promise<IpcEvent>;
  /** The window's side of the contract (what the preload exposes as window.fxe): invoke from the main frame, events from webContents.send. */
  asFxeApi(): FxeApi;
  /** app.quit() as the tray's Quit does, then the exit code. */
  quit(): Promise<number | null>;
  kill(): void;
}

export function launchApp(opts: LaunchOptions): RunningApp {
  const execArgv = ['--require', REGISTER, '--expose-gc', '--no-warnings'];
  if (opts.platform) execArgv.push('--require', fileURLToPath(new URL('./platform.cjs', import.meta.url)));
  const child = fork(MAIN_BUNDLE, [], {
    cwd: ROOT,
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, FXE_STANDIN_USER_DATA: opts.userData, ...(opts.platform ? { FXE_STANDIN_PLATFORM: opts.platform } : {}), ...opts.env },
  });
  let err = '';
  child.on('error', (e) => { err += `\n(child process error: ${e.message})`; });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout?.on('data', () => undefined);
  const events: IpcEvent[] = [];
  const errorBoxes: { title: string; content: string }[] = [];
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const waiters = new Set<{ pred: (e: IpcEvent) => boolean; resolve: (e: IpcEvent) => void }>();
  const eventListeners = new Set<(e: IpcEvent) => void>();
  let nextId = 1;
  let markLoaded: () => void = () => undefined;
  let failLoaded: (e: Error) => void = () => undefined;
  const loaded = new Promise<void>((res, rej) => { markLoaded = res; failLoaded = rej; });
  loaded.catch(() => undefined);
  child.on('message', (raw: unknown) => {
    const m = raw as { id?: number; ok?: boolean; value?: unknown; error?: string; event?: string; channel?: string; args?: unknown[]; url?: string; title?: string; content?: string };
    if (typeof m.id === 'number') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(m.error));
      return;
    }
    if (m.event === 'ipc' && m.channel === 'fxe:event') {
      const e = m.args?.[0] as IpcEvent;
      events.push(e);
      for (const w of [...waiters]) if (w.pred(e)) { waiters.delete(w); w.resolve(e); }
      for (const l of [...eventListeners]) l(e);
    } else if (m.event === 'loaded' && m.url?.endsWith('/index.html')) markLoaded();
    else if (m.event === 'errorBox') errorBoxes.push({ title: m.title ?? '', content: m.content ?? '' });
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      failLoaded(new Error(`the app exited (code ${code}) before its window loaded:\n${err}`));
      for (const p of pending.values()) p.reject(new Error(`the app exited (code ${code}):\n${err.slice(-2000)}`));
      pending.clear();
      resolve(code);
    });
  });
  const control = (op: string, extra: Record<string, unknown> = {}): Promise<unknown> => {
    if (!child.connected) return Promise.reject(new Error(`the app is not running:\n${err.slice(-2000)}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, op, ...extra });
    });
  };
  const invoke = async <C extends RequestChannel>(channel: C, request: RequestOf<C>, frame: 'main' | 'sub' = 'main'): Promise<Result<ResponseOf<C>>> =>
    (await control('invoke', { channel: 'fxe:invoke', args: [channel, request], frame })) as Result<ResponseOf<C>>;
  return {
    child, events, errorBoxes, exited, loaded,
    stderr: () => err,
    invoke,
    async call(channel, request) {
      const r = await invoke(channel, request);
      if (!r.ok) throw new Error(`${channel} failed: ${r.error.code}: ${r.error.message} (${r.error.detail ?? ''})`);
      return r.value;
    },
    control,
    answerDialogs: async (...answers) => { await control('dialog', { answers }); },
    setPrintScript: async (script) => { await control('print', { script }); },
    waitForEvent(pred, what, timeoutMs = 30_000) {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (e: IpcEvent) => { clearTimeout(timer); resolve(e); } };
        const timer = setTimeout(() => { waiters.delete(w); reject(new Error(`no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
        waiters.add(w);
      });
    },
    asFxeApi: () => ({
      invoke: (channel, request) => invoke(channel, request),
      onEvent: (listener) => {
        eventListeners.add(listener);
        return () => { eventListeners.delete(listener); };
      },
    }),
    async quit() {
      await control('quit');
      return exited;
    },
    kill: () => { if (child.exitCode === null) child.kill('SIGKILL'); },
  };
}
