// The raw-download extension (GET /v1/messages/{id}/ciphertext) on its double-buffered path:
// every byte in order across many 1 MiB turns, the relay held back by a reader that stops
// reading, and a reader that leaves halfway costing nothing but its own download.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../shared/protocol/index.ts';
import { ciphertextPath } from '../../shared/fxe-api/index.ts';
import type { RelayHandle } from '../../electron/relay/index.ts';
import { makeOrg, removeDir, seal, startTestRelay, upload, type TestOrg } from './helpers.ts';

const MiB = 1024 * 1024;
let relay: RelayHandle;
let dataDir: string;
let alice: TestOrg;
let bob: TestOrg;

beforeAll(async () => {
  ({ relay, dataDir } = await startTestRelay());
  alice = await makeOrg(relay.url, 'Raw Sender');
  bob = await makeOrg(relay.url, 'Raw Recipient');
});

afterAll(async () => {
  await relay?.close();
  removeDir(dataDir);
});

/** Uploads a message whose ciphertext is `plaintextBytes + 40` long; returns it and its id. */
async function uploaded(plaintextBytes: number): Promise<{ id: string; ciphertext: Uint8Array }> {
  const plaintext = new Uint8Array(plaintextBytes);
  for (let i = 0; i < plaintext.length; i++) plaintext[i] = (i * 7 + (i >> 11)) & 0xff;
  const sealed = await seal(relay.url, alice, bob, { plaintext });
  expect((await upload(relay.url, alice, sealed)).status).toBe(201);
  return { id: sealed.envelope.message_id, ciphertext: sealed.ciphertext };
}

/** The raw download as a paused node:http response: read it only as fast as the test wants. */
function openRaw(id: string): Promise<IncomingMessage> {
  const path = ciphertextPath(id);
  const authorization = signRequest({ method: 'GET', path, body: new Uint8Array(0), keyId: bob.keyId, signingSeed: bob.keys.signingSeed, nowSeconds: Date.now() / 1000 });
  return new Promise((resolve, reject) => {
    const req = httpRequest(relay.url + path, { headers: { authorization }, agent: false }, (res) => { res.pause(); resolve(res); });
    req.on('error', reject);
    req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('raw ciphertext download', () => {
  it('sends every byte in order for sizes around the 1 MiB turns', async () => {
    for (const size of [0, 1000, MiB - 40, MiB - 39, 5 * MiB + 333]) {
      const { id, ciphertext } = await uploaded(size);
      const res = await openRaw(id);
      expect(res.statusCode).toBe(200);
      expect(Number(res.headers['content-length'])).toBe(ciphertext.length);
      expect((await readAll(res)).equals(Buffer.from(ciphertext))).toBe(true);
    }
  });

  it('is held back by a reader that stops reading, and finishes when it reads again', async () => {
    const { id, ciphertext } = await uploaded(16 * MiB);
    const res = await openRaw(id);
    const first = await new Promise<Buffer>((resolve) => { res.once('data', (c: Buffer) => { res.pause(); resolve(c); }); res.resume(); });
    expect(first.length).toBeGreaterThan(0);
    const rest = await readAll(res);
    expect(Buffer.concat([first, rest]).equals(Buffer.from(ciphertext))).toBe(true);
  });

  it('a reader leaving halfway leaves the relay serving, and the message still downloadable', async () => {
    const { id, ciphertext } = await uploaded(12 * MiB);
    const res = await openRaw(id);
    await new Promise<void>((resolve) => { res.once('data', () => { res.pause(); resolve(); }); res.resume(); });
    res.destroy();
    const again = await openRaw(id);
    expect((await readAll(again)).equals(Buffer.from(ciphertext))).toBe(true);
  });
});
