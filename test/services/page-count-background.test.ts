// Page counts of stored faxes are background work: they wait for a quiet moment and never take
// the warm pdf.js worker that the next Send's PDF check is waiting for.
import { asFaxId } from '../../shared/domain/ids.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BlobStore } from '../../electron/services/storage/blob-store.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { openVault } from '../../electron/services/vault/vault.ts';
import { countStoredPdfPages, PageCounter, type PageCounterDeps } from '../../electron/services/inbox/page-count.ts';
import { parsePdfInWorker, sparePdfWorkerIdForTests, stopSparePdfWorker } from '../../electron/services/inbox/pdf-parse.ts';
import { makePdf, tempDir, waitFor } from './helpers.ts';

const dir = tempDir('page-background');
afterAll(() => {
  stopSparePdfWorker();
  dir.remove();
});

async function storedPdf(pages: number): Promise<{ blobs: BlobStore; blobId: string; wrappedKey: Uint8Array }> {
  const vault = await openVault(join(dir.path, 'data'), createMemoryKeychain());
  const blobs = new BlobStore(join(dir.path, 'data'), vault);
  const stored = blobs.write(makePdf(pages, 10_000));
  return { blobs, blobId: stored.blobId, wrappedKey: stored.wrappedKey };
}

describe('page counting in the background', () => {
  it('leaves the spare worker of the PDF check alone (regression: each received fax took it)', async () => {
    // A check (interactive) leaves a spare behind for the next one.
    expect(await parsePdfInWorker(makePdf(2), { strict: true })).toMatchObject({ kind: 'pages', pages: 2 });
    const spare = await waitFor('the spare', () => sparePdfWorkerIdForTests());
    const { blobs, blobId, wrappedKey } = await storedPdf(5);
    expect(await countStoredPdfPages(blobs, blobId, wrappedKey)).toBe(5);
    // Still the same warm worker waiting for the next check.
    expect(sparePdfWorkerIdForTests()).toBe(spare);
  });

  it('waits for a quiet moment before counting; idle() counts at once', async () => {
    const { blobs, blobId, wrappedKey } = await storedPdf(3);
    const saved: number[] = [];
    const faxes = {
      row: () => ({ pages: saved.length > 0 ? saved[0]! : null, blob_id: blobId, blob_key: wrappedKey, subject: null }),
      setPages: (_id: string, pages: number) => { saved.push(pages); },
      setSubject: () => undefined,
      idsWithoutPageCount: () => [],
    } as unknown as PageCounterDeps['faxes'];
    const counted: string[] = [];
    const counter = new PageCounter({ faxes, blobs, log: () => undefined, onCounted: (id) => counted.push(id), quietMs: 3_600_000 });
    counter.enqueue(asFaxId('fax-1'));
    // Nothing starts within the quiet time (an hour here), however long the event loop runs.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(counted).toEqual([]);
    await counter.idle();
    expect(saved).toEqual([3]);
    expect(counted).toEqual(['fax-1']);
    await counter.stop();
  });
});
