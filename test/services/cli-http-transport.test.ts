// The CLI's node:http transport for the relay client (cli/http-transport.ts), against a plain
// node:http server on 127.0.0.1: bodies out (bytes, and streams whose buffers are reused once
// the next chunk is asked for) and in, byte for byte; statuses and headers; a request stopped
// by its signal; and idle kept-alive connections that do not keep a process alive.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpTransport } from '../../electron/services/cli/http-transport.ts';
import { tempDir } from './helpers.ts';

const MiB = 1024 * 1024;

describe('the CLI relay transport (node:http)', () => {
  let server: Server;
  let base = '';
  const download = randomBytes(5 * MiB + 123);

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/download') {
        res.writeHead(200, { 'content-length': String(download.length), 'x-fxe-test': 'a' });
        res.end(download);
        return;
      }
      if (req.url === '/slow') {
        res.writeHead(200);
        res.write('first part');
        return; // never ends: the client stops it
      }
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (c: Buffer) => { hash.update(c); size += c.length; });
      req.on('end', () => {
        res.writeHead(req.url === '/refuse' ? 409 : 201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, size, sha256: hash.digest('hex'), chunked: req.headers['transfer-encoding'] === 'chunked', auth: req.headers['authorization'] ?? null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const text = async (res: Awaited<ReturnType<typeof nodeHttpTransport>>): Promise<string> => {
    const reader = res.body!.getReader();
    const parts: Uint8Array[] = [];
    for (let step = await reader.read(); !step.done; step = await reader.read()) parts.push(Uint8Array.from(step.value));
    return Buffer.concat(parts).toString('utf8');
  };

  it('sends bytes with their length, and a stream chunked, byte for byte, even when the stream reuses its buffers', async () => {
    const bytes = randomBytes(2 * MiB + 7);
    const sent = JSON.parse(await text(await nodeHttpTransport(`${base}/upload`, { method: 'POST', headers: { authorization: 'FXE1 x' }, body: bytes }))) as Record<string, unknown>;
    expect(sent).toEqual({ method: 'POST', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), chunked: false, auth: 'FXE1 x' });

    // As the relay client's upload stream does: two 1 MiB buffers, each refilled once the next chunk is asked for.
    const whole = randomBytes(6 * MiB + 99);
    const buffers = [new Uint8Array(MiB), new Uint8Array(MiB)];
    let at = 0;
    let turn = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= whole.length) { controller.close(); return; }
        const buffer = buffers[turn++ % 2]!;
        const n = Math.min(MiB, whole.length - at);
        buffer.set(whole.subarray(at, at + n));
        at += n;
        controller.enqueue(buffer.subarray(0, n));
      },
    }, { highWaterMark: 0 });
    const streamed = JSON.parse(await text(await nodeHttpTransport(`${base}/upload`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit))) as Record<string, unknown>;
    expect(streamed).toEqual({ method: 'POST', size: whole.length, sha256: createHash('sha256').update(whole).digest('hex'), chunked: true, auth: null });
  }, 60_000);

  it('reads the answer: status, headers and the body chunk by chunk', async () => {
    const res = await nodeHttpTransport(`${base}/download`);
    expect(res.ok).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-FXE-Test')).toBe('a');
    expect(res.headers.get('content-length')).toBe(String(download.length));
    expect(res.headers.get('x-absent')).toBeNull();
    const reader = res.body!.getReader();
    const hash = createHash('sha256');
    let size = 0;
    for (let step = await reader.read(); !step.done; step = await reader.read()) { hash.update(step.value); size += step.value.length; }
    expect(size).toBe(download.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(download).digest('hex'));
    const refused = await nodeHttpTransport(`${base}/refuse`, { method: 'POST', body: new Uint8Array(0) });
    expect(refused.ok).toBe(false);
    expect(refused.status).toBe(409);
    await refused.body!.cancel();
  });

  it('stops a request and its answer when its signal aborts', async () => {
    const stop = new AbortController();
    const res = await nodeHttpTransport(`${base}/slow`, { signal: stop.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('first part');
    const next = reader.read();
    stop.abort();
    await expect(next).rejects.toThrow();
    await expect(nodeHttpTransport(`${base}/download`, { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(nodeHttpTransport('ftp://127.0.0.1/x')).rejects.toThrow(/not an address/);
    // https goes through node:https (loaded on first use): a plain-HTTP port fails the TLS handshake.
    await expect(nodeHttpTransport(`${base.replace('http:', 'https:')}/download`)).rejects.toThrow(/SSL|TLS|EPROTO|wrong version/i);
  });

  it('leaves no kept-alive connection keeping a process alive', async () => {
    const dir = tempDir('http-transport-exit');
    try {
      const transport = fileURLToPath(new URL('../../electron/services/cli/http-transport.ts', import.meta.url));
      const script = join(dir.path, 'client.mts');
      writeFileSync(script, [
        `const { nodeHttpTransport } = await import(${JSON.stringify(transport)});`,
        `for (let i = 0; i < 3; i++) { const res = await nodeHttpTransport(${JSON.stringify(`${base}/upload`)}, { method: 'POST', body: new Uint8Array(10) }); const r = res.body.getReader(); while (!(await r.read()).done); }`,
        'console.log("done");',
      ].join('\n'));
      const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      // A process that never exits fails here (killed after 60 s), not on how fast it exits.
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      clearTimeout(killer);
      expect(out.trim()).toBe('done');
      expect(code).toBe(0);
    } finally {
      dir.remove();
    }
  }, 90_000);
});
