/**
 * How fax bodies are kept in the office database so that every desk holding the org's
 * keys.zip can open them and the database's operator cannot:
 *
 *   keys.zip signing seed ──HKDF(office id)──▶ KEK (never stored; kek_id names it)
 *   KEK ──AES-256-GCM──▶ wraps the office key (random, 32 bytes; several over time)
 *   office key ──AES-256-GCM, AD = blob id──▶ wraps each fax's own key (random, 32 bytes)
 *   fax key ──AES-256-GCM per 1 MiB chunk, AD = blob id + chunk number + last flag──▶ body
 *
 * Beside the bodies, one random **integrity key** (wrapped under the current office key like a
 * fax key, AD = office id + office key id) seals rows whose meaning the operator must not be
 * able to change unnoticed: the trust pins (office-pins.ts), with HMAC-SHA256.
 *
 * The signing seed is the org's long-term secret: a bundle key rotation keeps it, so the
 * office keeps opening after one. Associated data binds every wrapped key and chunk to its
 * place: an operator who swaps two faxes' keys or bodies, reorders or truncates chunks gets a
 * decryption failure, never the wrong fax.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { DeskError } from '../errors.ts';

export const OFFICE_KEY_BYTES = 32;
export const BODY_CHUNK_BYTES = 1024 * 1024;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface Kek {
  kekId: string;
  key: Buffer;
}

/** The key-encryption key of one office for one org secret (the keys.zip's signing seed). */
export function deriveKek(signingSeed: Uint8Array, officeId: string): Kek {
  const key = Buffer.from(hkdfSync('sha256', signingSeed, Buffer.from(`fxe-office:${officeId}`), 'fxe-office-kek-v1', 32));
  const kekId = createHash('sha256').update('fxe-office-kek-id-v1').update(key).digest('hex').slice(0, 32);
  return { kekId, key };
}

function seal(key: Uint8Array, plaintext: Uint8Array, ad: string, nonce: Buffer = randomBytes(NONCE_BYTES)): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(ad));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

function open(key: Uint8Array, sealed: Uint8Array, ad: string, what: string): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw cannotOpen(what, 'too short');
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, NONCE_BYTES));
  d.setAAD(Buffer.from(ad));
  d.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    return Buffer.concat([d.update(buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES)), d.final()]);
  } catch {
    throw cannotOpen(what, 'authentication failed');
  }
}

function cannotOpen(what: string, why: string): DeskError {
  return new DeskError('office.decrypt_failed', 'A fax in the office database could not be opened with this office\'s keys: it was damaged or altered on the server.', { detail: `${what}: ${why}` });
}

export function newOfficeKey(): Buffer {
  return randomBytes(OFFICE_KEY_BYTES);
}

export function wrapOfficeKey(kek: Kek, officeId: string, keyId: string, officeKey: Uint8Array): Buffer {
  return seal(kek.key, officeKey, `fxe-office-key|${officeId}|${keyId}`);
}

export function unwrapOfficeKey(kek: Kek, officeId: string, keyId: string, wrapped: Uint8Array): Buffer {
  return open(kek.key, wrapped, `fxe-office-key|${officeId}|${keyId}`, `office key ${keyId}`);
}

export function wrapBlobKey(officeKey: Uint8Array, blobId: string, blobKey: Uint8Array): Buffer {
  return seal(officeKey, blobKey, `fxe-blob-key|${blobId}`);
}

export function unwrapBlobKey(officeKey: Uint8Array, blobId: string, wrapped: Uint8Array): Buffer {
  return open(officeKey, wrapped, `fxe-blob-key|${blobId}`, `key of ${blobId}`);
}

export function wrapIntegrityKey(officeKey: Uint8Array, officeId: string, officeKeyId: string, key: Uint8Array): Buffer {
  return seal(officeKey, key, `fxe-integrity-key|${officeId}|${officeKeyId}`);
}

export function unwrapIntegrityKey(officeKey: Uint8Array, officeId: string, officeKeyId: string, wrapped: Uint8Array): Buffer {
  return open(officeKey, wrapped, `fxe-integrity-key|${officeId}|${officeKeyId}`, 'the integrity key');
}

/**
 * HMAC-SHA256 under the integrity key over the office id, what kind of record it is and its
 * fields, each length-prefixed (no two different records share an encoding). Hex.
 */
export function integrityMac(key: Uint8Array, officeId: string, kind: string, fields: readonly string[]): string {
  const h = createHmac('sha256', key);
  for (const part of ['fxe-office-integrity-v1', officeId, kind, ...fields]) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    h.update(length).update(bytes);
  }
  return h.digest('hex');
}

/** Constant-time comparison of two hex MACs (a missing one never matches). */
export function macMatches(expected: string, found: string | null | undefined): boolean {
  if (typeof found !== 'string' || found.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(found));
}

/** Chunk n of a body: the key is the blob's own, so a counter nonce never repeats under it. */
function chunkNonce(n: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeUInt32BE(n, NONCE_BYTES - 4);
  return nonce;
}

function chunkAd(blobId: string, n: number, last: boolean): string {
  return `fxe-blob-chunk|${blobId}|${n}|${last ? 'last' : 'more'}`;
}

export function sealChunk(blobKey: Uint8Array, blobId: string, n: number, last: boolean, plaintext: Uint8Array): Buffer {
  return seal(blobKey, plaintext, chunkAd(blobId, n, last), chunkNonce(n));
}

export function openChunk(blobKey: Uint8Array, blobId: string, n: number, last: boolean, sealed: Uint8Array): Buffer {
  const nonce = chunkNonce(n);
  if (sealed.length < NONCE_BYTES || !Buffer.from(sealed.buffer, sealed.byteOffset, NONCE_BYTES).equals(nonce)) throw cannotOpen(`chunk ${n} of ${blobId}`, 'out of place');
  return open(blobKey, sealed, chunkAd(blobId, n, last), `chunk ${n} of ${blobId}`);
}
