// Round trips against an independent implementation (node:crypto + liboqs WebAssembly):
// our seal opened by it, its seal opened by ours, to one and two recipient bundles; and
// liboqs reads the same 2400-byte ML-KEM secret-key format as the reference client.
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  b64uDecode, b64uEncode, envelopeToJson, generateKeyMaterial, openEnvelope, parseEnvelope, publicBundleOf, readKeysZip, sealEnvelope, writeKeysZip,
} from '../../shared/protocol/index.ts';
import type { OrgKeys } from '../../shared/protocol/index.ts';
import { alicePub, allBackends, orgKeys, recipientOf, vectors } from './fixtures.ts';
import {
  ed25519PublicFromSeed, independentEnvelopeJson, independentKemKeypair, independentOpen, independentSeal, x25519PublicFromSecret,
} from './independent/fxe-node.ts';

const backends = allBackends();
afterAll(async () => {
  for (const { backend } of backends) await (backend as { close?: () => Promise<void> }).close?.();
});

const bundlesFor = (n: 1 | 2) => (n === 1 ? [vectors.orgs.bob.public_bundle] : [vectors.orgs.bob.public_bundle, vectors.orgs.bob_rotated.public_bundle]);
const recipientsFor = (n: 1 | 2) => (n === 1 ? (['bob'] as const) : (['bob', 'bob_rotated'] as const));

describe('the independent implementation agrees with the reference vectors', () => {
  it('opens the reference envelope with liboqs using the keys.zip secret keys (same 2400-byte format)', async () => {
    for (const who of ['bob', 'bob_rotated'] as const) {
      const keys = await orgKeys(who);
      const plaintext = await independentOpen({
        envelope: vectors.envelope.envelope,
        ciphertext: b64uDecode(vectors.envelope.ciphertext_b64u),
        senderBundleEd25519Pub: alicePub(),
        ...recipientOf(keys),
      });
      expect(b64uEncode(plaintext)).toBe(vectors.envelope.plaintext_b64u);
    }
  });

  it('derives the same public keys from the keys.zip secrets', async () => {
    const alice = await orgKeys('alice');
    expect(b64uEncode(x25519PublicFromSecret(alice.x25519Secret))).toBe(vectors.orgs.alice.public_bundle.x25519_pub);
    expect(b64uEncode(ed25519PublicFromSeed(alice.bundleSeed))).toBe(vectors.orgs.alice.public_bundle.ed25519_pub);
    expect(b64uEncode(ed25519PublicFromSeed(alice.signingSeed))).toBe(vectors.orgs.alice.signing_pub);
  });
});

describe('our seal → independent open', () => {
  for (const { label, backend } of backends) {
    for (const n of [1, 2] as const) {
      it(`${n} bundle(s), ${label}`, async () => {
        const alice = await orgKeys('alice');
        const plaintext = new Uint8Array(randomBytes(70_000));
        const { envelope, ciphertext } = await sealEnvelope({
          plaintext, senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_bob',
          recipientBundles: bundlesFor(n), fromNumber: '+15551110001', fromName: 'Zürich – Praxis', toNumber: '+15552220002',
          metadata: { filename: 'Überweisung €5.pdf', content_type: 'application/pdf', pages: 2 }, createdAt: 1_767_225_600, backend,
        });
        const wire = JSON.parse(envelopeToJson(envelope)) as Record<string, unknown>;
        for (const who of recipientsFor(n)) {
          const out = await independentOpen({ envelope: wire, ciphertext, senderBundleEd25519Pub: alicePub(), ...recipientOf(await orgKeys(who)) });
          expect(new Uint8Array(out)).toEqual(plaintext);
        }
      });
    }
  }
});

describe('independent seal → our open', () => {
  for (const { label, backend } of backends) {
    for (const n of [1, 2] as const) {
      it(`${n} bundle(s), ${label}`, async () => {
        const alice = await orgKeys('alice');
        const plaintext = new Uint8Array(randomBytes(70_001));
        const { envelope, ciphertext } = await independentSeal({
          plaintext, senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_bob',
          bundles: bundlesFor(n), fromNumber: '+15551110001', fromName: n === 1 ? null : 'Ärztehaus 📠', toNumber: '+15552220002',
          metadata: { filename: 'lab.pdf', pages: 2, nested: { a: [1, 2], 'é': null } }, createdAt: 1_767_225_600,
        });
        const parsed = parseEnvelope(independentEnvelopeJson(envelope));
        for (const who of recipientsFor(n)) {
          const opened = await openEnvelope({ envelope: parsed, ciphertext, senderBundleEd25519Pub: alicePub(), recipient: recipientOf(await orgKeys(who)), backend });
          expect(opened.plaintext).toEqual(plaintext);
        }
      });
    }
  }
});

describe('keys made by liboqs work with our code, and ours with liboqs', () => {
  it('a liboqs ML-KEM key pair passes keys.zip validation and receives our faxes', async () => {
    const { publicKey, secretKey } = await independentKemKeypair();
    expect(secretKey.length).toBe(2400);
    const ours = generateKeyMaterial();
    const keys: OrgKeys = { ...ours, mlkemPublic: publicKey, mlkemSecret: secretKey, credentials: { relay: 'http://127.0.0.1:1', org_id: 'org_q', key_id: 'k', bundle_id: 'kb_q' } };
    const back = await readKeysZip(await writeKeysZip(keys));
    const alice = await orgKeys('alice');
    const { envelope, ciphertext } = await sealEnvelope({
      plaintext: new Uint8Array([1, 2, 3]), senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_q',
      recipientBundles: [publicBundleOf(back)], fromNumber: '+1', fromName: null, toNumber: '+2', metadata: {}, createdAt: 1,
    });
    const opened = await openEnvelope({ envelope, ciphertext, senderBundleEd25519Pub: alicePub(), recipient: recipientOf(back) });
    expect([...opened.plaintext]).toEqual([1, 2, 3]);
  });

  it('our generated keys open the independent implementation’s faxes', async () => {
    const ours: OrgKeys = { ...generateKeyMaterial(), credentials: { relay: 'http://127.0.0.1:1', org_id: 'org_n', key_id: 'k', bundle_id: 'kb_n' } };
    const alice = await orgKeys('alice');
    const { envelope, ciphertext } = await independentSeal({
      plaintext: new Uint8Array([9, 8, 7]), senderOrgId: 'org_alice', senderBundleId: 'kb_alice_1', senderBundleSeed: alice.bundleSeed, recipientOrgId: 'org_n',
      bundles: [publicBundleOf(ours)], fromNumber: '+1', fromName: null, toNumber: '+2', metadata: {}, createdAt: 1,
    });
    const opened = await openEnvelope({ envelope: parseEnvelope(independentEnvelopeJson(envelope)), ciphertext, senderBundleEd25519Pub: alicePub(), recipient: recipientOf(ours) });
    expect([...opened.plaintext]).toEqual([9, 8, 7]);
  });
});
