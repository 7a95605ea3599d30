// The app's HTTP transport (electron/main/net-transport.ts) under the Electron stand-in: a fax
// upload streams through net.request with chunked encoding, never gathered whole, and its
// progress follows what the server has actually received. The relay client is the real one;
// the server is a plain counting HTTP server on 127.0.0.1.
import { asMessageId } from '../../shared/domain/ids.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../services/helpers.ts';

vi.mock('electron', () => import('../electron/electron.ts'));
const electron = await import('../electron/electron.ts');
const { createNetTransport } = await import('../../electron/main/net-transport.ts');
const { RelayClient } = await import('../../electron/services/relay-client/relay-client.ts');
await electron.app.whenReady();

const BODY_MIB = 48;
/** Kernel socket buffers on loopback plus one 1 MiB chunk in hand: what "sent" may run ahead. */
const WINDOW_BYTES = 16 * 1024 * 1024;

let server: Server;
let url: string;
let received = 0;
let dirs: { path: string; remove(): void };

beforeAll(async () => {
  dirs = tempDir('net-transport');
  server = createServer((req, res) => {
    const chunked = req.headers['transfer-encoding'] === 'chunked';
    req.on('data', (c: Buffer) => { received += c.length; });
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message_id: 'msg_1', chunked }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  dirs.remove();
});

describe('uploads under Electron net', () => {
  it('stream chunked (no Content-Length refused by Chromium), with progress no further ahead than the server has received', async () => {
    const file = join(dirs.path, 'ct.bin');
    writeFileSync(file, randomBytes(BODY_MIB * 1024 * 1024));
    const client = new RelayClient({ baseUrl: url, identity: { keyId: 'k_1', signingSeed: new Uint8Array(32).fill(7) }, fetch: createNetTransport(), retries: 0 });
    received = 0;
    let worstLead = 0;
    let last = 0;
    const before = electron.netStats.bodyBytesBufferedPeak;
    const result = await client.uploadFile('{"v":1}', asMessageId('msg_1'), file, (sent) => {
      worstLead = Math.max(worstLead, sent - received);
      last = sent;
    });
    expect(result.message_id).toBe('msg_1');
    expect(received).toBe(last);
    expect(received).toBeGreaterThan(BODY_MIB * 1024 * 1024);
    expect(worstLead).toBeLessThanOrEqual(WINDOW_BYTES);
    // Nothing was gathered whole in the (stand-in) main process.
    expect(electron.netStats.bodyBytesBufferedPeak).toBe(before);
  });

  it('an upload the relay refuses before reading it ends with the relay\'s answer, not a hang', async () => {
    const refusing = createServer((_req, res) => {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: 'too_large', message: 'The message is too large.' }));
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', () => r()));
    try {
      const file = join(dirs.path, 'refused.bin');
      writeFileSync(file, randomBytes(8 * 1024 * 1024));
      const base = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
      const client = new RelayClient({ baseUrl: base, identity: { keyId: 'k_1', signingSeed: new Uint8Array(32).fill(7) }, fetch: createNetTransport(), retries: 0 });
      const outcome = await client.uploadFile('{"v":1}', asMessageId('msg_2'), file).then(() => null, (e: unknown) => e as { code?: string });
      // Either the answer (413) or the connection closing under the upload: never success, never a hang.
      expect(outcome?.code).toMatch(/^relay\./);
    } finally {
      refusing.closeAllConnections();
      await new Promise((r) => refusing.close(r));
    }
  });

  it('small JSON requests still go through net.fetch', async () => {
    const transport = createNetTransport();
    const res = await transport(`${url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ chunked: false });
  });
});

describe('raw ciphertext downloads under Electron net', () => {
  it('stream through net.fetch as they are read: the relay is held back while the reader pauses, and every byte arrives', async () => {
    const body = randomBytes(BODY_MIB * 1024 * 1024);
    let handed = 0;
    let blocked = false;
    const relay = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      void (async () => {
        for (let at = 0; at < body.length; at += 256 * 1024) {
          const chunk = body.subarray(at, at + 256 * 1024);
          if (!res.write(chunk)) {
            blocked = true;
            await new Promise((r) => res.once('drain', r));
            blocked = false;
          }
          handed += chunk.length;
        }
        res.end();
      })();
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    try {
      const base = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
      const client = new RelayClient({ baseUrl: base, identity: { keyId: 'k_1', signingSeed: new Uint8Array(32).fill(7) }, fetch: createNetTransport(), retries: 0 });
      const download = await client.openCiphertext(asMessageId('7d6f3a52-5d7c-4c1b-9a2f-0f0e8f1f2a3b'));
      expect(download.declaredSize).toBe(body.length);
      const chunks = download[Symbol.asyncIterator]();
      const hash = createHash('sha256');
      let got = 0;
      const first = await chunks.next();
      hash.update(first.value!);
      got += first.value!.length;
      // The reader pauses: the relay's writes stop once the transport's buffers are full,
      // instead of the whole body being gathered in the main process.
      const deadline = Date.now() + 20_000;
      while (!blocked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(blocked).toBe(true);
      expect(handed - got).toBeLessThanOrEqual(WINDOW_BYTES);
      for (let step = await chunks.next(); !step.done; step = await chunks.next()) {
        hash.update(step.value);
        got += step.value.length;
      }
      expect(got).toBe(body.length);
      // Each chunk is freed once the next one is asked for (no 48 MiB of spent reads for the GC).
      expect(first.value!.byteLength).toBe(0);
      expect(hash.digest().equals(createHash('sha256').update(body).digest())).toBe(true);
    } finally {
      relay.closeAllConnections();
      await new Promise((r) => relay.close(r));
    }
  });

  it('a download cut short is a relay-unreachable error (retried later), never a short fax', async () => {
    const relay = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 4 * 1024 * 1024 });
      res.write(randomBytes(1024 * 1024), () => res.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    try {
      const base = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
      const client = new RelayClient({ baseUrl: base, identity: { keyId: 'k_1', signingSeed: new Uint8Array(32).fill(7) }, fetch: createNetTransport(), retries: 0 });
      const download = await client.openCiphertext(asMessageId('7d6f3a52-5d7c-4c1b-9a2f-0f0e8f1f2a3b'));
      const outcome = await (async () => {
        for await (const chunk of download) void chunk;
      })().then(() => null, (e: unknown) => e as { code?: string; retryable?: boolean });
      expect(outcome?.code).toBe('relay.unreachable');
      expect(outcome?.retryable).toBe(true);
    } finally {
      relay.closeAllConnections();
      await new Promise((r) => relay.close(r));
    }
  });
});

