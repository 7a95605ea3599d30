// A relay that lies or misbehaves (a real HTTP server on 127.0.0.1): endless answers, a huge
// declared length, a giant error page, non-JSON. The relay client must turn each into a
// typed error with a plain sentence, read only a bounded amount, and never hang.
import { asMessageId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayClient } from '../../electron/services/relay-client/relay-client.ts';
import { toUserError } from '../../electron/services/errors.ts';

const MiB = 1024 * 1024;

describe('relay client against a lying relay', () => {
  let server: Server;
  let url = '';
  let bytesServed = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '';
      if (path === '/v1/health') {
        // An endless JSON-looking answer: written until the client hangs up (or 64 MiB, a bound for the test itself).
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"ok":true,"pad":"');
        const chunk = Buffer.alloc(MiB, 0x61);
        const pump = (): void => {
          while (bytesServed < 64 * MiB) {
            bytesServed += chunk.length;
            if (!res.write(chunk)) { res.once('drain', pump); return; }
          }
          res.end('"}');
        };
        res.on('close', () => { bytesServed = Math.min(bytesServed, 64 * MiB); });
        pump();
        return;
      }
      if (path === '/v1/orgs/me') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * MiB) });
        res.write('{"org_id":"');
        return; // never finishes: the declared length alone must be refused
      }
      if (path.startsWith('/v1/lookup')) {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(`<html>${'x'.repeat(4 * MiB)}</html>`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('this is not json');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const client = (): RelayClient => new RelayClient({
    baseUrl: url, identity: { keyId: 'key_test', signingSeed: new Uint8Array(32) }, fetch: (i, init) => fetch(i, init), retries: 0, timeoutMs: 20_000,
  });

  async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await p;
    } catch (e) {
      return toUserError(e);
    }
    throw new Error('expected a failure');
  }

  it('stops reading an endless answer at the cap and says the relay answer was unusable', async () => {
    const err = await failure(client().health());
    expect(err.code).toBe('relay.garbage');
    expect(err.message).toMatch(/\.$/);
    // It stopped well before the server's own 64 MiB bound.
    expect(bytesServed).toBeLessThan(40 * MiB);
  });

  it('refuses an answer whose declared length is over the cap without waiting for it', async () => {
    const err = await failure(client().me());
    expect(err.code).toBe('relay.garbage');
  });

  it('turns a giant error page into a status error, and non-JSON into relay.garbage', async () => {
    const lookup = await failure(client().lookup('+15551234567'));
    expect(lookup.code).toMatch(/^relay\./);
    expect(lookup.message.length).toBeLessThan(400);
    const status = await failure(client().status(asMessageId('00000000-0000-4000-8000-000000000000')));
    expect(status.code).toBe('relay.garbage');
  });
});
