// The big-fax path (the cipher itself: test/protocol/stream-cipher.test.ts): FXE1 signing by
// body hash, the raw-download extension and the seed's JSON fetch as fallback,
// and that neither the spool nor the download area keeps anything behind.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hexEncode, signRequest } from '../../shared/protocol/index.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from './helpers.ts';
import { startTamperProxy, type TamperProxy } from './tamper-proxy.ts';
import { createHash } from 'node:crypto';

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
  let aOrg: OrgId;
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
  async function sendAndReceive(pdf: Uint8Array, label: string): Promise<{ id: FaxId; paths: string[] }> {
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
