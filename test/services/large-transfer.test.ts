// The big-fax path: streaming ChaCha20-Poly1305 (native and noble give the same bytes), FXE1
// signing by body hash, the raw-download extension and the seed's JSON fetch as fallback,
// and that neither the spool nor the download area keeps anything behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createStreamOpener, createStreamSealer, nativeStreamingChachaAvailable } from '../../electron/services/crypto/stream-cipher.ts';
import { hexEncode, signRequest } from '../../shared/protocol/index.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from './helpers.ts';
import { startTamperProxy, type TamperProxy } from './tamper-proxy.ts';
import { createHash } from 'node:crypto';

function oneShot(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: data.length });
  return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
}

/** Cuts `data` into irregular pieces (not multiples of 64) to exercise block carry-over. */
function pieces(data: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

function sealWith(forceNoble: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const s = createStreamSealer(key, nonce, aad, { forceNoble });
  const chunks = parts.map((p) => Uint8Array.from(s.update(p)));
  const { rest, tag } = s.final();
  return Buffer.concat([...chunks, rest, tag]);
}

describe('streaming ChaCha20-Poly1305', () => {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const aad = randomBytes(45);

  it('the runtime under test has the native cipher (so both paths below are really compared)', () => {
    expect(nativeStreamingChachaAvailable()).toBe(true);
  });

  for (const size of [0, 1, 63, 64, 65, 1000, 1024 * 1024 + 7]) {
    it(`noble and native streams equal the one-shot AEAD for ${size} bytes`, () => {
      const data = randomBytes(size);
      const expected = oneShot(key, nonce, data, aad);
      for (const forceNoble of [false, true]) {
        expect(Buffer.from(sealWith(forceNoble, key, nonce, aad, pieces(data, [7, 100, 64, 4096, 33]))).equals(Buffer.from(expected))).toBe(true);
        const o = createStreamOpener(key, nonce, aad, { forceNoble });
        const body = expected.subarray(0, expected.length - 16);
        const plain = pieces(body, [129, 5, 640]).map((p) => Uint8Array.from(o.update(p)));
        const fin = o.final(expected.subarray(expected.length - 16));
        expect(fin.ok).toBe(true);
        expect(Buffer.concat([...plain, fin.rest]).equals(Buffer.from(data))).toBe(true);
      }
    });
  }

  it('both openers refuse a flipped ciphertext byte, a flipped tag and other AAD', () => {
    const data = randomBytes(5000);
    const sealed = oneShot(key, nonce, data, aad);
    for (const forceNoble of [false, true]) {
      const bad = Uint8Array.from(sealed);
      bad[1234] = bad[1234]! ^ 1;
      const o1 = createStreamOpener(key, nonce, aad, { forceNoble });
      o1.update(bad.subarray(0, bad.length - 16));
      expect(o1.final(bad.subarray(bad.length - 16)).ok).toBe(false);

      const o2 = createStreamOpener(key, nonce, aad, { forceNoble });
      o2.update(sealed.subarray(0, sealed.length - 16));
      const tag = Uint8Array.from(sealed.subarray(sealed.length - 16));
      tag[0] = tag[0]! ^ 0x80;
      expect(o2.final(tag).ok).toBe(false);

      const o3 = createStreamOpener(key, nonce, randomBytes(45), { forceNoble });
      o3.update(sealed.subarray(0, sealed.length - 16));
      expect(o3.final(sealed.subarray(sealed.length - 16)).ok).toBe(false);
    }
  });
});

describe('FXE1 signing by body hash', () => {
  it('gives the very header signRequest gives for the same body, clock and nonce', () => {
    const body = randomBytes(3000);
    const common = { method: 'POST', path: '/v1/messages', keyId: 'key_abc', signingSeed: randomBytes(32), nowSeconds: 1_760_000_000.7, nonce: randomBytes(16) };
    const expected = signRequest({ ...common, body });
    const got = signRequest({ ...common, bodySha256Hex: hexEncode(createHash('sha256').update(body).digest()) });
    expect(got).toBe(expected);
  });
});

describe('big faxes through the relay: raw download, JSON fallback, nothing left behind', () => {
  let relay: TestRelay;
  let proxy: TamperProxy;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: string;
  const seen: string[] = [];
  /** What the proxy does to answers: 'honest', hide the extension, or claim it but 404 its routes. */
  let relayMode: 'honest' | 'no-extension' | 'broken-extension' = 'honest';

  beforeAll(async () => {
    relay = await startTestRelay();
    proxy = await startTamperProxy(relay.relay.url);
    proxy.rewrite = (req, _status, body) => {
      seen.push(`${req.method} ${req.path}`);
      if (req.path === '/v1/health' && relayMode === 'no-extension') {
        const h = JSON.parse(body.toString('utf8')) as { extensions: string[] };
        h.extensions = h.extensions.filter((x) => x !== 'ciphertext-download');
        return { body: JSON.stringify(h) };
      }
      if (relayMode === 'broken-extension' && /^\/v1\/messages\/[^/]+\/(ciphertext|envelope)$/.test(req.path)) {
        return { status: 404, body: JSON.stringify({ error: 'not_found', message: 'No such endpoint.' }) };
      }
      return null;
    };
    dirs = tempDir('large');
    const viaProxy = { fetch: (input: string, init?: RequestInit) => fetch(input.replace(relay.relay.url, proxy.url), init) };
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false, ...viaProxy });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
  });

  afterAll(async () => {
    await a?.close();
    await proxy?.close();
    await relay?.close();
    dirs?.remove();
  });

  /** A fresh receiving desk per case, so each one asks /v1/health anew. */
  async function sendAndReceive(pdf: Uint8Array, label: string): Promise<{ id: string; paths: string[] }> {
    b = await openTestDesk(join(dirs.path, `b-${label}`), { autoStart: false, fetch: (input: string, init?: RequestInit) => fetch(input.replace(relay.relay.url, proxy.url), init) });
    try {
      await importOrg(b, relay.orgs[1]!.keysZipPath);
      const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: `${label}.pdf`, pdf, coverPage: null, route: 'fxe' });
      await a.desk.flushOutbox();
      expect((await a.call('faxes.get', { id })).state).toBe('sent');
      seen.length = 0;
      expect(await b.desk.pollNow()).toBe(1);
      const paths = [...seen];
      const doc = await b.call('faxes.document', { id });
      expect(Buffer.from(doc.pdf).equals(Buffer.from(pdf))).toBe(true);
      const got = await b.call('faxes.get', { id });
      expect(got.sizeBytes).toBe(pdf.length);
      // Nothing left in the download area; the relay got our receipt.
      expect(readdirSync(join(b.dataDir, 'incoming'))).toEqual([]);
      await a.desk.pollNow();
      expect((await a.call('faxes.get', { id })).state).toBe('delivered');
      return { id, paths };
    } finally {
      await b.close();
    }
  }

  it('uploads from the spool file and downloads raw when the relay lists ciphertext-download', async () => {
    relayMode = 'honest';
    const { id, paths } = await sendAndReceive(makePdf(2, 6 * 1024 * 1024 + 123), 'raw');
    expect(paths).toContain(`GET /v1/messages/${id}/ciphertext`);
    expect(paths).toContain(`GET /v1/messages/${id}/envelope`);
    expect(paths).not.toContain(`GET /v1/messages/${id}`);
    // The sender's spool holds nothing once the upload went through.
    expect(readdirSync(join(a.dataDir, 'spool'))).toEqual([]);
  });

  it('falls back to the seed JSON fetch when the relay does not list the extension', async () => {
    relayMode = 'no-extension';
    const { id, paths } = await sendAndReceive(makePdf(1, 3 * 1024 * 1024), 'json');
    expect(paths).toContain(`GET /v1/messages/${id}`);
    expect(paths.some((p) => p.endsWith('/ciphertext'))).toBe(false);
  });

  it('falls back to the JSON fetch when the relay lists the extension but does not serve it', async () => {
    relayMode = 'broken-extension';
    const { id, paths } = await sendAndReceive(makePdf(1, 500_000), 'broken');
    expect(paths).toContain(`GET /v1/messages/${id}`);
    relayMode = 'honest';
  });

  it('keeps no plaintext on disk: the sender blob store and spool never hold the PDF in the clear', async () => {
    const pdf = makePdf(1, 10_000);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'm.pdf', pdf, coverPage: null, route: 'fxe' });
    let sawSpool = false;
    const unsubscribe = a.desk.onEvent((e) => {
      // While uploading, the spool file exists: it must be ciphertext.
      if (e.type === 'outbox.changed' && e.id === id && e.state === 'uploading' && !sawSpool) {
        sawSpool = true;
        for (const name of readdirSync(join(a.dataDir, 'spool'))) expect(readFileSync(join(a.dataDir, 'spool', name)).includes(Buffer.from('%PDF-'))).toBe(false);
      }
    });
    await a.desk.flushOutbox();
    unsubscribe();
    expect(sawSpool).toBe(true);
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
    const blobs = readdirSync(join(a.dataDir, 'blobs'));
    expect(blobs.length).toBeGreaterThan(0);
    for (const name of blobs) expect(readFileSync(join(a.dataDir, 'blobs', name)).includes(Buffer.from('%PDF-'))).toBe(false);
  });
});
