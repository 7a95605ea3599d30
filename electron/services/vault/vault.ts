/**
 * The vault: one random 256-bit key kept in the OS keychain, and every secret the app holds
 * (keys.zip contents, webhook secrets, PSTN credentials, per-file keys of stored faxes)
 * encrypted with it on disk. AES-256-GCM; the record name is bound as associated data, so a
 * record copied over another name fails to open instead of being read as the wrong secret.
 *
 * There is deliberately no fallback: if the keychain cannot be used, opening the vault
 * fails with KeychainUnavailableError and nothing secret is written anywhere.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError } from '../errors.ts';
import type { Keychain } from '../keychain/keychain.ts';
import { writeFileAtomicSync } from '../storage/atomic-file.ts';

export const KEYCHAIN_SERVICE = 'fxe-desk';
const RECORD_MAGIC = Buffer.from('FXV1');
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface Vault {
  readonly dir: string;
  put(name: string, secret: Uint8Array): void;
  get(name: string): Uint8Array | null;
  delete(name: string): void;
  has(name: string): boolean;
  /** Wrap a per-file key so it can sit in the database next to the file's metadata. */
  wrapKey(fileKey: Uint8Array, label: string): Uint8Array;
  unwrapKey(wrapped: Uint8Array, label: string): Uint8Array;
  close(): void;
}

/** Keychain account per data directory: two installs (or test runs) never share a key. */
export function vaultAccountFor(dataDir: string): string {
  const real = existsSync(dataDir) ? realpathSync(dataDir) : dataDir;
  return `vault-key:${createHash('sha256').update(real).digest('hex').slice(0, 24)}`;
}

function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([RECORD_MAGIC, nonce, ct, c.getAuthTag()]);
}

function open(key: Uint8Array, sealed: Uint8Array, aad: string, what: string): Uint8Array {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (buf.length < RECORD_MAGIC.length + NONCE_BYTES + TAG_BYTES || !buf.subarray(0, 4).equals(RECORD_MAGIC)) {
    throw new DeskError('vault.corrupt', 'A protected file of fxe Desk is damaged.', { detail: `${what}: bad header or too short` });
  }
  const nonce = buf.subarray(4, 4 + NONCE_BYTES);
  const tag = buf.subarray(buf.length - TAG_BYTES);
  const ct = buf.subarray(4 + NONCE_BYTES, buf.length - TAG_BYTES);
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([d.update(ct), d.final()]));
  } catch (e) {
    throw new DeskError('vault.corrupt', 'A protected file of fxe Desk is damaged or belongs to another installation.', {
      detail: `${what}: authentication failed`,
      cause: e,
    });
  }
}

function recordFile(dir: string, name: string): string {
  // Hashed file names: record names carry org ids and must not need escaping.
  return join(dir, `${createHash('sha256').update(name).digest('hex').slice(0, 32)}.fxv`);
}

/**
 * Open (or create on first run) the vault under `dataDir/vault`. The keychain is always
 * consulted first, so a missing keychain fails before anything is written.
 */
export async function openVault(dataDir: string, keychain: Keychain): Promise<Vault> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dir = join(dataDir, 'vault');
  const account = vaultAccountFor(dataDir);
  const stored = await keychain.get(KEYCHAIN_SERVICE, account);
  let key: Uint8Array;
  if (stored !== null) {
    key = new Uint8Array(Buffer.from(stored, 'base64'));
    if (key.length !== KEY_BYTES) throw new DeskError('vault.key_invalid', 'The fxe Desk key in your keychain is damaged.', { detail: `length ${key.length}` });
  } else {
    const hasRecords = existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.fxv'));
    if (hasRecords) {
      throw new DeskError(
        'vault.key_missing',
        "fxe Desk's key is missing from your keychain, so the saved fax keys cannot be opened. Restore the keychain, or remove the organisation and import its keys.zip again.",
        { detail: `no keychain entry ${KEYCHAIN_SERVICE}/${account} but ${dir} holds records` },
      );
    }
    key = new Uint8Array(randomBytes(KEY_BYTES));
    await keychain.set(KEYCHAIN_SERVICE, account, Buffer.from(key).toString('base64'));
    // Read it back: a keychain that accepts writes but loses them must fail now, not after
    // secrets were encrypted under a key nobody can recover.
    const check = await keychain.get(KEYCHAIN_SERVICE, account);
    if (check !== Buffer.from(key).toString('base64')) {
      throw new DeskError('keychain.unavailable', "fxe Desk could not save its key in this computer's keychain. Unlock the keychain and restart fxe Desk.", {
        detail: 'keychain read-back mismatch',
      });
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let closed = false;
  const live = (): Uint8Array => {
    if (closed) throw new DeskError('vault.closed', 'fxe Desk is shutting down.', { detail: 'vault used after close' });
    return key;
  };
  return {
    dir,
    put(name, secret) { writeFileAtomicSync(recordFile(dir, name), seal(live(), secret, `fxe-desk-vault-v1|record|${name}`)); },
    get(name) {
      const file = recordFile(dir, name);
      if (!existsSync(file)) return null;
      return open(live(), readFileSync(file), `fxe-desk-vault-v1|record|${name}`, name);
    },
    has(name) { return existsSync(recordFile(dir, name)); },
    delete(name) { try { unlinkSync(recordFile(dir, name)); } catch { /* already gone */ } },
    wrapKey(fileKey, label) { return seal(live(), fileKey, `fxe-desk-vault-v1|filekey|${label}`); },
    unwrapKey(wrapped, label) { return open(live(), wrapped, `fxe-desk-vault-v1|filekey|${label}`, `file key ${label}`); },
    close() { closed = true; key.fill(0); },
  };
}
