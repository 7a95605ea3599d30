/**
 * Encrypted backups of an org's keys.zip, for moving to a new computer or a safe: scrypt
 * stretches the user's passphrase into an AES-256-GCM key. The file is JSON so support staff
 * can see what it is; without the passphrase it reveals nothing but its format.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { DeskError } from '../errors.ts';

export const BACKUP_FORMAT = 'fxe-desk-keys-backup-v1';
const SCRYPT = { N: 1 << 15, r: 8, p: 1 };

interface BackupFile {
  format: string;
  org_id: string;
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

export function encryptBackup(orgId: string, keysZip: Uint8Array, passphrase: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(passphrase.normalize('NFC'), salt, 32, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(`${BACKUP_FORMAT}|${orgId}`));
  const ct = Buffer.concat([c.update(keysZip), c.final(), c.getAuthTag()]);
  key.fill(0);
  const file: BackupFile = {
    format: BACKUP_FORMAT, org_id: orgId, kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
    nonce: nonce.toString('base64'), ciphertext: ct.toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function decryptBackup(text: string, passphrase: string): { orgId: string; keysZip: Uint8Array } {
  let f: BackupFile;
  try {
    f = JSON.parse(text) as BackupFile;
    if (f.format !== BACKUP_FORMAT || f.kdf?.name !== 'scrypt') throw new Error('format');
  } catch {
    throw new DeskError('backup.invalid', 'That file is not an fxe Desk key backup.', { detail: 'bad format' });
  }
  const key = scryptSync(passphrase.normalize('NFC'), Buffer.from(f.kdf.salt, 'base64'), 32, { N: f.kdf.N, r: f.kdf.r, p: f.kdf.p, maxmem: 256 * 1024 * 1024 });
  try {
    const ct = Buffer.from(f.ciphertext, 'base64');
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(f.nonce, 'base64'));
    d.setAAD(Buffer.from(`${BACKUP_FORMAT}|${f.org_id}`));
    d.setAuthTag(ct.subarray(ct.length - 16));
    return { orgId: f.org_id, keysZip: new Uint8Array(Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()])) };
  } catch {
    throw new DeskError('backup.wrong_passphrase', 'The passphrase does not open this backup.', { detail: 'GCM authentication failed' });
  } finally {
    key.fill(0);
  }
}
