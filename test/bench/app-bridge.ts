// The app bench's stand-in for the Electron shell: one HTTP server on 127.0.0.1 that serves the
// built renderer the way the app:// protocol handler does (each file read when asked, the app's
// CSP header) and carries window.fxe's calls and events on the same origin: POST /__fxe/invoke
// for a call, a server-sent event stream for main's events. The page's `connect-src 'self'`
// allows both, so the renderer runs unchanged under its real policy.
//
// Why not the end-to-end tests' bridge (a Playwright binding): an answer there crosses the
// DevTools protocol and Playwright's own encoding, and on a busy machine reached the page
// 250–300 ms after the desk gave it, where Electron's IPC takes a millisecond or two; the
// first rows then measured the bridge. A request over loopback is close to what IPC costs
// (one hop to another process and back, the answer as one string), and the bench prints what
// a round trip costs through it, beside the figures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { FxeApi, IpcEvent } from '../../shared/ipc/contract.ts';
import { decodeBytes } from '../e2e/harness/bridge.ts';
import { CSP } from '../e2e/harness/static-server.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ttf': 'font/ttf',
};

/** JSON with bytes as { __u8: base64 }, in one pass (`this[key]` is the value before a Buffer's toJSON). */
function toWireJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? { __u8: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') } : v;
  });
}

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serve `rendererDir` and bridge the page's window.fxe to `desk`. */
export async function serveAppWithDesk(rendererDir: string, desk: FxeApi): Promise<AppServer> {
  const root = normalize(rendererDir + sep);
  const streams = new Set<ServerResponse>();
  const stopEvents = desk.onEvent((event: IpcEvent) => {
    const line = `data: ${toWireJson(event)}\n\n`;
    for (const s of streams) s.write(line);
  });
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/__fxe/invoke' && req.method === 'POST') {
      void readBody(req)
        .then(async (body) => {
          const { channel, request } = JSON.parse(body) as { channel: string; request: unknown };
          const result = await desk.invoke(channel as never, decodeBytes(request) as never);
          res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(toWireJson(result));
        })
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    if (path === '/__fxe/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': open\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        stopEvents();
        for (const s of streams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs in the page before any app script (the preload's job in Electron): window.fxe over HTTP. */
function pageShim(): void {
  const toB64 = (bytes: Uint8Array): string => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const fromB64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const enc = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return { __u8: toB64(v) };
    if (Array.isArray(v)) return v.map(enc);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
    return v;
  };
  // The reviver turns { __u8 } back into bytes as the JSON is read, in one pass.
  const revive = (_key: string, v: unknown): unknown => {
    const r = v as Record<string, unknown> | null;
    return r && typeof r === 'object' && typeof r.__u8 === 'string' && Object.keys(r).length === 1 ? fromB64(r.__u8) : v;
  };
  const listeners = new Set<(e: unknown) => void>();
  let events: EventSource | null = null;
  const api = {
    invoke: async (channel: string, request: unknown) => {
      const res = await fetch('/__fxe/invoke', { method: 'POST', body: JSON.stringify({ channel, request: enc(request) }) });
      if (!res.ok) throw new Error(`bridge: ${res.status} ${await res.text()}`);
      return JSON.parse(await res.text(), revive) as unknown;
    },
    onEvent: (listener: (e: unknown) => void) => {
      events ??= Object.assign(new EventSource('/__fxe/events'), {
        onmessage: (m: MessageEvent<string>) => {
          const event = JSON.parse(m.data, revive) as unknown;
          for (const l of [...listeners]) l(event);
        },
      });
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  Object.defineProperty(window, 'fxe', { value: Object.freeze(api), writable: false, configurable: false });
}

/** Give every page of `context` the HTTP window.fxe (call before the page loads). */
export async function installHttpBridge(context: BrowserContext): Promise<void> {
  await context.addInitScript(pageShim);
}
