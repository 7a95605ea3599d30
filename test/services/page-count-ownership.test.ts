// Page counting without a second copy of the document (issue follow-up 5): the page counter
// owns the decrypted bytes it reads from the blob store, so it hands them to pdf.js instead of
// copying them. The copying variant stays for callers that keep using their bytes.
import { describe, expect, it } from 'vitest';
import { countPdfPages, countPdfPagesTakingOwnership } from '../../electron/services/inbox/page-count.ts';
import { makePdf } from './helpers.ts';

describe('page counts and buffer ownership', () => {
  it('taking ownership: counts the pages and the caller\'s buffer is handed over, not copied', async () => {
    const pdf = makePdf(4, 2_000);
    const buffer = pdf.buffer;
    expect(await countPdfPagesTakingOwnership(pdf)).toBe(4);
    // pdf.js detached it: the bytes moved to pdf.js, so no second copy existed.
    expect(buffer.byteLength).toBe(0);
    expect(pdf.length).toBe(0);
  });

  it('the copying variant leaves the caller\'s bytes as they were', async () => {
    const pdf = makePdf(3, 500);
    const before = pdf.slice();
    expect(await countPdfPages(pdf)).toBe(3);
    expect(pdf).toEqual(before);
  });

  it('a view into a larger buffer is copied for pdf.js, then zeroed; the rest of the buffer is untouched', async () => {
    const doc = makePdf(2, 300);
    const backing = new Uint8Array(doc.length + 8).fill(7);
    backing.set(doc, 4);
    const view = backing.subarray(4, 4 + doc.length);
    expect(await countPdfPagesTakingOwnership(view)).toBe(2);
    expect(view.every((b) => b === 0)).toBe(true);
    expect([...backing.subarray(0, 4), ...backing.subarray(4 + doc.length)]).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
  });

  it('what is not a PDF gives null and leaves nothing readable behind', async () => {
    const junk = new TextEncoder().encode('%PDF-1.4 nothing else');
    expect(await countPdfPagesTakingOwnership(junk)).toBeNull();
    expect(junk.byteLength).toBe(0); // handed over all the same: nothing of it left with the caller
    expect(await countPdfPagesTakingOwnership(new Uint8Array(0))).toBeNull();
  });
});
