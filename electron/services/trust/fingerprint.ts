/**
 * The one org fingerprint: what is pinned per org, shown in a key-change warning and read out
 * over the phone. With bundle signatures it is the SHA-256 of the org signing key, so a
 * rotation the org signed keeps it. A relay without bundle signatures (the reference relay)
 * leaves only the bundles themselves: then it is the SHA-256 of their sorted fingerprints, the
 * same on send (all of the org's bundles from a lookup) and on receive (the one bundle that
 * signed the envelope) whenever the org has a single bundle.
 */
import { createHash } from 'node:crypto';
import { asFingerprint, type Fingerprint } from '../../../shared/domain/ids.ts';

export type OrgIdentity = { orgSigningPub: Uint8Array } | { bundleFingerprints: readonly string[] };

export function orgFingerprint(identity: OrgIdentity): Fingerprint {
  const h = createHash('sha256');
  if ('orgSigningPub' in identity) h.update(identity.orgSigningPub);
  else h.update([...identity.bundleFingerprints].sort().join('\n'));
  return asFingerprint(h.digest('hex'));
}
