/**
 * The CLI's stand-in for the OS keychain. The CLI runs the desk's own services (vault, inbox
 * database, trust store, outbox, receive pipeline) in a state folder, with no keychain: the
 * vault key is derived from the keys.zip the run was given. The state folder is then exactly
 * as protected as the keys.zip beside it, it opens again on the next run with the same
 * keys.zip, and nothing secret is written anywhere in plaintext.
 */
import { hkdfSync } from 'node:crypto';
import type { OrgKeys } from '../../../shared/protocol/index.ts';
import type { Keychain } from '../keychain/keychain.ts';

const INFO = 'fxe-desk-cli-state-vault-v1';

/** A keychain whose only entry, the vault key, comes from the org's request-signing seed. */
export function keysZipKeychain(keys: OrgKeys): Keychain {
  // The signing seed, not the bundle seed: bundles rotate, the org's API identity does not.
  const vaultKey = Buffer.from(hkdfSync('sha256', keys.signingSeed, keys.credentials.org_id, INFO, 32)).toString('base64');
  return {
    async get() { return vaultKey; },
    // The vault only writes its key when get() found none, which never happens here.
    async set() { /* derived, never stored */ },
    async delete() { return false; },
  };
}
