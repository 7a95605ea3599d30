// Receiving straight off the wire: with the raw-download extension, the ciphertext is hashed
// and decrypted as it arrives into the new (encrypted, not yet visible) blob, with nothing in
// the download area; the fax becomes visible only once the hash and tag matched. The relay is
// the real one; only the link to it is held back (a slow network) or damaged (a bad proxy),
// by filtering the real response's body as it streams.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from './helpers.ts';

const MiB = 1024 * 1024;

interface Link {
  /** Stop passing ciphertext bytes on once this many went through, until release(). */
  holdAt: number | null;
  /** Flip one bit of the ciphertext byte at this offset. */
  flipAt: number | null;
  /** Bytes of ciphertext of the current download passed on so far. */
  passed: number;
  /** Downloads of a ciphertext started. */
  downloads: number;
  held: boolean;
  release(): void;
}

/** Passes a response body on chunk by chunk, holding or damaging it as `link` says. */
function filtered(body: ReadableStream<Uint8Array>, link: Link): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  link.downloads++;
  link.passed = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) { controller.close(); return; }
      let chunk = value;
      if (link.holdAt !== null && link.passed + chunk.length > link.holdAt && link.passed <= link.holdAt) {
        const first = link.holdAt - link.passed;
        controller.enqueue(chunk.slice(0, first));
        link.passed += first;
        link.held = true;
        await new Promise<void>((resolve) => { link.release = resolve; });
        link.held = false;
        chunk = chunk.subarray(first);
      }
      if (link.flipAt !== null && link.flipAt >= link.passed && link.flipAt < link.passed + chunk.length) {
        chunk = Uint8Array.from(chunk);
        chunk[link.flipAt - link.passed]! ^= 1;
      }
      link.passed += chunk.length;
      controller.enqueue(chunk);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

describe('receiving a big fax straight off the wire', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let link: Link;

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('streaming-receive');
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false });
    b = await openTestDesk(join(dirs.path, 'b'), {
      autoStart: false,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (!/\/v1\/messages\/[^/]+\/ciphertext$/.test(new URL(input).pathname) || !res.body) return res;
        return new Response(filtered(res.body, link), { status: res.status, headers: res.headers });
      },
    });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
    await importOrg(b, relay.orgs[1]!.keysZipPath);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await relay?.close();
    dirs?.remove();
  });

  async function send(pdf: Uint8Array): Promise<FaxId> {
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'big.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
    return id;
  }

  const blobFiles = (): { name: string; size: number }[] => {
    const dir = join(b.dataDir, 'blobs');
    try {
      return readdirSync(dir).map((name) => ({ name, size: statSync(join(dir, name)).size }));
    } catch {
      return [];
    }
  };
  const inboxTotal = async (): Promise<number> => (await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total;

  it('decrypts into the new blob while the download is still arriving; the fax appears only once all of it verified', async () => {
    const pdf = makePdf(2, 8 * MiB);
    const id = await send(pdf);
    link = { holdAt: 5 * MiB, flipAt: null, passed: 0, downloads: 0, held: false, release: () => undefined };
    const polling = b.desk.pollNow();
    try {
      await waitFor('the download to be held halfway', () => link.held);
      // Halfway through the download, a good part of it is already decrypted into the blob's
      // temp file (encrypted at rest)...
      const partial = await waitFor('plaintext to reach the blob before the download ends', () => {
        const tmp = blobFiles().find((f) => f.name.endsWith('.tmp') && f.size >= 3 * MiB);
        return tmp ?? null;
      }, 10_000);
      expect(partial.size).toBeLessThan(pdf.length);
      // ...nothing sits in the download area, and nothing is visible yet.
      expect(readdirSync(join(b.dataDir, 'incoming'))).toEqual([]);
      expect(await inboxTotal()).toBe(0);
    } finally {
      link.release();
    }
    expect(await polling).toBe(1);
    const doc = await b.call('faxes.document', { id });
    expect(Buffer.from(doc.pdf).equals(Buffer.from(pdf))).toBe(true);
    expect(blobFiles().filter((f) => f.name.endsWith('.tmp'))).toEqual([]);
  });

  it('a byte damaged near the end is caught after plaintext reached the temp blob: nothing is kept or shown', async () => {
    const pdf = makePdf(1, 3 * MiB);
    const before = await inboxTotal();
    const blobsBefore = blobFiles().map((f) => f.name).sort();
    const id = await send(pdf);
    // Every download damaged in its last few KiB: fetched three times, then rejected.
    link = { holdAt: null, flipAt: pdf.length - 1000, passed: 0, downloads: 0, held: false, release: () => undefined };
    expect(await b.desk.pollNow()).toBe(0);
    expect(link.downloads).toBe(3);
    expect(await inboxTotal()).toBe(before);
    const err = b.events.filter((e) => e.type === 'receive.error').at(-1);
    expect(err?.type === 'receive.error' ? err.error.code : '').toBe('protocol.hash_mismatch');
    // No blob was committed and no temp blob is left behind; the relay still holds the fax.
    expect(blobFiles().map((f) => f.name).sort()).toEqual(blobsBefore);
    expect(readdirSync(join(b.dataDir, 'incoming'))).toEqual([]);
    await a.desk.pollNow();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
  });
});
