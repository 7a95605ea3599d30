// Page counts of stored faxes by byte ranges: the blob store decrypts any range of a body on
// its own (after authenticating the whole file once), and pdf.js, in its worker, asks only for
// the ranges it needs, so a big fax is never held whole while it is counted.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from '../../electron/services/storage/blob-store.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { openVault } from '../../electron/services/vault/vault.ts';
import { countStoredPdfPages } from '../../electron/services/inbox/page-count.ts';
import { parsePdfRangesInWorker, type PdfByteSource } from '../../electron/services/inbox/pdf-parse.ts';
import { makePdf, tempDir } from './helpers.ts';

async function storeWith(body: Uint8Array): Promise<{ blobs: BlobStore; blobId: string; wrappedKey: Uint8Array; dir: ReturnType<typeof tempDir> }> {
  const dir = tempDir('page-ranges');
  const vault = await openVault(join(dir.path, 'data'), createMemoryKeychain());
  const blobs = new BlobStore(join(dir.path, 'data'), vault);
  const stored = blobs.write(body);
  return { blobs, blobId: stored.blobId, wrappedKey: stored.wrappedKey, dir };
}

describe('stored bodies by byte ranges', () => {
  it('decrypts any range exactly: every alignment, across the 1 MiB write chunks, up to the end', async () => {
    const body = randomBytes(2 * 1024 * 1024 + 77);
    const { blobs, blobId, wrappedKey, dir } = await storeWith(body);
    try {
      const ranges = await blobs.openRanges(blobId, wrappedKey);
      try {
        expect(ranges.size).toBe(body.length);
        for (let begin = 0; begin < 48; begin++) {
          for (const length of [0, 1, 15, 16, 17, 33, 4096]) expect(Buffer.from(ranges.read(begin, length)).equals(body.subarray(begin, begin + length))).toBe(true);
        }
        for (const begin of [1024 * 1024 - 5, 1024 * 1024, body.length - 100]) {
          const length = Math.min(70_000, body.length - begin);
          expect(Buffer.from(ranges.read(begin, length)).equals(body.subarray(begin, begin + length))).toBe(true);
        }
        expect(() => ranges.read(body.length - 1, 2)).toThrow(RangeError);
        expect(() => ranges.read(-1, 2)).toThrow(RangeError);
      } finally {
        ranges.close();
      }
      expect(() => ranges.read(0, 1)).toThrow(/closed/);
    } finally {
      dir.remove();
    }
  });

  it('refuses a damaged body before handing out any range', async () => {
    const { blobs, blobId, wrappedKey, dir } = await storeWith(randomBytes(100_000));
    try {
      const path = join(blobs.dir, `${blobId}.bin`);
      const file = readFileSync(path);
      file[5_000] = file[5_000]! ^ 1;
      writeFileSync(path, file);
      await expect(blobs.openRanges(blobId, wrappedKey)).rejects.toMatchObject({ code: 'storage.corrupt' });
    } finally {
      dir.remove();
    }
  });
});

describe('page count by ranges', () => {
  it('counts a stored fax and reads only a small part of it', async () => {
    const pdf = makePdf(7, 8 * 1024 * 1024);
    let asked = 0;
    const source: PdfByteSource = {
      size: pdf.length,
      read: (begin, length) => { asked += length; return pdf.slice(begin, begin + length); },
    };
    const outcome = await parsePdfRangesInWorker(source, { strict: false });
    expect(outcome).toMatchObject({ kind: 'pages', pages: 7 });
    expect(asked).toBeGreaterThan(0);
    expect(asked).toBeLessThan(pdf.length / 20);
  });

  it('counts through the blob store, and gives null for junk and for a source that fails', async () => {
    const { blobs, blobId, wrappedKey, dir } = await storeWith(makePdf(3, 300_000));
    const junk = await storeWith(new TextEncoder().encode('%PDF-1.4 nothing else'));
    try {
      expect(await countStoredPdfPages(blobs, blobId, wrappedKey)).toBe(3);
      const why: string[] = [];
      expect(await countStoredPdfPages(junk.blobs, junk.blobId, junk.wrappedKey, (d) => why.push(d))).toBeNull();
      expect(why).toHaveLength(1);
    } finally {
      dir.remove();
      junk.dir.remove();
    }
    const failing: PdfByteSource = { size: 1_000_000, read: () => { throw new Error('disk gone'); } };
    expect(await parsePdfRangesInWorker(failing, { strict: false })).toMatchObject({ kind: 'unreadable', detail: expect.stringMatching(/disk gone/) });
  });
});
