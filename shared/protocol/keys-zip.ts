/**
 * keys.zip: the org's private keys and API credentials, as the relay hands them out once
 * after an invite is redeemed (and as we write them when we generate keys ourselves).
 *   credentials.json            {relay, org_id, key_id, bundle_id, …extra fields tolerated}
 *   keys/signing.ed25519.key    32-byte Ed25519 seed: signs API requests (FXE1)
 *   keys/bundle.ed25519.key     32-byte Ed25519 seed: signs envelopes and receipts
 *   keys/kem.mlkem768.key       2400-byte FIPS 203 decapsulation key (liboqs layout)
 *   keys/kem.mlkem768.pub       1184-byte ML-KEM-768 public key
 *   keys/kem.x25519.key / .pub  32 bytes each
 * A broken keys.zip must fail loudly at import, naming the entry, not months later as a fax
 * nobody can open: so every key is checked against its public half.
 */
import JSZip from 'jszip';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { b64uEncode, constantTimeEqual, utf8Decode, utf8Encode } from './encoding.ts';
import { isJsonObject, parseJsonLossless, pythonDumps, pythonStringLiteral } from './canonical-json.ts';
import type { JsonValue } from './canonical-json.ts';
import { ProtocolError } from './errors.ts';
import { ed25519PublicKey } from './ed25519-domain.ts';
import { MLKEM768_PUBLIC_LENGTH, MLKEM768_SECRET_LENGTH, X25519_KEY_LENGTH } from './wrap.ts';
import type { PublicBundle } from './envelope.ts';
import { crc32, readCentralDirectory, unsafeNameReason } from './zip-inspect.ts';
import type { RawZipEntry } from './zip-inspect.ts';

export interface OrgCredentials {
  relay: string;
  org_id: string;
  key_id: string;
  bundle_id: string;
  [extra: string]: JsonValue;
}

export interface OrgKeys {
  credentials: OrgCredentials;
  /** keys/signing.ed25519.key, 32 */
  signingSeed: Uint8Array;
  /** keys/bundle.ed25519.key, 32 */
  bundleSeed: Uint8Array;
  /** keys/kem.mlkem768.key, 2400 */
  mlkemSecret: Uint8Array;
  /** keys/kem.mlkem768.pub, 1184 */
  mlkemPublic: Uint8Array;
  /** keys/kem.x25519.key, 32 */
  x25519Secret: Uint8Array;
  /** keys/kem.x25519.pub, 32 */
  x25519Public: Uint8Array;
}

export const KEYS_ZIP_ENTRIES = {
  credentials: 'credentials.json',
  signingSeed: 'keys/signing.ed25519.key',
  bundleSeed: 'keys/bundle.ed25519.key',
  mlkemSecret: 'keys/kem.mlkem768.key',
  mlkemPublic: 'keys/kem.mlkem768.pub',
  x25519Secret: 'keys/kem.x25519.key',
  x25519Public: 'keys/kem.x25519.pub',
} as const;

const KEY_SIZES: Record<Exclude<keyof typeof KEYS_ZIP_ENTRIES, 'credentials'>, number> = {
  signingSeed: 32,
  bundleSeed: 32,
  mlkemSecret: MLKEM768_SECRET_LENGTH,
  mlkemPublic: MLKEM768_PUBLIC_LENGTH,
  x25519Secret: X25519_KEY_LENGTH,
  x25519Public: X25519_KEY_LENGTH,
};

/** A keys.zip is ~5 KB; anything near these caps is not one. Checked before inflating. */
export const KEYS_ZIP_MAX_BYTES = 1024 * 1024;
export const KEYS_ZIP_MAX_UNCOMPRESSED = 1024 * 1024;
const CREDENTIALS_MAX_BYTES = 64 * 1024;
const MAX_ENTRIES = 16;
/** Directory records some zip tools add; harmless, so tolerated. */
const TOLERATED_DIRECTORIES = new Set(['keys/']);

const invalid = (sentence: string, entry = 'keys.zip', cause?: unknown): ProtocolError =>
  new ProtocolError('keys_zip_invalid', sentence, entry, cause === undefined ? undefined : { cause });

/** jszip's internal stream (untyped in its .d.ts): lets us stop inflating at a byte cap. */
interface JsZipInternalStream {
  on(event: 'data', fn: (chunk: Uint8Array) => void): JsZipInternalStream;
  on(event: 'error', fn: (e: unknown) => void): JsZipInternalStream;
  on(event: 'end', fn: () => void): JsZipInternalStream;
  resume(): JsZipInternalStream;
  pause(): JsZipInternalStream;
}

function readEntryCapped(file: JSZip.JSZipObject, cap: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const stream = (file as unknown as { internalStream(type: 'uint8array'): JsZipInternalStream }).internalStream('uint8array');
    const chunks: Uint8Array[] = [];
    let total = 0;
    let done = false;
    stream
      .on('data', (chunk) => {
        if (done) return;
        total += chunk.length;
        if (total > cap) {
          done = true;
          stream.pause();
          reject(invalid(`${file.name} expands to more than its declared size: the archive is not a keys.zip.`, file.name));
          return;
        }
        chunks.push(chunk);
      })
      .on('error', (e) => {
        if (done) return;
        done = true;
        reject(invalid(`${file.name} could not be read: the archive is damaged.`, file.name, e));
      })
      .on('end', () => {
        if (done) return;
        done = true;
        const out = new Uint8Array(total);
        let at = 0;
        for (const c of chunks) {
          out.set(c, at);
          at += c.length;
          c.fill(0);
        }
        resolve(out);
      })
      .resume();
  });
}

function checkStructure(zip: Uint8Array): Map<string, RawZipEntry> {
  if (!(zip instanceof Uint8Array)) throw invalid('The keys file is not binary data.');
  if (zip.length > KEYS_ZIP_MAX_BYTES) throw invalid('The file is far too large to be a keys.zip.');
  const entries = readCentralDirectory(zip, MAX_ENTRIES);
  const expected = new Set<string>(Object.values(KEYS_ZIP_ENTRIES));
  const declared = new Map<string, RawZipEntry>();
  let total = 0;
  for (const entry of entries) {
    const reason = unsafeNameReason(entry.name);
    if (reason) throw invalid(`The archive entry "${entry.name.slice(0, 80)}" ${reason}.`, entry.name);
    if (declared.has(entry.name)) throw invalid(`${entry.name} appears twice in the archive.`, entry.name);
    declared.set(entry.name, entry);
    if (TOLERATED_DIRECTORIES.has(entry.name) && entry.uncompressedSize === 0) continue;
    if (!expected.has(entry.name)) throw invalid(`${entry.name} does not belong in a keys.zip.`, entry.name);
    if (entry.flags & 1) throw invalid(`${entry.name} is encrypted; keys.zip entries must not be.`, entry.name);
    if (entry.method !== 0 && entry.method !== 8) throw invalid(`${entry.name} uses an unsupported compression method.`, entry.name);
    total += entry.uncompressedSize;
    if (entry.uncompressedSize > KEYS_ZIP_MAX_UNCOMPRESSED || total > KEYS_ZIP_MAX_UNCOMPRESSED) {
      throw invalid(`${entry.name} would expand past the 1 MiB a keys.zip may take.`, entry.name);
    }
  }
  for (const name of expected) {
    if (!declared.has(name)) throw invalid(`${name} is missing from the archive.`, name);
  }
  for (const [field, size] of Object.entries(KEY_SIZES) as [keyof typeof KEY_SIZES, number][]) {
    const name = KEYS_ZIP_ENTRIES[field];
    const actual = declared.get(name)!.uncompressedSize;
    if (actual !== size) throw invalid(`${name} is ${actual} bytes; it must be ${size}.`, name);
  }
  if (declared.get(KEYS_ZIP_ENTRIES.credentials)!.uncompressedSize > CREDENTIALS_MAX_BYTES) {
    throw invalid('credentials.json is too large.', KEYS_ZIP_ENTRIES.credentials);
  }
  return declared;
}

function parseCredentials(bytes: Uint8Array): OrgCredentials {
  const name = KEYS_ZIP_ENTRIES.credentials;
  let value: JsonValue;
  try {
    value = parseJsonLossless(utf8Decode(bytes).replace(/^\ufeff/, ''));
  } catch (cause) {
    throw invalid('credentials.json is not valid JSON.', name, cause);
  }
  if (!isJsonObject(value)) throw invalid('credentials.json must hold a JSON object.', name);
  for (const key of ['relay', 'org_id', 'key_id', 'bundle_id']) {
    const v = value[key];
    if (v === undefined) throw invalid(`credentials.json has no "${key}".`, name);
    if (typeof v !== 'string' || v.length === 0) throw invalid(`credentials.json: "${key}" must be non-empty text.`, name);
  }
  const relay = value['relay'] as string;
  if (!/^https?:\/\/[^\s/]+/.test(relay)) throw invalid('credentials.json: "relay" must be an http(s) address.', name);
  return value as OrgCredentials;
}

/** FIPS 203: dk = dk_pke(1152) ‖ ek(1184) ‖ H(ek)(32) ‖ z(32); ek and H(ek) must agree. */
function checkMlkemPair(secret: Uint8Array, pub: Uint8Array): void {
  const embedded = secret.subarray(1152, 1152 + MLKEM768_PUBLIC_LENGTH);
  if (!constantTimeEqual(embedded, pub)) {
    throw invalid(`${KEYS_ZIP_ENTRIES.mlkemPublic} does not match the public key inside ${KEYS_ZIP_ENTRIES.mlkemSecret}.`, KEYS_ZIP_ENTRIES.mlkemPublic);
  }
  const storedHash = secret.subarray(1152 + MLKEM768_PUBLIC_LENGTH, 1152 + MLKEM768_PUBLIC_LENGTH + 32);
  if (!constantTimeEqual(sha3_256(embedded), storedHash)) {
    throw invalid(`${KEYS_ZIP_ENTRIES.mlkemSecret} is damaged: its public-key hash does not match.`, KEYS_ZIP_ENTRIES.mlkemSecret);
  }
}

/** What readKeysZip may use instead of noble: a native X25519 (the node backend's). */
export interface KeysZipCrypto {
  x25519PublicKey?(secret: Uint8Array): Uint8Array;
}

function checkX25519Pair(secret: Uint8Array, pub: Uint8Array, crypto: KeysZipCrypto = {}): void {
  const derived = crypto.x25519PublicKey ? crypto.x25519PublicKey(secret) : x25519.getPublicKey(secret);
  if (!constantTimeEqual(derived, pub)) {
    throw invalid(`${KEYS_ZIP_ENTRIES.x25519Public} does not match ${KEYS_ZIP_ENTRIES.x25519Secret}.`, KEYS_ZIP_ENTRIES.x25519Public);
  }
}

/**
 * Reads and fully validates a keys.zip. Errors are ProtocolError('keys_zip_invalid') naming the
 * entry. `crypto`: a native X25519 for the key-pair check (noble's first use builds its tables,
 * ~50 ms of every CLI run).
 */
export async function readKeysZip(zip: Uint8Array, crypto: KeysZipCrypto = {}): Promise<OrgKeys> {
  const declared = checkStructure(zip);
  // The caller's buffer stays the caller's (noble's rule): jszip works on our own copy, so
  // the chunks we wipe below (stored entries are views into the archive) are never theirs.
  // (new Uint8Array(view) copies; Buffer#slice would not.)
  const ownCopy = new Uint8Array(zip);
  try {
    return await readValidatedKeys(ownCopy, declared, crypto);
  } finally {
    ownCopy.fill(0);
  }
}

async function readValidatedKeys(zip: Uint8Array, declared: Map<string, RawZipEntry>, crypto: KeysZipCrypto): Promise<OrgKeys> {
  let archive: JSZip;
  try {
    // checkCRC32 would make jszip inflate every entry up front, bombs included: we check
    // sizes while streaming and the CRC ourselves instead.
    archive = await JSZip.loadAsync(zip, { checkCRC32: false, createFolders: false });
  } catch (cause) {
    throw invalid('The file is not a readable zip archive.', 'keys.zip', cause);
  }
  const read = async (name: string): Promise<Uint8Array> => {
    const file = archive.file(name);
    if (!file) throw invalid(`${name} is missing from the archive.`, name);
    const entry = declared.get(name)!;
    const bytes = await readEntryCapped(file, entry.uncompressedSize);
    if (bytes.length !== entry.uncompressedSize) throw invalid(`${name} is not the size the archive says: the archive is damaged.`, name);
    if (crc32(bytes) !== entry.crc32) {
      bytes.fill(0);
      throw invalid(`${name} is damaged (its checksum does not match).`, name);
    }
    return bytes;
  };
  const credentials = parseCredentials(await read(KEYS_ZIP_ENTRIES.credentials));
  const keys: OrgKeys = {
    credentials,
    signingSeed: await read(KEYS_ZIP_ENTRIES.signingSeed),
    bundleSeed: await read(KEYS_ZIP_ENTRIES.bundleSeed),
    mlkemSecret: await read(KEYS_ZIP_ENTRIES.mlkemSecret),
    mlkemPublic: await read(KEYS_ZIP_ENTRIES.mlkemPublic),
    x25519Secret: await read(KEYS_ZIP_ENTRIES.x25519Secret),
    x25519Public: await read(KEYS_ZIP_ENTRIES.x25519Public),
  };
  try {
    checkMlkemPair(keys.mlkemSecret, keys.mlkemPublic);
    checkX25519Pair(keys.x25519Secret, keys.x25519Public, crypto);
  } catch (e) {
    wipeOrgKeys(keys);
    throw e;
  }
  return keys;
}

/** credentials.json the way the reference writes it: json.dumps(creds, indent=2). */
function credentialsJson(credentials: OrgCredentials): string {
  const lines = Object.keys(credentials)
    .filter((k) => credentials[k] !== undefined)
    .map((k) => `  ${pythonStringLiteral(k)}: ${pythonDumps(credentials[k]!, { sortKeys: false, compact: false })}`);
  return lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n}`;
}

/** Writes a keys.zip (stored, no folders, reference entry order). Validates the keys first. */
export async function writeKeysZip(keys: OrgKeys): Promise<Uint8Array> {
  for (const [field, size] of Object.entries(KEY_SIZES) as [keyof typeof KEY_SIZES, number][]) {
    if (keys[field].length !== size) throw invalid(`${KEYS_ZIP_ENTRIES[field]} must be ${size} bytes.`, KEYS_ZIP_ENTRIES[field]);
  }
  checkMlkemPair(keys.mlkemSecret, keys.mlkemPublic);
  checkX25519Pair(keys.x25519Secret, keys.x25519Public);
  parseCredentials(utf8Encode(credentialsJson(keys.credentials)));
  const zip = new JSZip();
  const opts = { createFolders: false, binary: true, compression: 'STORE' as const };
  zip.file(KEYS_ZIP_ENTRIES.credentials, utf8Encode(credentialsJson(keys.credentials)), opts);
  for (const field of Object.keys(KEY_SIZES) as (keyof typeof KEY_SIZES)[]) {
    zip.file(KEYS_ZIP_ENTRIES[field], keys[field], opts);
  }
  return zip.generateAsync({ type: 'uint8array', compression: 'STORE' });
}

/** Fresh keys for a new org or a key rotation. `random` is injectable for tests. */
export function generateKeyMaterial(random: (n: number) => Uint8Array = randomBytes): Omit<OrgKeys, 'credentials'> {
  const kemSeed = random(64);
  try {
    const { publicKey, secretKey } = ml_kem768.keygen(kemSeed);
    const x25519Secret = random(32);
    return {
      signingSeed: random(32),
      bundleSeed: random(32),
      mlkemSecret: secretKey,
      mlkemPublic: publicKey,
      x25519Secret,
      x25519Public: x25519.getPublicKey(x25519Secret),
    };
  } finally {
    kemSeed.fill(0);
  }
}

/** The public bundle to publish for these keys (bundle_id from the credentials). */
export function publicBundleOf(keys: Pick<OrgKeys, 'bundleSeed' | 'mlkemPublic' | 'x25519Public'> & { credentials: Pick<OrgCredentials, 'bundle_id'> }): PublicBundle {
  return {
    bundle_id: keys.credentials.bundle_id,
    ml_kem_pub: b64uEncode(keys.mlkemPublic),
    x25519_pub: b64uEncode(keys.x25519Public),
    ed25519_pub: b64uEncode(ed25519PublicKey(keys.bundleSeed)),
  };
}

/** Ed25519 public key of the org's request-signing seed (what the relay stores for key_id). */
export function signingPublicKeyOf(keys: Pick<OrgKeys, 'signingSeed'>): Uint8Array {
  return ed25519PublicKey(keys.signingSeed);
}

/** Zeroes every secret in an OrgKeys (call when the keys leave memory for good). */
export function wipeOrgKeys(keys: Partial<Pick<OrgKeys, 'signingSeed' | 'bundleSeed' | 'mlkemSecret' | 'x25519Secret'>>): void {
  keys.signingSeed?.fill(0);
  keys.bundleSeed?.fill(0);
  keys.mlkemSecret?.fill(0);
  keys.x25519Secret?.fill(0);
}
