// A tiny real HTTP proxy on 127.0.0.1 in front of the real relay, which can rewrite answers:
// the "relay that returns a tampered envelope, a wrong bundle, or garbage".
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Rewrite {
  /** Return replacement body text (status stays), or null to pass the answer through. */
  (req: { method: string; path: string }, status: number, body: Buffer): { status?: number; body: string | Buffer } | null;
}

export interface TamperProxy {
  url: string;
  rewrite: Rewrite | null;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startTamperProxy(target: string): Promise<TamperProxy> {
  const proxy: TamperProxy = { url: '', rewrite: null, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
      const upstream = await fetch(target + (req.url ?? '/'), { method: req.method ?? 'GET', headers, ...(body.length ? { body: new Uint8Array(body) } : {}) });
      let out = Buffer.from(await upstream.arrayBuffer());
      let status = upstream.status;
      const r = proxy.rewrite?.({ method: req.method ?? 'GET', path: req.url ?? '/' }, status, out) ?? null;
      if (r) { out = Buffer.from(r.body); status = r.status ?? status; }
      res.writeHead(status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'content-length': out.length, date: upstream.headers.get('date') ?? new Date().toUTCString() });
      res.end(out);
    })().catch((e: unknown) => { res.writeHead(502); res.end(String(e)); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  return proxy;
}
