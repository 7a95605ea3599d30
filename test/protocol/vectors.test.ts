// Every known-answer vector from the reference Python client must pass byte for byte.
import { describe, expect, it } from 'vitest';
import {
  b64uDecode, b64uEncode, envelopeAad, metadataForm, metadataSha256Hex, openEnvelope, parseEnvelope, parseJsonLossless,
  publicBundleOf, signingForm, signingPublicKeyOf, signRequest, signReceipt, utf8Encode, verifyReceipt, verifyRequest,
  verifyWebhookSignature, webhookSignatureHeader, NonceCache, parseReceipt,
} from '../../shared/protocol/index.ts';
import { alicePub, allBackends, orgKeys, recipientOf, vectors, vectorsText } from './fixtures.ts';
import type { OrgName } from './fixtures.ts';

/** The envelope exactly as the vector file spells it (lossless: numbers keep their lexeme). */
function vectorEnvelopeText(): string {
  const all = parseJsonLossless(vectorsText) as { envelope: { envelope: unknown } };
  return JSON.stringify(all.envelope.envelope);
}

describe('fxe-v1 vectors: keys.zip', () => {
  for (const name of ['alice', 'bob', 'bob_rotated'] as OrgName[]) {
    it(`reads ${name}'s keys.zip and derives its public bundle and signing key`, async () => {
      const keys = await orgKeys(name);
      expect(keys.credentials).toMatchObject(vectors.orgs[name].creds);
      expect(publicBundleOf(keys)).toEqual(vectors.orgs[name].public_bundle);
      expect(b64uEncode(signingPublicKeyOf(keys))).toBe(vectors.orgs[name].signing_pub);
    });
  }
});

describe('fxe-v1 vectors: envelope', () => {
  it('computes the reference AAD', () => {
    const e = parseEnvelope(vectorEnvelopeText());
    expect(b64uEncode(envelopeAad(e.message_id, e.sender_org_id, e.recipient_org_id, e.metadata))).toBe(vectors.envelope.aad_b64u);
  });
  for (const { label, backend } of allBackends()) {
    for (const name of ['bob', 'bob_rotated'] as OrgName[]) {
      it(`opens the reference envelope as ${name} (${label})`, async () => {
        const keys = await orgKeys(name);
        const { plaintext, metadata } = await openEnvelope({
          envelope: parseEnvelope(vectorEnvelopeText()),
          ciphertext: b64uDecode(vectors.envelope.ciphertext_b64u),
          senderBundleEd25519Pub: alicePub(),
          recipient: recipientOf(keys),
          backend,
        });
        expect(b64uEncode(plaintext)).toBe(vectors.envelope.plaintext_b64u);
        expect(metadataForm(metadata)).toBe(metadataForm(vectors.envelope.envelope['metadata'] as never));
      });
    }
  }
});

describe('fxe-v1 vectors: FXE1 requests', () => {
  for (const c of vectors.requests.cases) {
    it(`reproduces the Authorization header for ${c.method} ${c.path}`, async () => {
      const alice = await orgKeys('alice');
      const header = signRequest({
        method: c.method,
        path: c.path,
        body: b64uDecode(c.body_b64u),
        keyId: vectors.orgs.alice.creds.key_id,
        signingSeed: alice.signingSeed,
        nowSeconds: vectors.requests.clock,
        nonce: b64uDecode(vectors.requests.nonce_bytes_b64u),
      });
      expect(header).toBe(c.authorization);
      const verified = verifyRequest({
        header: c.authorization,
        method: c.method,
        path: c.path,
        body: b64uDecode(c.body_b64u),
        nowSeconds: vectors.requests.clock,
        publicKeyFor: (id) => (id === 'key_alice' ? b64uDecode(vectors.orgs.alice.signing_pub) : undefined),
        nonces: new NonceCache(),
      });
      expect(verified.keyId).toBe('key_alice');
    });
  }
});

describe('fxe-v1 vectors: receipt', () => {
  it('reproduces the receipt signature from the floored clock and verifies it', async () => {
    const bob = await orgKeys('bob');
    const r = vectors.receipt.receipt;
    const receipt = signReceipt({
      messageId: r.message_id,
      ciphertextSha256: r.ciphertext_sha256,
      recipientOrgId: vectors.orgs.bob.creds.org_id,
      recipientBundleId: r.recipient_bundle_id,
      bundleSeed: bob.bundleSeed,
      signedAt: vectors.receipt.clock,
    });
    expect(receipt).toEqual(r);
    const parsed = parseReceipt(JSON.stringify(r));
    expect(() => verifyReceipt(parsed, { recipientOrgId: 'org_bob', recipientBundleEd25519Pub: b64uDecode(vectors.orgs.bob.public_bundle.ed25519_pub) })).not.toThrow();
    expect(() => verifyReceipt(parsed, { recipientOrgId: 'org_alice', recipientBundleEd25519Pub: b64uDecode(vectors.orgs.bob.public_bundle.ed25519_pub) })).toThrow(
      expect.objectContaining({ code: 'bad_signature' }),
    );
  });
});

describe('fxe-v1 vectors: webhook', () => {
  it('verifies and reproduces the reference signature', () => {
    const w = vectors.webhook;
    const body = b64uDecode(w.body_b64u);
    expect(webhookSignatureHeader({ secrets: [utf8Encode(w.secret)], timestamp: w.timestamp, body })).toBe(w.x_fxe_signature);
    expect(() =>
      verifyWebhookSignature({ signatureHeader: w.x_fxe_signature, timestampHeader: w.timestamp, body, secrets: [utf8Encode(w.secret)], nowSeconds: Number(w.timestamp) + 10 }),
    ).not.toThrow();
  });
});

describe('fxe-v1 vectors: canonical JSON', () => {
  vectors.canonical_json.forEach((c, i) => {
    it(`case ${i}: ${c.value_python_repr.slice(0, 60)}`, () => {
      const value = parseJsonLossless(c.json);
      expect(metadataForm(value)).toBe(c.metadata_form);
      expect(signingForm(value)).toBe(c.signing_form);
      expect(metadataSha256Hex(value)).toBe(c.metadata_sha256);
    });
  });
});
