// A 1 MiB seal and open leave no big buffer behind for the garbage collector: the blob store's
// read buffer and the open's plaintext buffer are freed as soon as they are done with (a fresh
// 1 MiB buffer per fax was ~2 ms of GC per 1 MiB seal here, and page faults for the next one).
// Read from V8's own count of ArrayBuffer memory, which a freed buffer leaves at once.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { b64uEncode } from '../../shared/protocol/index.ts';
import { BlobStore } from '../../electron/services/storage/blob-store.ts';
import { openStreamToSink, sealStreamToFile } from '../../electron/services/crypto/stream-seal.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import { tempDir } from './helpers.ts';

const MiB = 1024 * 1024;
const dir = tempDir('seal-open-garbage');
const backend = createNodeBackend();
afterAll(async () => {
  await backend.close();
  dir.remove();
});

/** Growth of ArrayBuffer memory over `rounds` runs of `once`, after one run to warm up pools. */
async function arrayBufferGrowth(rounds: number, once: () => Promise<void>): Promise<number> {
  await once();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < rounds; i++) await once();
  return process.memoryUsage().arrayBuffers - before;
}

describe('seal and open of 1 MiB: no buffer left to the collector', () => {
  const blobs = new BlobStore(dir.path, { wrapKey: (k) => Uint8Array.from(k), unwrapKey: (w) => Uint8Array.from(w) });
  const body = randomBytes(MiB);
  const blob = blobs.write(body);
  const kem = ml_kem768.keygen(randomBytes(64));
  const x25519Secret = randomBytes(32);
  const senderSeed = randomBytes(32);
  const bundle = { bundle_id: 'b_r', ml_kem_pub: b64uEncode(kem.publicKey), x25519_pub: b64uEncode(x25519.getPublicKey(x25519Secret)) };
  const seal = (i: number): ReturnType<typeof sealStreamToFile> => sealStreamToFile({
    source: blobs.readChunks(blob.blobId, blob.wrappedKey), plaintextSize: body.length, outputPath: join(dir.path, `spool-${i}.ct`),
    senderOrgId: 'org_a', senderBundleId: 'b_s', senderBundleSeed: senderSeed, recipientOrgId: 'org_b', recipientBundles: [bundle],
    fromNumber: '+15551110001', fromName: null, toNumber: '+15552220002', metadata: { filename: 'x.pdf' }, createdAt: 1_700_000_000,
    messageId: '4f1c2b7e-0000-4000-8000-000000000001', backend, durable: false,
  });

  it("readChunks frees its read buffer when the body has been read", async () => {
    const growth = await arrayBufferGrowth(8, async () => {
      for await (const chunk of blobs.readChunks(blob.blobId, blob.wrappedKey)) void chunk;
    });
    expect(growth).toBeLessThan(MiB);
  });

  it('openStreamToSink frees its plaintext buffer when the body is open, and the bytes are right', async () => {
    const { envelope } = await seal(0);
    const ciphertext = readFileSync(join(dir.path, 'spool-0.ct'));
    let digest = '';
    const growth = await arrayBufferGrowth(8, async () => {
      // The sink keeps nothing (a hash of what it is given), so all that could stay is the open's own.
      const hash = createHash('sha256');
      async function* wire(): AsyncGenerator<Uint8Array> { for (let at = 0; at < ciphertext.length; at += 64 * 1024) yield ciphertext.subarray(at, at + 64 * 1024); }
      await openStreamToSink({
        envelope, source: wire(), senderBundleEd25519Pub: ed25519.getPublicKey(senderSeed), backend,
        recipient: { bundleId: 'b_r', mlkemSecret: kem.secretKey, mlkemPublic: kem.publicKey, x25519Secret, x25519Public: x25519.getPublicKey(x25519Secret) },
        sink: (chunk) => { hash.update(chunk); },
      });
      digest = hash.digest('hex');
    });
    expect(digest).toBe(createHash('sha256').update(body).digest('hex'));
    expect(growth).toBeLessThan(MiB);
  });
});
