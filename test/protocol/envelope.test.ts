// Envelope seal/open on every backend, schema checks, and the tamper tables: any change to a
// signed field, the ciphertext, a wrapped key or the signature fails with the right code and
// never yields plaintext.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import {
  JsonNumber, ProtocolError, SUITE, b64uDecode, b64uEncode, envelopeAad, envelopeSigningPayload, envelopeToJson, generateKeyMaterial, hexEncode,
  openEnvelope, parseEnvelope, parseJsonLossless, publicBundleOf, sealBody, sealEnvelope, sealEnvelopeWith, signWithDomain, DOMAIN_ENVELOPE, utf8Encode, wrapCek,
} from '../../shared/protocol/index.ts';
import type { CryptoBackend, Envelope, OrgKeys, ProtocolErrorCode } from '../../shared/protocol/index.ts';
import { alicePub, allBackends, orgKeys, recipientOf, vectors, vectorsText } from './fixtures.ts';

const backends = allBackends();
/** The signature and wrapped-key tables run on noble and on node's native Ed25519 / X25519 / ML-KEM. */
const tamperBackends = backends.filter((b) => b.label === 'noble' || b.label === 'node (default)');
afterAll(async () => {
  for (const { backend } of backends) await (backend as { close?: () => Promise<void> }).close?.();
});

const referenceEnvelope = (): Envelope => {
  const all = parseJsonLossless(vectorsText) as { envelope: { envelope: never } };
  return parseEnvelope(all.envelope.envelope);
};
const referenceCiphertext = (): Uint8Array => b64uDecode(vectors.envelope.ciphertext_b64u);

/** Opens as bob; returns the error code, or fails the test if plaintext comes back. */
async function openCode(envelope: Envelope, ciphertext: Uint8Array, backend?: CryptoBackend, who: 'bob' | 'bob_rotated' = 'bob'): Promise<ProtocolErrorCode | 'opened'> {
  try {
    await openEnvelope({ envelope, ciphertext, senderBundleEd25519Pub: alicePub(), recipient: recipientOf(await orgKeys(who)), backend });
    return 'opened';
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
}

const clone = (e: Envelope): Envelope => ({ ...e, metadata: { ...e.metadata }, wrapped_keys: e.wrapped_keys.map((w) => ({ ...w })) });

/** Another character of the same class (hex stays hex, digits stay digits), so only the signature can catch it. */
function otherChar(c: string): string {
  if (/[0-9]/.test(c)) return String((Number(c) + 1) % 10);
  if (/[a-f]/.test(c)) return c === 'f' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1);
  return c === 'x' ? 'y' : 'x';
}
const changeAt = (s: string, i: number): string => s.slice(0, i) + otherChar(s[i]!) + s.slice(i + 1);

describe('the reference envelope', () => {
  it('opens as bob (control for the tamper tables)', async () => {
    expect(await openCode(referenceEnvelope(), referenceCiphertext())).toBe('opened');
  });

  it('envelopeToJson writes exactly what Python json.dumps(envelope) wrote', () => {
    const text = envelopeToJson(referenceEnvelope());
    expect(createHash('sha256').update(text).digest('hex')).toBe('21d42d8b38875c6f4a505c4b1cc8d887c354acaddc927600d982d5a61551c7ee');
    expect(parseEnvelope(text)).toEqual(referenceEnvelope());
  });
});

for (const { label, backend } of tamperBackends) {
  const openCodeWith = (e: Envelope, ct: Uint8Array, who: 'bob' | 'bob_rotated' = 'bob'): Promise<ProtocolErrorCode | 'opened'> => openCode(e, ct, backend, who);
  describe(`tamper: every character of every signed string field → bad_signature (${label})`, () => {
    const fields = ['message_id', 'sender_org_id', 'sender_key_bundle_id', 'recipient_org_id', 'from_number', 'from_name', 'to_number', 'ciphertext_sha256'] as const;
    for (const field of fields) {
      it(field, async () => {
        const base = referenceEnvelope();
        const value = base[field]!;
        expect(value.length).toBeGreaterThan(0);
        for (let i = 0; i < value.length; i++) {
          const e = clone(base);
          e[field] = changeAt(value, i);
          expect(await openCodeWith(e, referenceCiphertext()), `${field}[${i}]`).toBe('bad_signature');
        }
        const appended = clone(base);
        appended[field] = `${value}0`;
        expect(await openCodeWith(appended, referenceCiphertext())).toMatch(/^(bad_signature|malformed)$/);
      });
    }

    it('from_name: null instead of text', async () => {
      const e = clone(referenceEnvelope());
      e.from_name = null;
      expect(await openCodeWith(e, referenceCiphertext())).toBe('bad_signature');
    });

    it('created_at: every digit, and the same value written as 1795444419.0', async () => {
      const base = referenceEnvelope();
      const lexeme = String(base.created_at);
      for (let i = 0; i < lexeme.length; i++) {
        const e = clone(base);
        e.created_at = new JsonNumber(changeAt(lexeme, i));
        expect(await openCodeWith(e, referenceCiphertext()), `created_at[${i}]`).toBe('bad_signature');
      }
      const asFloat = clone(base);
      asFloat.created_at = new JsonNumber(`${lexeme}.0`);
      expect(await openCodeWith(asFloat, referenceCiphertext())).toBe('bad_signature');
    });

    it('metadata: each key and value changed, a key added, a key removed, 2 → 2.0', async () => {
      const base = referenceEnvelope();
      const variants: Envelope['metadata'][] = [];
      for (const [k, v] of Object.entries(base.metadata)) {
        for (let i = 0; i < k.length; i++) {
          const m = { ...base.metadata };
          delete m[k];
          m[changeAt(k, i)] = v;
          variants.push(m);
        }
        if (typeof v === 'string') for (let i = 0; i < v.length; i++) variants.push({ ...base.metadata, [k]: changeAt(v, i) });
      }
      variants.push({ ...base.metadata, extra: 'x' });
      const removed = { ...base.metadata };
      delete removed['pages'];
      variants.push(removed, { ...base.metadata, pages: new JsonNumber('2.0') }, { ...base.metadata, pages: new JsonNumber('3') });
      expect(variants.length).toBeGreaterThan(40);
      for (const metadata of variants) {
        const e = clone(base);
        e.metadata = metadata;
        expect(await openCodeWith(e, referenceCiphertext()), JSON.stringify(metadata)).toBe('bad_signature');
      }
    });

    it('the same metadata with keys in another order still opens (the hash sorts keys)', async () => {
      const e = clone(referenceEnvelope());
      e.metadata = Object.fromEntries(Object.entries(e.metadata).reverse());
      expect(await openCodeWith(e, referenceCiphertext())).toBe('opened');
    });

    it('every byte of the signature', async () => {
      const base = referenceEnvelope();
      const sig = b64uDecode(base.sender_sig);
      for (let i = 0; i < sig.length; i++) {
        const bad = sig.slice();
        bad[i] = bad[i]! ^ 0x01;
        const e = clone(base);
        e.sender_sig = b64uEncode(bad);
        expect(await openCodeWith(e, referenceCiphertext()), `sig[${i}]`).toBe('bad_signature');
      }
    });

    it('a signature of the wrong length is malformed, a signature from another key is bad', async () => {
      const e = clone(referenceEnvelope());
      e.sender_sig = b64uEncode(new Uint8Array(63));
      expect(await openCodeWith(e, referenceCiphertext())).toBe('bad_signature');
      e.sender_sig = 'not base64!';
      expect(await openCodeWith(e, referenceCiphertext())).toBe('malformed');
      const bob = await orgKeys('bob');
      const resigned = clone(referenceEnvelope());
      resigned.sender_sig = b64uEncode(signWithDomain(bob.bundleSeed, DOMAIN_ENVELOPE, envelopeSigningPayload(resigned)));
      expect(await openCodeWith(resigned, referenceCiphertext())).toBe('bad_signature');
    });

    it('another suite → unsupported_suite', async () => {
      const e = clone(referenceEnvelope());
      e.suite = 'fxe-v2-something';
      expect(await openCodeWith(e, referenceCiphertext())).toBe('unsupported_suite');
    });
  });
}

describe('tamper: the ciphertext', () => {
  for (const { label, backend } of backends) {
    it(`every byte flipped → hash_mismatch (${label})`, async () => {
      const e = referenceEnvelope();
      const ct = referenceCiphertext();
      // On noble: all of the nonce and tag and every 3rd body byte (each open verifies a signature
      // first, ~5 ms); on the others a spread of positions: nonce, its unused half, body, tag.
      const positions = label === 'noble'
        ? [...ct.keys()].filter((i) => i < 24 || i >= ct.length - 16 || i % 3 === 0)
        : [0, 11, 12, 23, 24, 500, ct.length - 17, ct.length - 16, ct.length - 1];
      for (const i of positions) {
        const bad = ct.slice();
        bad[i] = bad[i]! ^ 0x80;
        expect(await openCode(e, bad, backend), `ciphertext[${i}]`).toBe('hash_mismatch');
      }
    });
  }

  it('truncated, extended or empty → hash_mismatch', async () => {
    const ct = referenceCiphertext();
    for (const bad of [ct.subarray(0, ct.length - 1), new Uint8Array([...ct, 0]), new Uint8Array(0)]) {
      expect(await openCode(referenceEnvelope(), bad)).toBe('hash_mismatch');
    }
  });

  it('a wrong size field → hash_mismatch', async () => {
    const e = clone(referenceEnvelope());
    e.size = e.size + 1;
    expect(await openCode(e, referenceCiphertext())).toBe('hash_mismatch');
  });
});

for (const { label, backend } of tamperBackends) {
  const openCodeWith = (e: Envelope, ct: Uint8Array, who: 'bob' | 'bob_rotated' = 'bob'): Promise<ProtocolErrorCode | 'opened'> => openCode(e, ct, backend, who);
  describe(`tamper: the wrapped key (${label})`, () => {
    const fields = [['kem_ct', 17], ['x25519_ephemeral_pub', 1], ['wrap_nonce', 1], ['wrapped_cek', 1]] as const;
    for (const [field, step] of fields) {
      it(`${field}: bytes flipped → unwrap_failed`, async () => {
        const base = referenceEnvelope();
        const bytes = b64uDecode(base.wrapped_keys[0]![field]);
        const positions = [...bytes.keys()].filter((i) => i % step === 0 || i === bytes.length - 1);
        for (const i of positions) {
          const bad = bytes.slice();
          bad[i] = bad[i]! ^ 0x01;
          const e = clone(base);
          e.wrapped_keys[0]![field] = b64uEncode(bad);
          expect(await openCodeWith(e, referenceCiphertext()), `${field}[${i}]`).toBe('unwrap_failed');
        }
      });
      it(`${field}: wrong length or not base64url → malformed`, async () => {
        const e = clone(referenceEnvelope());
        e.wrapped_keys[0]![field] = b64uEncode(new Uint8Array(5));
        expect(await openCodeWith(e, referenceCiphertext())).toBe('malformed');
        e.wrapped_keys[0]![field] = '***';
        expect(await openCodeWith(e, referenceCiphertext())).toBe('malformed');
      });
    }

    it('a low-order X25519 ephemeral key → unwrap_failed', async () => {
      const e = clone(referenceEnvelope());
      e.wrapped_keys[0]!.x25519_ephemeral_pub = b64uEncode(new Uint8Array(32));
      expect(await openCodeWith(e, referenceCiphertext())).toBe('unwrap_failed');
    });

    it('tampering with the other bundle’s wrapped key does not affect ours', async () => {
      const e = clone(referenceEnvelope());
      e.wrapped_keys[1]!.wrapped_cek = b64uEncode(new Uint8Array(48));
      expect(await openCodeWith(e, referenceCiphertext(), 'bob')).toBe('opened');
      expect(await openCodeWith(e, referenceCiphertext(), 'bob_rotated')).toBe('unwrap_failed');
    });

    it('swapping the two wrapped keys’ bundle ids → unwrap_failed', async () => {
      const e = clone(referenceEnvelope());
      const [a, b] = e.wrapped_keys as [Envelope['wrapped_keys'][0], Envelope['wrapped_keys'][0]];
      [a.recipient_key_bundle_id, b.recipient_key_bundle_id] = [b.recipient_key_bundle_id, a.recipient_key_bundle_id];
      expect(await openCodeWith(e, referenceCiphertext())).toBe('unwrap_failed');
    });

    it('a bundle id not in wrapped_keys → no_key_for_bundle', async () => {
      const e = clone(referenceEnvelope());
      e.wrapped_keys[0]!.recipient_key_bundle_id = 'kb_bob_9';
      expect(await openCodeWith(e, referenceCiphertext())).toBe('no_key_for_bundle');
      const alice = await orgKeys('alice');
      await expect(
        openEnvelope({ envelope: referenceEnvelope(), ciphertext: referenceCiphertext(), senderBundleEd25519Pub: alicePub(), recipient: recipientOf(alice) }),
      ).rejects.toMatchObject({ code: 'no_key_for_bundle' });
    });

    it('a hash mismatch outranks a missing key (the order does not depend on the work order)', async () => {
      const e = clone(referenceEnvelope());
      e.wrapped_keys[0]!.recipient_key_bundle_id = 'kb_bob_9';
      const bad = referenceCiphertext();
      bad[100] = bad[100]! ^ 1;
      expect(await openCodeWith(e, bad)).toBe('hash_mismatch');
    });
  });
}

/** A validly signed envelope whose wrapped CEK is not the body's key: only the AEAD can notice. */
async function envelopeWithWrongCek(alice: OrgKeys, bob: OrgKeys): Promise<{ envelope: Envelope; ciphertext: Uint8Array }> {
  const messageId = '00000000-0000-4000-8000-000000000000';
  const metadata = { filename: 'x.pdf' };
  const aad = envelopeAad(messageId, 'org_alice', 'org_bob', metadata);
  const { ciphertext, sha256 } = await sealBody(await import('../../shared/protocol/index.ts').then((m) => m.nobleBackend), new Uint8Array(32).fill(1), new Uint8Array(24), utf8Encode('secret'), aad);
  const wrapped = wrapCek({ cek: new Uint8Array(32).fill(2), aad, bundleId: 'kb_bob_1', mlkemPublic: bob.mlkemPublic, x25519Public: bob.x25519Public, random: (n) => crypto.getRandomValues(new Uint8Array(n)) });
  const unsigned = {
    message_id: messageId, suite: SUITE, sender_org_id: 'org_alice', sender_key_bundle_id: 'kb_alice_1', recipient_org_id: 'org_bob',
    from_number: '+15551110001', from_name: null, to_number: '+15552220002', size: ciphertext.length, ciphertext_sha256: hexEncode(sha256),
    metadata, created_at: 1_700_000_000,
  };
  const sender_sig = b64uEncode(signWithDomain(alice.bundleSeed, DOMAIN_ENVELOPE, envelopeSigningPayload(unsigned)));
  return { envelope: { ...unsigned, sender_sig, wrapped_keys: [wrapped] }, ciphertext };
}

describe('decrypt_failed', () => {
  for (const { label, backend } of backends) {
    it(`a signed envelope whose CEK does not open the body → decrypt_failed (${label})`, async () => {
      const { envelope, ciphertext } = await envelopeWithWrongCek(await orgKeys('alice'), await orgKeys('bob'));
      expect(await openCode(envelope, ciphertext, backend)).toBe('decrypt_failed');
    });
  }
});

describe('seal → open on every backend', () => {
  const sizes = [0, 1, 63, 64, 65, 100_000];
  for (const { label, backend } of backends) {
    it(`round trips to one and two bundles (${label})`, async () => {
      const alice = await orgKeys('alice');
      for (const size of sizes) {
        const plaintext = new Uint8Array(randomBytes(size));
        const { envelope, ciphertext } = await sealEnvelope({
          plaintext, senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_bob',
          recipientBundles: size % 2 === 0 ? [vectors.orgs.bob.public_bundle, vectors.orgs.bob_rotated.public_bundle] : [vectors.orgs.bob.public_bundle],
          fromNumber: '+15551110001', fromName: 'Alice Ü', toNumber: '+15552220002', metadata: { filename: 'f.pdf', pages: 3, ratio: 0.5 }, createdAt: 1_767_225_600.7, backend,
        });
        expect(envelope.size).toBe(size + 40);
        expect(envelope.created_at).toBe(1_767_225_600);
        const parsed = parseEnvelope(envelopeToJson(envelope));
        for (const who of size % 2 === 0 ? (['bob', 'bob_rotated'] as const) : (['bob'] as const)) {
          for (const { backend: opener } of [backends[0]!, { backend }]) {
            const opened = await openEnvelope({ envelope: parsed, ciphertext, senderBundleEd25519Pub: alicePub(), recipient: recipientOf(await orgKeys(who)), backend: opener });
            expect(opened.plaintext).toEqual(plaintext);
          }
        }
        if (size % 2 === 1) expect(await openCode(parsed, ciphertext, backend, 'bob_rotated')).toBe('no_key_for_bundle');
      }
    });
  }

  it('uses fresh randomness: two seals of the same file differ everywhere that matters', async () => {
    const alice = await orgKeys('alice');
    const p = {
      plaintext: utf8Encode('same'), senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_bob',
      recipientBundles: [vectors.orgs.bob.public_bundle], fromNumber: '+1', fromName: null, toNumber: '+2', metadata: {}, createdAt: 1,
    };
    const a = await sealEnvelope(p);
    const b = await sealEnvelope(p);
    expect(a.envelope.message_id).not.toBe(b.envelope.message_id);
    expect(a.envelope.message_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.ciphertext.subarray(0, 24)).not.toEqual(b.ciphertext.subarray(0, 24));
    expect(a.envelope.wrapped_keys[0]!.kem_ct).not.toBe(b.envelope.wrapped_keys[0]!.kem_ct);
  });

  it('is deterministic under an injected random source', async () => {
    const alice = await orgKeys('alice');
    let counter = 0;
    const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => counter++ & 0xff);
    const p = {
      plaintext: utf8Encode('x'), senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_bob',
      recipientBundles: [vectors.orgs.bob.public_bundle], fromNumber: '+1', fromName: null, toNumber: '+2', metadata: {}, createdAt: 1,
    };
    const a = await sealEnvelope({ ...p, random });
    counter = 0;
    const b = await sealEnvelope({ ...p, random });
    expect(envelopeToJson(a.envelope)).toBe(envelopeToJson(b.envelope));
  });

  it('refuses a recipient with no bundles, and bundles with broken keys', async () => {
    const alice = await orgKeys('alice');
    const p = {
      plaintext: utf8Encode('x'), senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_bob',
      fromNumber: '+1', fromName: null, toNumber: '+2', metadata: {}, createdAt: 1,
    };
    await expect(sealEnvelope({ ...p, recipientBundles: [] })).rejects.toMatchObject({ code: 'malformed' });
    const fresh = publicBundleOf({ ...generateKeyMaterial(), credentials: { bundle_id: 'kb' } });
    await expect(sealEnvelope({ ...p, recipientBundles: [{ ...fresh, ml_kem_pub: b64uEncode(new Uint8Array(10)) }] })).rejects.toMatchObject({ code: 'malformed' });
    await expect(sealEnvelope({ ...p, recipientBundles: [{ ...fresh, x25519_pub: 'bad!' }] })).rejects.toMatchObject({ code: 'malformed' });
  });
});

describe('parseEnvelope', () => {
  const base = (): Record<string, unknown> => JSON.parse(envelopeToJson(referenceEnvelope())) as Record<string, unknown>;

  it.each([
    'message_id', 'suite', 'sender_org_id', 'sender_key_bundle_id', 'recipient_org_id', 'from_number', 'to_number', 'size', 'ciphertext_sha256',
    'created_at', 'sender_sig', 'wrapped_keys',
  ])('missing %s → malformed naming the field', (field) => {
    const v = base();
    delete v[field];
    expect(() => parseEnvelope(JSON.stringify(v))).toThrow(expect.objectContaining({ code: 'malformed', field }));
  });

  it.each([
    ['message_id', 5], ['from_name', 5], ['size', '1093'], ['size', -1], ['size', 1.5], ['ciphertext_sha256', 'E40A'], ['ciphertext_sha256', 'ab'],
    ['metadata', []], ['metadata', 'x'], ['created_at', '1795444419'], ['wrapped_keys', []], ['wrapped_keys', [5]], ['wrapped_keys', [{ kem_ct: 'x' }]],
  ])('%s = %j → malformed', (field, value) => {
    const v = base();
    v[field] = value;
    expect(() => parseEnvelope(JSON.stringify(v))).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('treats absent from_name as null and absent metadata as {} (as the reference receiver does); ignores extra fields', () => {
    const v = base();
    delete v['from_name'];
    delete v['metadata'];
    v['extra'] = 1;
    const e = parseEnvelope(JSON.stringify(v));
    expect(e.from_name).toBeNull();
    expect(e.metadata).toEqual({});
  });

  it('refuses non-objects', () => {
    for (const text of ['[]', '"x"', 'null', '{']) expect(() => parseEnvelope(text)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});

describe('sealEnvelopeWith: the body and the wraps overlap, failures stay ordered', () => {
  const base = async () => {
    const alice = await orgKeys('alice');
    return {
      senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_bob',
      recipientBundles: [vectors.orgs.bob.public_bundle], fromNumber: '+15551110001', fromName: null, toNumber: '+15552220002',
      metadata: { filename: 'f.pdf' }, createdAt: 1_767_225_600,
    };
  };

  it('a body sealer that fails at once surfaces its own error (and no unhandled rejection)', async () => {
    const failing = new ProtocolError('too_large', 'The file is larger than the 100 MiB an fxe message can carry.');
    await expect(sealEnvelopeWith({ ...(await base()), sealBody: () => Promise.reject(failing) })).rejects.toBe(failing);
  });

  it('when a wrap fails, the body has settled before the error reaches the caller', async () => {
    let bodySettled = false;
    const broken = { ...vectors.orgs.bob.public_bundle, x25519_pub: b64uEncode(new Uint8Array(31)) };
    const attempt = sealEnvelopeWith({
      ...(await base()),
      recipientBundles: [broken],
      sealBody: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        bodySettled = true;
        return { sha256: new Uint8Array(32), size: 40 };
      },
    });
    await expect(attempt).rejects.toMatchObject({ code: 'malformed', field: 'x25519_pub' });
    expect(bodySettled).toBe(true);
  });

  it('with injected randomness the envelope is the same whichever backend seals it', async () => {
    const seq = (): ((n: number) => Uint8Array) => {
      let k = 0;
      return (n) => Uint8Array.from({ length: n }, () => (k++ * 7) & 0xff);
    };
    const plaintext = new Uint8Array(randomBytes(3000));
    const sealed = await Promise.all(backends.map(async ({ backend }) => sealEnvelope({ ...(await base()), plaintext, backend, random: seq() })));
    for (const s of sealed.slice(1)) {
      expect(s.envelope).toEqual(sealed[0]!.envelope);
      expect(Buffer.from(s.ciphertext).equals(Buffer.from(sealed[0]!.ciphertext))).toBe(true);
    }
  });
});
