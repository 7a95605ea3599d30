// The native backend (node:crypto, hashing on the process's one hashing thread): same bytes as noble, same errors.
// (The streaming file seal/open: stream-cipher.test.ts.)
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { nobleBackend } from '../../shared/protocol/index.ts';
import { createNodeBackend, nativeChachaAvailable } from '../../electron/services/crypto/node-backend.ts';

const node = createNodeBackend({ overlapThresholdBytes: 1 << 20, chunkBytes: 256 * 1024 });
afterAll(async () => {
  await node.close();
});

describe('node backend', () => {
  it('reports what is native in this runtime', () => {
    expect(node.native.sha256).toBe(true);
    expect(node.native.chacha20poly1305).toBe(nativeChachaAvailable());
    expect(createNodeBackend({ disableNativeChacha: true }).native.chacha20poly1305).toBe(false);
  });

  it('can be shaped like Electron\'s BoringSSL (no chacha20-poly1305 cipher, no ML-KEM) and still seals what noble opens', async () => {
    const shaped = createNodeBackend({ boringSslShaped: true });
    expect(shaped.native.chacha20poly1305).toBe(false);
    expect(shaped.native.asymmetric).not.toContain('mlkem768Encapsulate');
    expect(shaped.mlkem768Decapsulate).toBeUndefined();
    expect(shaped.native.asymmetric).toContain('ed25519Sign');
    const key = new Uint8Array(randomBytes(32));
    const sealed = await shaped.sealAndHash!(key, new Uint8Array(24), new Uint8Array(1000), new Uint8Array(3));
    expect(nobleBackend.chachaOpen(key, new Uint8Array(12), sealed.ciphertext.subarray(24), new Uint8Array(3))).toEqual(new Uint8Array(1000));
    await shaped.close();
  });

  it('produces the same wire bytes and hash as noble, overlapped, for sizes around the chunk edges', async () => {
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(24));
    const aad = new Uint8Array(randomBytes(77));
    for (const size of [0, 1, (1 << 20) - 1, 1 << 20, (3 << 20) + 5]) {
      const plaintext = new Uint8Array(randomBytes(size));
      const a = await nobleBackend.sealAndHash!(key, nonce, plaintext, aad);
      const b = await node.sealAndHash!(key, nonce, plaintext, aad);
      expect(Buffer.from(b.ciphertext).equals(Buffer.from(a.ciphertext)), `size ${size}`).toBe(true);
      expect(b.sha256).toEqual(a.sha256);
      expect(nonce.length).toBe(24); // the caller's nonce was copied, not transferred away
      const opened = await node.openAndHash!(key, a.ciphertext, aad);
      expect(opened.sha256).toEqual(a.sha256);
      expect(Buffer.from(opened.plaintext!).equals(Buffer.from(plaintext))).toBe(true);
      expect(a.ciphertext.length).toBe(size + 40); // the caller's ciphertext is intact after open
      const bad = a.ciphertext.slice();
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
      expect((await node.openAndHash!(key, bad, aad)).plaintext).toBeNull();
    }
  });

  it('chachaOpen reports a bad tag as decrypt_failed', () => {
    const key = new Uint8Array(32);
    const sealed = node.chachaSeal(key, new Uint8Array(12), new Uint8Array([1, 2, 3]), new Uint8Array());
    sealed[0] = sealed[0]! ^ 1;
    expect(() => node.chachaOpen(key, new Uint8Array(12), sealed, new Uint8Array())).toThrow(expect.objectContaining({ code: 'decrypt_failed' }));
  });

  it('runs several overlapped seals at once on one worker', async () => {
    const key = new Uint8Array(32).fill(3);
    const inputs = [1, 2, 3].map((i) => new Uint8Array(randomBytes((2 << 20) + i)));
    const results = await Promise.all(inputs.map((pt) => node.sealAndHash!(key, new Uint8Array(24), pt, new Uint8Array())));
    results.forEach((r, i) => {
      expect(r.sha256).toEqual(nobleBackend.sha256(r.ciphertext));
      expect(r.ciphertext.length).toBe(inputs[i]!.length + 40);
    });
  });
});
