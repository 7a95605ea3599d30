// The encrypted blob store's streaming paths keep memory flat: readChunks reads the whole
// body through one buffer and frees (after wiping) each plaintext chunk once the next one is
// asked for, so a 100 MiB send leaves no 100 MiB of plaintext garbage behind; the writer
// frees each encrypted chunk once written. Both still give back the exact bytes.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BlobStore } from '../../electron/services/inbox/blob-store.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { openVault } from '../../electron/services/vault/vault.ts';
import { tempDir } from './helpers.ts';

describe('blob store streaming memory', () => {
  it('readChunks frees each plaintext chunk once the next is asked for, and the chunks add up to the body', async () => {
    const dir = tempDir('blob-memory');
    try {
      const vault = await openVault(join(dir.path, 'data'), createMemoryKeychain());
      const blobs = new BlobStore(join(dir.path, 'data'), vault);
      const body = randomBytes(3 * 1024 * 1024 + 12345);
      const writer = blobs.writer();
      for (let at = 0; at < body.length; at += 700_000) writer.write(body.subarray(at, at + 700_000));
      const stored = writer.commit();

      const copies: Buffer[] = [];
      let previous: Uint8Array | null = null;
      for await (const chunk of blobs.readChunks(stored.blobId, stored.wrappedKey)) {
        // The chunk handed over before this one is gone: no plaintext left for the GC.
        if (previous) expect(previous.byteLength).toBe(0);
        copies.push(Buffer.from(chunk));
        previous = chunk;
      }
      expect(previous?.byteLength).toBe(0);
      expect(Buffer.concat(copies).equals(body)).toBe(true);
      expect(Buffer.from(blobs.read(stored.blobId, stored.wrappedKey)).equals(body)).toBe(true);
    } finally {
      dir.remove();
    }
  });
});
