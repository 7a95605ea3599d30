/**
 * Shared fixtures for the protocol tests: the known-answer vectors produced by the reference
 * Python client (../shared/vectors/fxe-v1.json, beside the checkout), decoded org keys, and
 * the crypto backends every seal/open suite runs against.
 */
import { readFileSync } from 'node:fs';
import { b64uDecode, nobleBackend, readKeysZip } from '../../shared/protocol/index.ts';
import type { CryptoBackend, OrgKeys, PublicBundle, RecipientKemKeys } from '../../shared/protocol/index.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';

export interface VectorOrg {
  creds: { relay: string; org_id: string; key_id: string; bundle_id: string };
  keys_zip_b64u: string;
  public_bundle: PublicBundle & { ed25519_pub: string };
  signing_pub: string;
}

export interface Vectors {
  orgs: Record<'alice' | 'bob' | 'bob_rotated', VectorOrg>;
  envelope: { sender: string; recipients: string[]; plaintext_b64u: string; envelope: Record<string, unknown>; ciphertext_b64u: string; aad_b64u: string };
  requests: { signer: string; clock: number; nonce_bytes_b64u: string; cases: { method: string; path: string; body_b64u: string; url: string; authorization: string }[] };
  receipt: { signer: string; clock: number; receipt: { message_id: string; ciphertext_sha256: string; recipient_bundle_id: string; signed_at: number; recipient_sig: string } };
  webhook: { secret: string; timestamp: string; body_b64u: string; x_fxe_signature: string };
  canonical_json: { value_python_repr: string; json: string; metadata_form: string; signing_form: string; metadata_sha256: string }[];
}

export const vectorsUrl = new URL('../../../shared/vectors/fxe-v1.json', import.meta.url);
/** The raw JSON text (so tests can parse it losslessly). */
export const vectorsText = readFileSync(vectorsUrl, 'utf8');
export const vectors = JSON.parse(vectorsText) as Vectors;

export type OrgName = keyof Vectors['orgs'];

const keyCache = new Map<OrgName, Promise<OrgKeys>>();
export function orgKeys(name: OrgName): Promise<OrgKeys> {
  let p = keyCache.get(name);
  if (!p) {
    p = readKeysZip(b64uDecode(vectors.orgs[name].keys_zip_b64u));
    keyCache.set(name, p);
  }
  return p;
}

export function recipientOf(keys: OrgKeys): RecipientKemKeys {
  return {
    bundleId: keys.credentials.bundle_id,
    mlkemSecret: keys.mlkemSecret,
    mlkemPublic: keys.mlkemPublic,
    x25519Secret: keys.x25519Secret,
    x25519Public: keys.x25519Public,
  };
}

export const alicePub = (): Uint8Array => b64uDecode(vectors.orgs.alice.public_bundle.ed25519_pub);

/**
 * Every backend the seal/open suites are parametrised over: noble; node with the overlapped
 * (worker) path forced on even for small bodies; node as it runs by default (native Ed25519,
 * X25519 and ML-KEM too); node with the cipher falling back to noble (as on an Electron
 * without chacha20-poly1305); node with noble's small primitives (as without ML-KEM).
 */
export function allBackends(): { label: string; backend: CryptoBackend }[] {
  return [
    { label: 'noble', backend: nobleBackend },
    { label: 'node (overlapped)', backend: createNodeBackend({ overlapThresholdBytes: 0, chunkBytes: 64 }) },
    { label: 'node (default)', backend: createNodeBackend() },
    { label: 'node (no native chacha)', backend: createNodeBackend({ disableNativeChacha: true }) },
    { label: 'node (noble asymmetric)', backend: createNodeBackend({ disableNativeAsymmetric: true }) },
  ];
}
