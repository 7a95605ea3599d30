// A stand-in for Electron 45's main-process `electron` module, for tests only. The Electron
// binary cannot run on the build machines, so the real built main bundle (out/main/index.js)
// is loaded under Node with this module in place of `electron` (see register.cjs). It is not
// a mock of our code: it encodes Electron's *documented* behaviour, each rule with its source:
//   [d.ts]  node_modules/electron/electron.d.ts (Electron 45.4.1's own API reference)
//   [docs]  https://www.electronjs.org/docs/latest/api/<page>
//   [#N]    https://github.com/electron/electron/issues/N (or pull request N)
// Only what the app uses is modelled; a call to anything else fails loudly (undefined).
// docs/app.md lists the rules in one table.
//
// A test drives it through `standin` (in-process) or, when the app runs in a child process
// started with child_process.fork, through fork IPC messages (see control.ts).
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { request as httpRequest, type ClientRequest as NodeClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir, homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Readable, Writable } from 'node:stream';

// --- shared state ---------------------------------------------------------------------------

type Listener = (...args: unknown[]) => unknown;

export interface ScriptedDialogAnswer {
  canceled: boolean;
  filePaths?: string[];
  filePath?: string;
  response?: number;
}

export interface PrintScript {
  /** How the print page behaves once loaded: draw and report (default) or never report. */
  page: 'render' | 'hang';
  /** What the OS print dialog answers: webContents.print's callback arguments. */
  result: { success: boolean; failureReason: string };
}

export interface StandInRecord {
  errorBoxes: { title: string; content: string }[];
  notificationsShown: { title: string; body: string; appUserModelId: string | null }[];
  printJobs: { pages: number | null; options: unknown }[];
  appUserModelId: string | null;
  exitCode: number | null;
  events: string[];
}

const record: StandInRecord = { errorBoxes: [], notificationsShown: [], printJobs: [], appUserModelId: null, exitCode: null, events: [] };
const dialogAnswers: ScriptedDialogAnswer[] = [];
let printScript: PrintScript = { page: 'render', result: { success: true, failureReason: '' } };
let ready = false;
let quitting = false;
const readyWaiters: (() => void)[] = [];

function requireReady(what: string): void {
  // [docs app, BrowserWindow, net, protocol, session, Tray] "cannot be used until the ready
  // event of the app module is emitted" / "can only be used after the ready event".
  if (!ready) throw new Error(`${what} cannot be used before the app is ready (electron stand-in: Electron throws here too)`);
}

/** A preventable Electron Event. */
function electronEvent(extra: Record<string, unknown> = {}): { defaultPrevented: boolean; preventDefault(): void } & Record<string, unknown> {
  const e = { defaultPrevented: false, preventDefault() { e.defaultPrevented = true; }, ...extra };
  return e;
}

// --- app ------------------------------------------------------------------------------------

const userDataDir = (): string => {
  const dir = process.env.FXE_STANDIN_USER_DATA;
  if (!dir) throw new Error('electron stand-in: FXE_STANDIN_USER_DATA must name the userData folder');
  return dir;
};

class App extends EventEmitter {
  private readonly paths = new Map<string, string>();
  private sandboxEnabled = false;
  readonly isPackaged = false;
  commandLine = { appendSwitch: (): void => undefined, hasSwitch: (): boolean => false, getSwitchValue: (): string => '' };

  whenReady(): Promise<void> {
    return ready ? Promise.resolve() : new Promise((r) => readyWaiters.push(r));
  }
  isReady(): boolean { return ready; }
  getName(): string { return 'fxe-desk'; }
  getVersion(): string { return '0.1.0'; }
  getLocale(): string { return 'en-US'; }

  /** [d.ts App.getPath] userData, appData, temp, home… An unknown name throws. */
  getPath(name: string): string {
    const set = this.paths.get(name);
    if (set) return set;
    switch (name) {
      case 'userData': return userDataDir();
      case 'sessionData': return userDataDir();
      case 'appData': return join(userDataDir(), '..');
      case 'logs': return join(userDataDir(), 'logs');
      case 'temp': return tmpdir();
      case 'home': return homedir();
      case 'documents': case 'downloads': case 'desktop': return join(userDataDir(), name);
      default: throw new Error(`Failed to get '${name}' path`);
    }
  }
  setPath(name: string, path: string): void { this.paths.set(name, path); }

  /**
   * [d.ts App.requestSingleInstanceLock] "The return value of this method indicates whether or
   * not this instance of your application successfully obtained the lock." One instance per
   * test process: always true.
   */
  requestSingleInstanceLock(): boolean { return true; }

  /** [d.ts App.enableSandbox] "This method can only be called before app is ready." */
  enableSandbox(): void {
    if (ready) throw new Error('app.enableSandbox() can only be called before app is ready');
    this.sandboxEnabled = true;
  }
  get sandboxed(): boolean { return this.sandboxEnabled; }

  /** [d.ts App.setAppUserModelId] Windows: needed for notifications to show (docs/tutorial/notifications). */
  setAppUserModelId(id: string): void { record.appUserModelId = id; }
  setBadgeCount(_count?: number): boolean { return true; }

  /**
   * [d.ts App.quit] "Try to close all windows. The before-quit event will be emitted first. If
   * all windows are successfully closed, the will-quit event will be emitted and by default the
   * application will terminate. This method guarantees that all beforeunload and unload event
   * handlers are correctly executed. It is possible that a window cancels the quitting."
   * [docs app 'window-all-closed'] not emitted when the quit comes from app.quit().
   */
  quit(): void {
    if (quitting) return;
    const before = electronEvent();
    record.events.push('before-quit');
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    quitting = true;
    for (const win of [...BrowserWindow.windows]) {
      if (!win.closeForQuit()) { quitting = false; return; }
    }
    const will = electronEvent();
    record.events.push('will-quit');
    this.emit('will-quit', will);
    if (will.defaultPrevented) { quitting = false; return; }
    this.emit('quit', electronEvent(), 0);
    terminate(0);
  }

  /**
   * [d.ts App.exit] "Exits immediately with exitCode. exitCode defaults to 0. All windows will
   * be closed immediately without asking the user, and the before-quit and will-quit events
   * will not be emitted."
   */
  exit(code = 0): void {
    for (const win of [...BrowserWindow.windows]) win.destroy();
    terminate(code);
  }

  focus(): void {}
}

// [docs app] The main process lives until the app quits or exits, whether or not anything is
// scheduled: Chromium's message loop keeps it. Node would end at an empty event loop.
const keepAlive = setInterval(() => undefined, 1 << 30);

function terminate(code: number): void {
  clearInterval(keepAlive);
  record.exitCode = code;
  record.events.push(`exit ${code}`);
  // Let a pending fork-IPC reply leave before the process goes.
  setImmediate(() => process.exit(code));
}

export const app = new App();

// [docs app 'ready'] Emitted once Electron has finished initializing: after the main script's
// synchronous top level has run. setImmediate runs after the importing module's evaluation.
// An in-process test whose imports take several turns sets FXE_STANDIN_READY=manual and calls
// standin.becomeReady() itself once its before-ready calls are done.
function becomeReady(): void {
  if (ready) return;
  ready = true;
  record.events.push('ready');
  app.emit('ready', electronEvent(), {});
  for (const r of readyWaiters.splice(0)) r();
}
if (process.env.FXE_STANDIN_READY !== 'manual') setImmediate(becomeReady);

// An uncaught exception in Electron's main process shows "A JavaScript error occurred in the
// main process" (electron/electron#27172); a rejected promise nobody handles only prints an
// UnhandledPromiseRejectionWarning and the process keeps running (electron/electron#28691),
// unlike Node 15+, which exits.
process.on('unhandledRejection', (reason) => {
  record.events.push(`unhandled-rejection: ${reason instanceof Error ? reason.message : String(reason)}`);
  process.stderr.write(`(electron stand-in) unhandled rejection in the main process: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

// --- protocol -------------------------------------------------------------------------------

type ProtocolHandler = (request: Request) => Response | Promise<Response>;
const protocolHandlers = new Map<string, ProtocolHandler>();
let privilegedSchemesRegistered = false;

export const protocol = {
  /**
   * [d.ts Protocol.registerSchemesAsPrivileged] "This method can only be used before the ready
   * event of the app module gets emitted and can be called only once."
   */
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges?: Record<string, boolean> }[]): void {
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged can only be called before app is ready');
    if (privilegedSchemesRegistered) throw new Error('protocol.registerSchemesAsPrivileged can be called only once');
    privilegedSchemesRegistered = true;
    for (const s of schemes) privileged.add(s.scheme);
  },
  /** [d.ts Protocol.handle] Register a handler returning a Response (after ready). */
  handle(scheme: string, handler: ProtocolHandler): void {
    requireReady('protocol.handle');
    // Fault injection for the start-up failure test: the documented failure of this call.
    if (process.env.FXE_STANDIN_FAULT === 'protocol.handle') throw new Error(`Failed to register protocol: ${scheme}`);
    if (protocolHandlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    protocolHandlers.set(scheme, handler);
  },
  unhandle(scheme: string): void { protocolHandlers.delete(scheme); },
  isProtocolHandled(scheme: string): boolean { return protocolHandlers.has(scheme); },
};
const privileged = new Set<string>();

// --- session --------------------------------------------------------------------------------

class WebRequest {
  headersReceived: Listener | null = null;
  onHeadersReceived(listener: Listener): void { this.headersReceived = listener; }
  onBeforeRequest(): void {}
  onBeforeSendHeaders(): void {}
}

class Session extends EventEmitter {
  readonly webRequest = new WebRequest();
  permissionRequestHandler: Listener | null = null;
  permissionCheckHandler: Listener | null = null;
  setPermissionRequestHandler(h: Listener | null): void { this.permissionRequestHandler = h; }
  setPermissionCheckHandler(h: Listener | null): void { this.permissionCheckHandler = h; }
  setDevicePermissionHandler(_h: Listener | null): void {}
  setDisplayMediaRequestHandler(_h: Listener | null): void {}
  setProxy(): Promise<void> { return Promise.resolve(); }
  /** [d.ts Session.fetch] Same as net.fetch, in this session. */
  fetch(input: string | Request, init?: RequestInit): Promise<Response> { return netFetch(input, init); }
}
let defaultSession: Session | null = null;

export const session = {
  /** [docs session] "The session module can be used only after the app is ready." */
  get defaultSession(): Session {
    requireReady('session.defaultSession');
    defaultSession ??= new Session();
    return defaultSession;
  },
};

// --- net ------------------------------------------------------------------------------------

/**
 * [d.ts ClientRequest.setHeader] "Certain headers are restricted from being set by apps":
 * Content-Length, Host, Trailer or Te, Upgrade, Cookie2, Keep-Alive, Transfer-Encoding, and
 * Connection: upgrade. Setting one does not throw at once: the request fails when it starts
 * with net::ERR_INVALID_ARGUMENT ([#21091], [#25075], Chromium's network service refuses it).
 */
const RESTRICTED_HEADERS = new Set(['content-length', 'host', 'trailer', 'te', 'upgrade', 'cookie2', 'keep-alive', 'transfer-encoding']);
function restrictedHeader(name: string, value: string): boolean {
  const n = name.toLowerCase();
  return RESTRICTED_HEADERS.has(n) || (n === 'connection' && value.toLowerCase() === 'upgrade');
}

interface ClientRequestOptions {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  redirect?: 'follow' | 'error' | 'manual';
  session?: unknown;
  partition?: string;
  useSessionCookies?: boolean;
}

/** What every byte that went to the network did, for tests and the bench. */
export const netStats = { requests: 0, bodyBytesBufferedPeak: 0 };

/**
 * [d.ts ClientRequest] "ClientRequest implements the Writable Stream interface". The body:
 *  - chunkedEncoding false (default): every write is gathered in memory and sent whole at
 *    end() with a Content-Length Chromium computes ([d.ts chunkedEncoding]: otherwise data is
 *    "internally buffered inside Electron process memory"; [#53858] for net.fetch bodies);
 *  - chunkedEncoding true: "data will be streamed in small chunks"; a write's callback runs
 *    once the chunk is handed to the network layer ([d.ts ClientRequest.write]).
 * Headers: settable only before the first write ([d.ts setHeader/removeHeader]).
 */
export class ClientRequest extends Writable {
  private readonly opts: Required<Pick<ClientRequestOptions, 'method'>> & ClientRequestOptions & { url: string };
  private readonly headers = new Map<string, { name: string; value: string }>();
  private chunked = false;
  private wroteOnce = false;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private node: NodeClientRequest | null = null;
  private sentBytes = 0;
  private totalBytes = 0;
  private aborted = false;

  constructor(options: ClientRequestOptions | string) {
    super({ highWaterMark: 16 * 1024 });
    requireReady('net.request');
    const o = typeof options === 'string' ? { url: options } : options;
    if (!o.url) throw new Error('net.request: url is required');
    const url = new URL(o.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`net.request: the url must be http or https (got ${url.protocol})`);
    this.opts = { ...o, method: (o.method ?? 'GET').toUpperCase(), url: o.url };
    for (const [name, value] of Object.entries(o.headers ?? {})) this.setHeader(name, Array.isArray(value) ? value.join(', ') : value);
    netStats.requests++;
  }

  get chunkedEncoding(): boolean { return this.chunked; }
  set chunkedEncoding(v: boolean) {
    if (this.wroteOnce) throw new Error('chunkedEncoding can only be set before the first write');
    this.chunked = v;
  }

  setHeader(name: string, value: string): void {
    if (this.wroteOnce) throw new Error('Can\'t set headers after they are sent');
    this.headers.set(name.toLowerCase(), { name, value: String(value) });
  }
  getHeader(name: string): string | undefined { return this.headers.get(name.toLowerCase())?.value; }
  removeHeader(name: string): void {
    if (this.wroteOnce) throw new Error('Can\'t remove headers after they are sent');
    this.headers.delete(name.toLowerCase());
  }

  /** [d.ts getUploadProgress] bytes handed to the network so far. */
  getUploadProgress(): { active: boolean; started: boolean; current: number; total: number } {
    return { active: this.node !== null, started: this.sentBytes > 0, current: this.sentBytes, total: this.chunked ? 0 : this.totalBytes };
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.node?.destroy();
    this.emit('abort');
    this.destroy();
  }

  followRedirect(): void {}

  private start(contentLength: number | null): NodeClientRequest | null {
    for (const { name, value } of this.headers.values()) {
      if (restrictedHeader(name, value)) {
        const err = new Error('net::ERR_INVALID_ARGUMENT');
        process.nextTick(() => this.destroy(err));
        return null;
      }
    }
    const url = new URL(this.opts.url);
    const headers: Record<string, string> = {};
    for (const { name, value } of this.headers.values()) headers[name] = value;
    if (contentLength !== null) headers['Content-Length'] = String(contentLength);
    else headers['Transfer-Encoding'] = 'chunked';
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = make(url, { method: this.opts.method, headers });
    req.on('response', (res: IncomingMessage) => this.emit('response', incomingMessage(res)));
    req.on('error', (e: Error & { code?: string }) => {
      // Chromium's error names, as Electron reports them.
      const name = e.code === 'ECONNREFUSED' ? 'net::ERR_CONNECTION_REFUSED' : e.code === 'ECONNRESET' ? 'net::ERR_CONNECTION_RESET' : `net::ERR_FAILED (${e.message})`;
      if (!this.aborted) this.destroy(new Error(name));
    });
    this.node = req;
    return req;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (e?: Error | null) => void): void {
    this.wroteOnce = true;
    if (!this.chunked) {
      this.buffered.push(chunk);
      this.bufferedBytes += chunk.length;
      netStats.bodyBytesBufferedPeak = Math.max(netStats.bodyBytesBufferedPeak, this.bufferedBytes);
      callback();
      return;
    }
    const req = this.node ?? this.start(null);
    if (!req) { callback(); return; }
    req.write(chunk, (err) => {
      if (!err) this.sentBytes += chunk.length;
      callback(err ?? null);
    });
  }

  override _final(callback: (e?: Error | null) => void): void {
    this.wroteOnce = true;
    if (this.chunked) {
      const req = this.node ?? this.start(null);
      if (req) req.end(() => callback());
      else callback();
      return;
    }
    const body = Buffer.concat(this.buffered);
    this.buffered = [];
    this.totalBytes = body.length;
    const hasBody = body.length > 0 || !['GET', 'HEAD'].includes(this.opts.method);
    const req = this.start(hasBody ? body.length : 0);
    if (!req) { callback(); return; }
    req.end(body, () => {
      this.sentBytes = body.length;
      this.bufferedBytes = 0;
      callback();
    });
  }
}

/** [d.ts IncomingMessage] statusCode, statusMessage, headers (lower-case names), a Readable. */
function incomingMessage(res: IncomingMessage): Readable & { statusCode: number; statusMessage: string; headers: Record<string, string | string[]>; rawHeaders: string[] } {
  const out = res as unknown as Readable & { statusCode: number; statusMessage: string; headers: Record<string, string | string[]>; rawHeaders: string[] };
  return out;
}

/**
 * [d.ts Net.fetch] "Sends a request, similarly to how fetch() works in the renderer, using
 * Chrome's network stack." Built on ClientRequest without chunkedEncoding, so a body (even a
 * ReadableStream) is read whole into memory before the request starts ([#53858]: "ClientRequest
 * buffered a non-chunked body … a fetch() ReadableStream body"); headers go through setHeader,
 * so a restricted one fails the request with net::ERR_INVALID_ARGUMENT.
 */
async function netFetch(input: string | Request, init?: RequestInit): Promise<Response> {
  requireReady('net.fetch');
  const req = new Request(input, init);
  const signal = req.signal;
  if (signal.aborted) throw signal.reason;
  const cr = new ClientRequest({ method: req.method, url: req.url, redirect: req.redirect as 'follow' });
  req.headers.forEach((value, name) => cr.setHeader(name, value));
  return new Promise<Response>((resolve, reject) => {
    const onAbort = (): void => { cr.abort(); reject(signal.reason); };
    signal.addEventListener('abort', onAbort, { once: true });
    cr.on('error', (e) => { signal.removeEventListener('abort', onAbort); reject(new TypeError('fetch failed', { cause: e })); });
    cr.on('response', (res: IncomingMessage) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      const status = res.statusCode ?? 0;
      const nullBody = [101, 204, 205, 304].includes(status) || req.method === 'HEAD';
      res.on('close', () => signal.removeEventListener('abort', onAbort));
      resolve(new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers }));
    });
    void (async () => {
      try {
        if (req.body) {
          const reader = req.body.getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            cr.write(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
          }
        }
        cr.end();
      } catch (e) {
        cr.abort();
        reject(e);
      }
    })();
  });
}

export const net = {
  /** [docs net] "The net API can be used only after the application emits the ready event." */
  request: (options: ClientRequestOptions | string): ClientRequest => new ClientRequest(options),
  fetch: netFetch,
  isOnline: (): boolean => true,
  get online(): boolean { return true; },
};

// --- ipcMain, webContents, frames ---------------------------------------------------------

export class WebFrameMain {
  private static nextRoutingId = 1;
  url = '';
  readonly routingId = WebFrameMain.nextRoutingId++;
  readonly processId: number;
  readonly parent: WebFrameMain | null;
  constructor(processId: number, parent: WebFrameMain | null) { this.processId = processId; this.parent = parent; }
  get top(): WebFrameMain { return this.parent ? this.parent.top : this; }
}

type IpcHandler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
export interface IpcMainInvokeEvent { sender: WebContents; senderFrame: WebFrameMain | null; frameId: number; processId: number }

class IpcMain extends EventEmitter {
  readonly handlers = new Map<string, IpcHandler>();
  /** [docs ipc-main handle] a second handler for the same channel throws. */
  handle(channel: string, handler: IpcHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  handleOnce(channel: string, handler: IpcHandler): void {
    this.handle(channel, (e, ...a) => { this.handlers.delete(channel); return handler(e, ...a); });
  }
  removeHandler(channel: string): void { this.handlers.delete(channel); }
}
export const ipcMain = new IpcMain();

/**
 * [docs ipc-renderer invoke] Arguments and results are serialized with the Structured Clone
 * Algorithm (functions, DOM objects… cannot cross); a handler's thrown error reaches the
 * renderer as a rejected promise whose message is "Error invoking remote method '<channel>':
 * <error>" and nothing else of the error.
 */
async function invokeFrom(contents: WebContents, frame: WebFrameMain, channel: string, args: unknown[]): Promise<unknown> {
  const handler = ipcMain.handlers.get(channel);
  if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
  const event: IpcMainInvokeEvent = { sender: contents, senderFrame: frame, frameId: frame.routingId, processId: frame.processId };
  try {
    return structuredClone(await handler(event, ...structuredClone(args)));
  } catch (e) {
    throw new Error(`Error invoking remote method '${channel}': ${e instanceof Error ? `Error: ${e.message}` : String(e)}`, { cause: e });
  }
}

function sendFrom(contents: WebContents, frame: WebFrameMain, channel: string, args: unknown[]): void {
  const event = { sender: contents, senderFrame: frame, frameId: frame.routingId, processId: frame.processId, returnValue: undefined, reply: (): void => undefined };
  ipcMain.emit(channel, event, ...structuredClone(args));
}

const PRINT_DOCUMENT_CHANNEL = 'fxe:print:document';
const PRINT_READY_CHANNEL = 'fxe:print:ready';

export class WebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = WebContents.nextId++;
  readonly mainFrame: WebFrameMain;
  /** A same-process iframe of the page: what an injected frame would send from. */
  readonly subFrame: WebFrameMain;
  private destroyed = false;
  readonly window: BrowserWindow;
  windowOpenHandler: Listener | null = null;
  /** Messages main sent with webContents.send, in order. */
  readonly sent: { channel: string; args: unknown[] }[] = [];

  constructor(window: BrowserWindow) {
    super();
    this.window = window;
    this.mainFrame = new WebFrameMain(1000 + this.id, null);
    this.subFrame = new WebFrameMain(1000 + this.id, this.mainFrame);
  }
  isDestroyed(): boolean { return this.destroyed; }
  markDestroyed(): void { this.destroyed = true; this.emit('destroyed'); }
  getURL(): string { return this.mainFrame.url; }
  setWindowOpenHandler(h: Listener): void { this.windowOpenHandler = h; }
  openDevTools(): void {}
  isLoading(): boolean { return false; }

  /** [d.ts WebContents.send] arguments serialized with the Structured Clone Algorithm. */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const cloned = structuredClone(args);
    this.sent.push({ channel, args: cloned });
    control.forward({ event: 'ipc', webContentsId: this.id, channel, args: cloned });
  }

  /**
   * [d.ts WebContents.loadURL] "the promise will resolve when the page has finished loading
   * (see did-finish-load), and rejects if the page fails to load (see did-fail-load)".
   */
  async loadURL(url: string): Promise<void> {
    const parsed = new URL(url);
    const scheme = parsed.protocol.slice(0, -1);
    const handler = protocolHandlers.get(scheme);
    if (!handler) throw new Error(`ERR_UNKNOWN_URL_SCHEME (-302) loading '${url}'`);
    if (!privileged.has(scheme)) throw new Error(`${scheme}:// is not a privileged standard scheme; its pages get no secure origin`);
    // [d.ts WebContents 'will-navigate'] is for navigations started by the page, not loadURL.
    const res = await handler(new Request(url));
    if (!res.ok) {
      this.emit('did-fail-load', electronEvent(), -6, 'ERR_FILE_NOT_FOUND', url, true);
      throw new Error(`ERR_FILE_NOT_FOUND (-6) loading '${url}'`);
    }
    await res.arrayBuffer();
    this.mainFrame.url = url;
    this.subFrame.url = url;
    this.emit('did-finish-load', electronEvent());
    this.window.pageLoaded();
    control.forward({ event: 'loaded', url });
    if (parsed.pathname === '/print.html') runPrintPage(this);
  }

  /**
   * [d.ts WebContents.print] callback(success, failureReason). The OS dialog's answer is
   * scripted by the test (standin.setPrintScript). Reasons Electron gives include "Print job
   * canceled", "Print job failed" and, with no printer installed, "No valid printers available"
   * ([#24664], [#25498]) or "No printers available on the network" ([#36897]).
   */
  print(options: unknown, callback?: (success: boolean, failureReason: string) => void): void {
    record.printJobs.push({ pages: this.printedPages, options });
    const { success, failureReason } = printScript.result;
    setImmediate(() => callback?.(success, failureReason));
  }
  printedPages: number | null = null;
  executeJavaScript(): Promise<unknown> { return Promise.resolve(undefined); }
}

/**
 * The hidden print page (renderer/src/print.ts) stands in as what it does over its preload:
 * invoke PRINT_DOCUMENT_CHANNEL, draw every page, then send PRINT_READY_CHANNEL. Drawing with
 * pdf.js needs animation frames. [d.ts WebPreferences.backgroundThrottling]: "When at least
 * one webContents displayed in a single browserWindow has disabled backgroundThrottling then
 * frames will be drawn and swapped for the whole window"; a window that is never shown and
 * keeps throttling gets no frames (requestAnimationFrame does not run in hidden pages), so
 * the page never reports.
 */
function runPrintPage(contents: WebContents): void {
  const win = contents.window;
  const framesRun = win.isVisible() || win.webPreferences.backgroundThrottling === false || win.webPreferences.offscreen === true;
  if (printScript.page === 'hang' || !framesRun) return;
  void (async () => {
    try {
      const doc = (await invokeFrom(contents, contents.mainFrame, PRINT_DOCUMENT_CHANNEL, [])) as { pdf: Uint8Array };
      const text = Buffer.from(doc.pdf).toString('latin1');
      const pages = (text.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
      contents.printedPages = pages;
      if (!contents.isDestroyed()) sendFrom(contents, contents.mainFrame, PRINT_READY_CHANNEL, [{ ok: true, pages }]);
    } catch (e) {
      if (!contents.isDestroyed()) sendFrom(contents, contents.mainFrame, PRINT_READY_CHANNEL, [{ ok: false, message: e instanceof Error ? e.message : String(e) }]);
    }
  })();
}

export const webContents = {
  getAllWebContents: (): WebContents[] => BrowserWindow.windows.map((w) => w.webContents),
  fromId: (id: number): WebContents | undefined => BrowserWindow.windows.find((w) => w.webContents.id === id)?.webContents,
};

// --- BrowserWindow -------------------------------------------------------------------------

interface WebPreferencesShape { preload?: string; sandbox?: boolean; contextIsolation?: boolean; nodeIntegration?: boolean; backgroundThrottling?: boolean; offscreen?: boolean; [k: string]: unknown }

export class BrowserWindow extends EventEmitter {
  static readonly windows: BrowserWindow[] = [];
  static getAllWindows(): BrowserWindow[] { return [...BrowserWindow.windows]; }
  static getFocusedWindow(): BrowserWindow | null { return BrowserWindow.windows.find((w) => w.focused) ?? null; }

  readonly webContents: WebContents;
  readonly webPreferences: WebPreferencesShape;
  readonly options: Record<string, unknown>;
  private visible = false;
  private minimized = false;
  private destroyedFlag = false;
  focused = false;
  private loadedOnce = false;

  constructor(options: Record<string, unknown> & { webPreferences?: WebPreferencesShape; show?: boolean } = {}) {
    super();
    // [docs browser-window] "You cannot use this module until the ready event of the app module is emitted."
    requireReady('BrowserWindow');
    this.options = options;
    this.webPreferences = { ...(options.webPreferences ?? {}) };
    const preload = this.webPreferences.preload;
    // [d.ts WebPreferences.preload] "The value should be the absolute file path to the script."
    if (preload !== undefined && (!isAbsolute(preload) || !existsSync(preload))) throw new Error(`preload script not found at an absolute path: ${preload}`);
    // [docs tutorial/sandbox] app.enableSandbox() forces sandbox on every renderer.
    if (app.sandboxed) this.webPreferences.sandbox = true;
    this.visible = options.show !== false;
    this.webContents = new WebContents(this);
    BrowserWindow.windows.push(this);
    app.emit('web-contents-created', electronEvent(), this.webContents);
  }

  pageLoaded(): void {
    // [d.ts 'ready-to-show'] emitted once the page is drawn, unless paintWhenInitiallyHidden is false.
    if (!this.loadedOnce && this.options.paintWhenInitiallyHidden !== false) {
      this.loadedOnce = true;
      this.emit('ready-to-show', electronEvent());
    }
  }

  loadURL(url: string): Promise<void> { return this.webContents.loadURL(url); }
  show(): void { this.visible = true; this.focused = true; this.emit('show'); }
  showInactive(): void { this.visible = true; }
  hide(): void { this.visible = false; this.focused = false; this.emit('hide'); }
  focus(): void { this.focused = true; }
  isVisible(): boolean { return this.visible && !this.destroyedFlag; }
  isMinimized(): boolean { return this.minimized; }
  minimize(): void { this.minimized = true; }
  restore(): void { this.minimized = false; }
  isDestroyed(): boolean { return this.destroyedFlag; }
  setTitle(): void {}
  getTitle(): string { return String(this.options.title ?? ''); }

  /** [d.ts BrowserWindow.close] "Try to close the window… the web page may cancel the close": emits 'close' (preventable). */
  close(): void {
    if (this.destroyedFlag) return;
    const e = electronEvent();
    this.emit('close', e);
    if (!e.defaultPrevented) this.finishClose(false);
  }

  /** app.quit's attempt to close this window; false when its 'close' handler prevented it. */
  closeForQuit(): boolean {
    if (this.destroyedFlag) return true;
    const e = electronEvent();
    this.emit('close', e);
    if (e.defaultPrevented) return false;
    this.finishClose(true);
    return true;
  }

  /** [d.ts BrowserWindow.destroy] "Force closing the window, the unload and beforeunload event won't be emitted". */
  destroy(): void {
    if (!this.destroyedFlag) this.finishClose(quitting);
  }

  private finishClose(duringQuit: boolean): void {
    this.destroyedFlag = true;
    this.visible = false;
    this.webContents.markDestroyed();
    BrowserWindow.windows.splice(BrowserWindow.windows.indexOf(this), 1);
    this.emit('closed');
    // [docs app 'window-all-closed'] not emitted when the app is quitting; with no listener the
    // default is to quit.
    if (!duringQuit && BrowserWindow.windows.length === 0) {
      if (app.listenerCount('window-all-closed') > 0) app.emit('window-all-closed');
      else app.quit();
    }
  }
}

// --- Menu, Tray, nativeImage, Notification, dialog, shell, powerMonitor --------------------

interface MenuItemOptions { label?: string; role?: string; type?: string; enabled?: boolean; click?: (...a: unknown[]) => unknown; submenu?: MenuItemOptions[] | Menu; accelerator?: string }

export class Menu {
  static applicationMenu: Menu | null = null;
  readonly items: MenuItemOptions[];
  constructor(items: MenuItemOptions[] = []) { this.items = items; }
  static buildFromTemplate(template: MenuItemOptions[]): Menu {
    for (const item of template) {
      // [docs menu-item] an item needs a label, a role, a type or a submenu.
      if (!item.label && !item.role && !item.type && !item.submenu) throw new Error('Invalid template for MenuItem: must have at least one of label, role or type');
    }
    return new Menu(template);
  }
  static setApplicationMenu(menu: Menu | null): void { Menu.applicationMenu = menu; }
  static getApplicationMenu(): Menu | null { return Menu.applicationMenu; }
  /** Test helper: click the item with this label, as the user would. */
  click(label: string): void {
    const item = this.items.find((i) => i.label === label);
    if (!item?.click) throw new Error(`no menu item "${label}"`);
    if (item.enabled === false) throw new Error(`menu item "${label}" is disabled`);
    item.click(item, undefined, {});
  }
}

interface Representation { scaleFactor: number; width: number; height: number; buffer: Buffer }

/**
 * [d.ts NativeImage] An image with one representation per scale factor. createFromBitmap's
 * width/height are in pixels and the image's size (getSize) is in points = pixels / scaleFactor
 * (scaleFactor defaults to 1.0). A bitmap must hold width × height × 4 bytes (BGRA).
 * [d.ts setTemplateImage] marks a macOS template image (drawn in the menu bar's colours).
 */
export class NativeImage {
  readonly representations: Representation[] = [];
  private template = false;
  static fromBitmap(buffer: Buffer, o: { width: number; height: number; scaleFactor?: number }): NativeImage {
    const img = new NativeImage();
    img.addRepresentation({ ...o, buffer });
    return img;
  }
  addRepresentation(o: { scaleFactor?: number; width?: number; height?: number; buffer?: Buffer; dataURL?: string }): void {
    const scaleFactor = o.scaleFactor ?? 1;
    if (!o.buffer || !o.width || !o.height) throw new Error('addRepresentation: this stand-in needs buffer, width and height');
    if (o.buffer.length !== o.width * o.height * 4) throw new Error(`Invalid buffer size: ${o.buffer.length} bytes for ${o.width}×${o.height}`);
    this.representations.push({ scaleFactor, width: o.width, height: o.height, buffer: o.buffer });
  }
  isEmpty(): boolean { return this.representations.length === 0; }
  getScaleFactors(): number[] { return this.representations.map((r) => r.scaleFactor); }
  getSize(scaleFactor = 1): { width: number; height: number } {
    const r = this.representations.find((x) => x.scaleFactor === scaleFactor) ?? this.representations[0];
    return r ? { width: Math.round(r.width / r.scaleFactor), height: Math.round(r.height / r.scaleFactor) } : { width: 0, height: 0 };
  }
  setTemplateImage(v: boolean): void { this.template = v; }
  isTemplateImage(): boolean { return this.template; }
  toBitmap(o?: { scaleFactor?: number }): Buffer {
    const r = this.representations.find((x) => x.scaleFactor === (o?.scaleFactor ?? 1)) ?? this.representations[0];
    return r ? Buffer.from(r.buffer) : Buffer.alloc(0);
  }
}

export const nativeImage = {
  createFromBitmap: (buffer: Buffer, options: { width: number; height: number; scaleFactor?: number }): NativeImage => NativeImage.fromBitmap(buffer, options),
  createEmpty: (): NativeImage => new NativeImage(),
};

export class Tray extends EventEmitter {
  static readonly trays: Tray[] = [];
  image: NativeImage;
  toolTip = '';
  title = '';
  contextMenu: Menu | null = null;
  destroyed = false;
  constructor(image: NativeImage) {
    super();
    requireReady('Tray');
    this.image = image;
    Tray.trays.push(this);
  }
  setImage(image: NativeImage): void { this.image = image; }
  setToolTip(t: string): void { this.toolTip = t; }
  setTitle(t: string): void { this.title = t; }
  setContextMenu(m: Menu | null): void { this.contextMenu = m; }
  destroy(): void { this.destroyed = true; }
  isDestroyed(): boolean { return this.destroyed; }
}

/**
 * [d.ts Notification] An EventEmitter for one OS notification. The OS keeps no reference to
 * the JavaScript object: once the app drops it, the garbage collector may take it and its
 * 'click' never reaches the app (electron/electron#11830-style reports; the docs' examples keep
 * the object). The stand-in holds it weakly for the same effect; standin.collectGarbage()
 * runs a full GC (the child runs with --expose-gc). On Windows a notification needs
 * app.setAppUserModelId (docs/tutorial/notifications, "Windows").
 */
export class Notification extends EventEmitter {
  static isSupported(): boolean { return true; }
  readonly title: string;
  readonly body: string;
  constructor(o: { title?: string; body?: string } = {}) {
    super();
    requireReady('Notification');
    this.title = o.title ?? '';
    this.body = o.body ?? '';
  }
  show(): void {
    record.notificationsShown.push({ title: this.title, body: this.body, appUserModelId: record.appUserModelId });
    shownNotifications.push(new WeakRef(this));
    this.emit('show', electronEvent());
  }
  close(): void { this.emit('close', electronEvent()); }
}
const shownNotifications: WeakRef<Notification>[] = [];

export const dialog = {
  /** [d.ts Dialog.showOpenDialog] resolves { canceled, filePaths }; the answer comes from the test's script. */
  showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    const a = nextDialogAnswer('showOpenDialog', args);
    return Promise.resolve({ canceled: a.canceled, filePaths: a.filePaths ?? [] });
  },
  showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath: string }> {
    const a = nextDialogAnswer('showSaveDialog', args);
    return Promise.resolve({ canceled: a.canceled, filePath: a.filePath ?? '' });
  },
  showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    const a = nextDialogAnswer('showMessageBox', args);
    return Promise.resolve({ response: a.response ?? 0, checkboxChecked: false });
  },
  /** [d.ts Dialog.showErrorBox] "This API can be called safely before the ready event". */
  showErrorBox(title: string, content: string): void {
    record.errorBoxes.push({ title, content });
    control.forward({ event: 'errorBox', title, content });
  },
};

function nextDialogAnswer(kind: string, args: unknown[]): ScriptedDialogAnswer {
  // [d.ts] the first argument may be the parent BrowserWindow: the dialog is then modal to it.
  if (args[0] instanceof BrowserWindow && args[0].isDestroyed()) throw new Error('Object has been destroyed');
  const a = dialogAnswers.shift();
  if (!a) throw new Error(`electron stand-in: the app opened ${kind} and the test scripted no answer`);
  return a;
}

export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> { shell.opened.push(url); return Promise.resolve(); },
  showItemInFolder(path: string): void { shell.opened.push(path); },
  openPath(path: string): Promise<string> { shell.opened.push(path); return Promise.resolve(''); },
};

class PowerMonitor extends EventEmitter {
  getSystemIdleTime(): number { return 0; }
  isOnBatteryPower(): boolean { return false; }
}
export const powerMonitor = new PowerMonitor();

// --- control: the test's side ---------------------------------------------------------------

type ControlMessage =
  | { id: number; op: 'invoke'; channel: string; args: unknown[]; frame?: 'main' | 'sub'; windowIndex?: number }
  | { id: number; op: 'dialog'; answers: ScriptedDialogAnswer[] }
  | { id: number; op: 'print'; script: PrintScript }
  | { id: number; op: 'quit' }
  | { id: number; op: 'windowEvent'; event: string; reasons?: string[] }
  | { id: number; op: 'closeWindow' }
  | { id: number; op: 'gc' }
  | { id: number; op: 'clickNotifications' }
  | { id: number; op: 'state' };

export const standin = {
  record,
  becomeReady,
  pushDialogAnswers(...answers: ScriptedDialogAnswer[]): void { dialogAnswers.push(...answers); },
  setPrintScript(script: PrintScript): void { printScript = script; },
  appWindow(index = 0): BrowserWindow {
    const w = BrowserWindow.windows.filter((x) => x.webContents.getURL().endsWith('/index.html'))[index];
    if (!w) throw new Error('no app window has loaded index.html');
    return w;
  },
  /** ipcRenderer.invoke from the app window's main frame (or an iframe of it). */
  invoke(channel: string, args: unknown[], frame: 'main' | 'sub' = 'main', windowIndex = 0): Promise<unknown> {
    const w = standin.appWindow(windowIndex);
    return invokeFrom(w.webContents, frame === 'main' ? w.webContents.mainFrame : w.webContents.subFrame, channel, args);
  },
  /** [d.ts BrowserWindow 'query-session-end' / 'session-end'] Windows log-off/shutdown. */
  emitWindowEvent(event: string, reasons: string[] = ['logoff']): boolean {
    const e = electronEvent({ reasons });
    for (const w of [...BrowserWindow.windows]) w.emit(event, e);
    return e.defaultPrevented;
  },
  collectGarbage(): number {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run the app with --expose-gc to collect garbage');
    gc();
    return shownNotifications.filter((r) => r.deref() !== undefined).length;
  },
  clickNotifications(): number {
    let clicked = 0;
    for (const ref of shownNotifications) {
      const n = ref.deref();
      if (n) { n.emit('click', electronEvent()); clicked++; }
    }
    return clicked;
  },
  state(): Record<string, unknown> {
    const tray = Tray.trays.at(-1);
    return {
      ready,
      record,
      windows: BrowserWindow.windows.map((w) => ({ url: w.webContents.getURL(), visible: w.isVisible(), webPreferences: w.webPreferences })),
      tray: tray && {
        destroyed: tray.destroyed, toolTip: tray.toolTip, title: tray.title,
        image: { template: tray.image.isTemplateImage(), size: tray.image.getSize(), scaleFactors: tray.image.getScaleFactors() },
      },
    };
  },
};

const control = {
  forward(message: Record<string, unknown>): void {
    if (process.send && process.connected) process.send(message);
  },
};

if (process.send) {
  process.on('message', (raw: unknown) => {
    const m = raw as ControlMessage;
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number') return;
    const reply = (value: unknown): void => { if (process.connected) process.send?.({ id: m.id, ok: true, value }); };
    const fail = (e: unknown): void => { if (process.connected) process.send?.({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }); };
    try {
      switch (m.op) {
        case 'invoke': standin.invoke(m.channel, m.args, m.frame, m.windowIndex).then(reply, fail); return;
        case 'dialog': standin.pushDialogAnswers(...m.answers); reply(null); return;
        case 'print': standin.setPrintScript(m.script); reply(null); return;
        case 'quit': reply(null); app.quit(); return;
        case 'windowEvent': reply(standin.emitWindowEvent(m.event, m.reasons)); return;
        case 'closeWindow': standin.appWindow().close(); reply(null); return;
        case 'gc': reply(standin.collectGarbage()); return;
        case 'clickNotifications': reply(standin.clickNotifications()); return;
        case 'state': reply(standin.state()); return;
      }
    } catch (e) {
      fail(e);
    }
  });
  // The IPC channel must not keep the app alive on its own: the app decides when it ends.
  process.channel?.unref();
}

// The bundle's type-only imports of the Electron module are erased; nothing else to export.
export default { app, protocol, session, net, ipcMain, webContents, BrowserWindow, Menu, Tray, nativeImage, Notification, dialog, shell, powerMonitor };
