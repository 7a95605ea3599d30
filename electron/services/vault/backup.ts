/**
 * Encrypted backups of an org's keys.zip, for moving to a new computer or a safe: scrypt
 * stretches the user's passphrase into an AES-256-GCM key. The file is JSON so support staff
 * can see what it is; without the passphrase it reveals nothing but its format.
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { DeskError } from '../errors.ts';

export const BACKUP_FORMAT = 'fxe-desk-keys-backup-v1';
/**
 * The only scrypt cost we write, and so the only one we accept: the file is untrusted input,
 * and its own N/r/p could otherwise ask for gigabytes of memory or minutes of work.
 */
const SCRYPT = { N: 1 << 15, r: 8, p: 1 };
const SCRYPT_MAXMEM = 64 * 1024 * 1024;

/** scrypt on libuv's thread pool: 32 MiB and a noticeable fraction of a second, never on the main thread. */
function deriveKey(passphrase: string, salt: Uint8Array): Promise<Buffer> {
  const opts: ScryptOptions = { ...SCRYPT, maxmem: SCRYPT_MAXMEM };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

interface BackupFile {
  format: string;
  org_id: OrgId;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  nonce: string;
  ciphertext: string;
}

export function checkPassphrase(passphrase: string | undefined): string {
  if (!passphrase || passphrase.length < 10) {
    throw new DeskError('backup.weak_passphrase', 'Choose a backup passphrase of at least 10 characters, and keep it somewhere safe: without it the backup cannot be opened.', {
      detail: 'passphrase missing or shorter than 10 characters',
    });
  }
  return passphrase;
}

export async function encryptBackup(orgId: OrgId, keysZip: Uint8Array, passphrase: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await deriveKey(passphrase, salt);
  const nonce = randomBytes(12);
  let ct: Buffer;
  try {
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(Buffer.from(`${BACKUP_FORMAT}|${orgId}`));
    ct = Buffer.concat([c.update(keysZip), c.final(), c.getAuthTag()]);
  } finally {
    key.fill(0);
  }
  const file: BackupFile = {
    format: BACKUP_FORMAT, org_id: orgId, kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
    nonce: nonce.toString('base64'), ciphertext: ct.toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export async function decryptBackup(text: string, passphrase: string): Promise<{ orgId: OrgId; keysZip: Uint8Array }> {
  let f: BackupFile;
  try {
    f = JSON.parse(text) as BackupFile;
    if (f.format !== BACKUP_FORMAT || f.kdf?.name !== 'scrypt') throw new Error('format');
    if (typeof f.org_id !== 'string' || typeof f.kdf.salt !== 'string' || typeof f.nonce !== 'string' || typeof f.ciphertext !== 'string') throw new Error('fields');
  } catch {
    throw new DeskError('backup.invalid', 'That file is not an fxe Desk key backup.', { detail: 'bad format' });
  }
  if (f.kdf.N !== SCRYPT.N || f.kdf.r !== SCRYPT.r || f.kdf.p !== SCRYPT.p) {
    throw new DeskError('backup.unsupported_kdf', 'This backup was not made by fxe Desk (its passphrase protection uses settings fxe Desk does not accept), so it was not opened.', {
      detail: `scrypt N=${String(f.kdf.N)} r=${String(f.kdf.r)} p=${String(f.kdf.p)}; expected N=${SCRYPT.N} r=${SCRYPT.r} p=${SCRYPT.p}`,
    });
  }
  const key = await deriveKey(passphrase, Buffer.from(f.kdf.salt, 'base64'));
  let head: Buffer | null = null;
  let tail: Buffer | null = null;
  try {
    const ct = Buffer.from(f.ciphertext, 'base64');
    if (ct.length < 16) throw new Error('too short');
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(f.nonce, 'base64'));
    d.setAAD(Buffer.from(`${BACKUP_FORMAT}|${f.org_id}`));
    d.setAuthTag(ct.subarray(ct.length - 16));
    head = d.update(ct.subarray(0, ct.length - 16));
    tail = d.final();
    // One copy for the caller (who wipes it); the pieces are wiped below.
    const keysZip = new Uint8Array(head.length + tail.length);
    keysZip.set(head);
    keysZip.set(tail, head.length);
    return { orgId: f.org_id, keysZip };
  } catch {
    throw new DeskError('backup.wrong_passphrase', 'The passphrase does not open this backup.', { detail: 'GCM authentication failed' });
  } finally {
    key.fill(0);
    head?.fill(0);
    tail?.fill(0);
  }
}
