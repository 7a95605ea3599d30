// Bundle signatures on the send and receive path are checked with the process's native Ed25519
// when it has one (noble's ~3 ms per bundle was a fixed cost of every fax): same verdicts as
// noble, for a good signature, a forged one and a bundle altered after signing.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asOrgId } from '../../shared/domain/ids.ts';
import type { BundleView, LookupResponse } from '../../shared/fxe-api/types.ts';
import { b64uEncode, ed25519PublicKey, signBundle, type CryptoBackend } from '../../shared/protocol/index.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import { keysFromBundle, keysFromLookup } from '../../electron/services/trust/observed-keys.ts';
import { DeskError } from '../../electron/services/errors.ts';

const orgSeed = randomBytes(32);
const orgPub = b64uEncode(ed25519PublicKey(orgSeed));

function bundle(id: string): BundleView {
  const keys = { bundle_id: id, ed25519_pub: b64uEncode(randomBytes(32)), ml_kem_pub: b64uEncode(randomBytes(1184)), x25519_pub: b64uEncode(randomBytes(32)) };
  return { ...keys, org_id: 'org_peer', bundle_sig: signBundle(keys, orgSeed), org_signing_pub: orgPub, status: 'active', created_at: 1, retired_at: null };
}

/** The node backend, counting its Ed25519 verifications. */
function countingBackend(): { backend: CryptoBackend; verifications: () => number } {
  const node = createNodeBackend();
  let n = 0;
  const verify = node.ed25519Verify!.bind(node);
  return { backend: { ...node, ed25519Verify: (pub, msg, sig) => { n++; return verify(pub, msg, sig); } }, verifications: () => n };
}

const bad = (detail: string): DeskError => new DeskError('test.bad_keys', 'bad keys', { detail });
const outcome = (f: () => unknown): string => { try { f(); return 'ok'; } catch (e) { return e instanceof DeskError ? `${e.code}: ${e.detail ?? ''}` : String(e); } };

describe('bundle signatures through the native Ed25519', () => {
  it('a lookup and a fetched bundle verify natively, with the same verdicts as noble', () => {
    const { backend, verifications } = countingBackend();
    const good = bundle('b_1');
    const lookup: LookupResponse = { org_id: 'org_peer', bundles: [good, bundle('b_2')], fax_number: '+15550001', org_name: 'Peer', org_signing_pub: orgPub };
    expect(keysFromLookup(lookup, bad, backend)).toEqual(keysFromLookup(lookup, bad));
    expect(verifications()).toBe(2);
    expect(keysFromBundle(asOrgId('org_peer'), good, bad, backend)).toEqual(keysFromBundle(asOrgId('org_peer'), good, bad));
    expect(verifications()).toBe(3);

    const forged = { ...good, bundle_sig: signBundle(good, randomBytes(32)) };
    const altered = { ...good, x25519_pub: b64uEncode(randomBytes(32)) };
    for (const wrong of [forged, altered]) {
      const native = outcome(() => keysFromBundle(asOrgId('org_peer'), wrong, bad, backend));
      expect(native).toMatch(/^test\.bad_keys: bundle b_1: /);
      expect(native).toBe(outcome(() => keysFromBundle(asOrgId('org_peer'), wrong, bad)));
      expect(outcome(() => keysFromLookup({ ...lookup, bundles: [wrong] }, bad, backend))).toBe(outcome(() => keysFromLookup({ ...lookup, bundles: [wrong] }, bad)));
    }
    expect(verifications()).toBe(7);
  });
});
