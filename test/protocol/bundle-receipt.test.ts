// Bundle signatures (our extension) and delivery receipts.
import { describe, expect, it } from 'vitest';
import {
  b64uDecode, bundleFingerprint, parseReceipt, signBundle, signReceipt, signingPublicKeyOf, verifyBundle, verifyReceipt,
} from '../../shared/protocol/index.ts';
import { orgKeys, vectors } from './fixtures.ts';

describe('bundle signatures', () => {
  it('the org signing key signs a bundle; any change to its keys breaks it', async () => {
    const alice = await orgKeys('alice');
    const bundle = vectors.orgs.alice.public_bundle;
    const sig = signBundle(bundle, alice.signingSeed);
    const orgPub = signingPublicKeyOf(alice);
    expect(() => verifyBundle(bundle, sig, orgPub)).not.toThrow();
    expect(() => verifyBundle({ ...bundle, extra_field: 'ignored' }, sig, orgPub)).not.toThrow();
    for (const field of ['bundle_id', 'ml_kem_pub', 'x25519_pub', 'ed25519_pub'] as const) {
      const changed = { ...bundle, [field]: vectors.orgs.bob.public_bundle[field] };
      expect(() => verifyBundle(changed, sig, orgPub)).toThrow(expect.objectContaining({ code: 'bad_signature' }));
    }
    const bob = await orgKeys('bob');
    expect(() => verifyBundle(bundle, sig, signingPublicKeyOf(bob))).toThrow(expect.objectContaining({ code: 'bad_signature' }));
    expect(() => verifyBundle({ ...bundle, ed25519_pub: undefined }, sig, orgPub)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('fingerprints are stable and differ between bundles', () => {
    const a = bundleFingerprint(vectors.orgs.bob.public_bundle);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(bundleFingerprint({ ...vectors.orgs.bob.public_bundle })).toBe(a);
    expect(bundleFingerprint(vectors.orgs.bob_rotated.public_bundle)).not.toBe(a);
  });
});

describe('receipts', () => {
  const bobPub = (): Uint8Array => b64uDecode(vectors.orgs.bob.public_bundle.ed25519_pub);
  it('every field is covered by the signature (including the unsent recipient_org_id)', async () => {
    const bob = await orgKeys('bob');
    const r = signReceipt({ messageId: 'm', ciphertextSha256: 'ab'.repeat(32), recipientOrgId: 'org_bob', recipientBundleId: 'kb_bob_1', bundleSeed: bob.bundleSeed, signedAt: 100.9 });
    expect(r.signed_at).toBe(100);
    expect(() => verifyReceipt(r, { recipientOrgId: 'org_bob', recipientBundleEd25519Pub: bobPub() })).not.toThrow();
    for (const changed of [{ ...r, message_id: 'n' }, { ...r, ciphertext_sha256: 'cd'.repeat(32) }, { ...r, recipient_bundle_id: 'kb_bob_2' }, { ...r, signed_at: 101 }]) {
      expect(() => verifyReceipt(changed, { recipientOrgId: 'org_bob', recipientBundleEd25519Pub: bobPub() })).toThrow(expect.objectContaining({ code: 'bad_signature' }));
    }
    expect(() => verifyReceipt(r, { recipientOrgId: 'org_other', recipientBundleEd25519Pub: bobPub() })).toThrow(expect.objectContaining({ code: 'bad_signature' }));
  });

  it.each([
    ['not an object', '[]'],
    ['signed_at a float', '{"message_id":"m","ciphertext_sha256":"x","recipient_bundle_id":"b","signed_at":1.5,"recipient_sig":"s"}'],
    ['signed_at text', '{"message_id":"m","ciphertext_sha256":"x","recipient_bundle_id":"b","signed_at":"1","recipient_sig":"s"}'],
    ['missing sig', '{"message_id":"m","ciphertext_sha256":"x","recipient_bundle_id":"b","signed_at":1}'],
  ])('parseReceipt refuses %s', (_label, text) => {
    expect(() => parseReceipt(text)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('verifyReceipt refuses a bad hash field as malformed', async () => {
    const bob = await orgKeys('bob');
    const r = signReceipt({ messageId: 'm', ciphertextSha256: 'ab'.repeat(32), recipientOrgId: 'org_bob', recipientBundleId: 'kb_bob_1', bundleSeed: bob.bundleSeed, signedAt: 1 });
    expect(() => verifyReceipt({ ...r, ciphertext_sha256: 'AB'.repeat(32) }, { recipientOrgId: 'org_bob', recipientBundleEd25519Pub: bobPub() })).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});
