/**
 * The envelope: the signed, public half of a message (who, to whom, which ciphertext, which
 * metadata, and the CEK wrapped for each recipient bundle). The relay stores it next to the
 * opaque ciphertext and can check numbers and sizes without ever seeing the fax.
 *
 * Open order (each failure its own code): suite → field shapes → sender signature → size and
 * ciphertext_sha256 → our wrapped key → unwrap → decrypt. When a backend hashes while it
 * decrypts, failures are still ranked in that order, so the code a caller sees never depends
 * on the backend; plaintext is only released after every check passed.
 */
import type { MessageId } from '../domain/ids.ts';
import { randomBytes } from '@noble/hashes/utils.js';
import { b64uDecode, b64uEncode, concatBytes, hexDecode, hexEncode, utf8Encode } from './encoding.ts';
import { JsonNumber, isJsonObject, metadataSha256, parseJsonLossless, pythonDumps, signingForm } from './canonical-json.ts';
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { ProtocolError } from './errors.ts';
import type { CryptoBackend } from './crypto-backend.ts';
import { nobleBackend } from './crypto-backend.ts';
import { BODY_NONCE_LENGTH, CEK_LENGTH, hashAndOpenBody, sameHash, sealBody } from './body-cipher.ts';
import { DOMAIN_ENVELOPE, signWithDomain, verifyWithDomain } from './ed25519-domain.ts';
import { decodeWrappedKey, unwrapCek, wrapCek } from './wrap.ts';
import type { RecipientKemKeys, WrappedKey } from './wrap.ts';

export type { WrappedKey, RecipientKemKeys } from './wrap.ts';

export const SUITE = 'fxe-v1-mlkem768-x25519-xchacha20';

/** A recipient's public key bundle as the relay's lookup returns it (binary fields b64u). */
export interface PublicBundle {
  bundle_id: string;
  ml_kem_pub: string;
  x25519_pub: string;
  ed25519_pub?: string;
  [k: string]: JsonValue | undefined;
}

/** Field order as the reference client writes it. */
export interface Envelope {
  message_id: string;
  suite: string;
  sender_org_id: string;
  sender_key_bundle_id: string;
  recipient_org_id: string;
  from_number: string;
  from_name: string | null;
  to_number: string;
  size: number;
  ciphertext_sha256: string;
  metadata: JsonObject;
  created_at: number | JsonNumber;
  sender_sig: string;
  wrapped_keys: WrappedKey[];
}

const AAD_PREFIX = utf8Encode('fxe-v1-aad');
const PIPE = utf8Encode('|');

/** AAD = "fxe-v1-aad|" message_id "|" sender_org_id "|" recipient_org_id "|" sha256(metadata_form) (raw). */
export function envelopeAad(messageId: string, senderOrgId: string, recipientOrgId: string, metadata: JsonObject, backend: CryptoBackend = nobleBackend): Uint8Array {
  return concatBytes(AAD_PREFIX, PIPE, utf8Encode(messageId), PIPE, utf8Encode(senderOrgId), PIPE, utf8Encode(recipientOrgId), PIPE, metadataSha256(metadata, backend));
}

/** The exact bytes the sender signs (after the 0x0f "fxe-v1-envelope" tag). */
export function envelopeSigningPayload(e: Omit<Envelope, 'sender_sig' | 'wrapped_keys' | 'size'>, backend: CryptoBackend = nobleBackend): Uint8Array {
  return utf8Encode(
    signingForm({
      message_id: e.message_id,
      suite: e.suite,
      sender_org_id: e.sender_org_id,
      sender_key_bundle_id: e.sender_key_bundle_id,
      recipient_org_id: e.recipient_org_id,
      from_number: e.from_number,
      from_name: e.from_name,
      to_number: e.to_number,
      ciphertext_sha256: e.ciphertext_sha256,
      metadata_sha256: hexEncode(metadataSha256(e.metadata, backend)),
      created_at: e.created_at,
    }),
  );
}

/**
 * What a message id looks like on the wire: a UUID as Python's `str(uuid.uuid4())` prints it
 * (lowercase hex, four dashes). The relay refuses anything else on upload, so an id of another
 * shape in a relay's answer is a lie; it also keeps ids safe to use as file names.
 */
export const MESSAGE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isMessageId(value: unknown): value is MessageId {
  return typeof value === 'string' && MESSAGE_ID_PATTERN.test(value);
}

/** A random RFC 4122 version-4 UUID, as Python's `str(uuid.uuid4())`. */
export function uuid4(random: (n: number) => Uint8Array = randomBytes): string {
  const b = random(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hexEncode(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface SealParams {
  plaintext: Uint8Array;
  senderOrgId: string;
  senderBundleId: string;
  senderBundleSeed: Uint8Array;
  recipientOrgId: string;
  recipientBundles: PublicBundle[];
  fromNumber: string;
  fromName: string | null;
  toNumber: string;
  metadata: JsonObject;
  /** Unix seconds; floored like Python's int(time.time()). */
  createdAt: number;
  messageId?: string;
  backend?: CryptoBackend;
  random?: (n: number) => Uint8Array;
}

/**
 * Encrypts the body for one CEK / nonce / AAD and reports what the envelope needs. Lets the
 * outbox stream a file to a file (electron/services/crypto/stream-seal.ts) while the envelope
 * rules stay here.
 */
export type BodySealer = (cek: Uint8Array, nonce24: Uint8Array, aad: Uint8Array) => Promise<{ sha256: Uint8Array; size: number }>;

/** sealEnvelope without the in-memory body: `sealBody` produces the wire ciphertext wherever it likes. */
export async function sealEnvelopeWith(p: Omit<SealParams, 'plaintext'> & { sealBody: BodySealer }): Promise<Envelope> {
  const backend = p.backend ?? nobleBackend;
  const random = p.random ?? randomBytes;
  if (p.recipientBundles.length === 0) throw new ProtocolError('malformed', 'The recipient has no encryption keys on fxe.', 'bundles');
  // Decode the bundles before any work, so a broken bundle fails fast and names itself.
  const bundles = p.recipientBundles.map((bundle, i) => ({
    bundleId: bundle.bundle_id,
    mlkemPublic: b64uDecode(bundle.ml_kem_pub, `bundles[${i}].ml_kem_pub`),
    x25519Public: b64uDecode(bundle.x25519_pub, `bundles[${i}].x25519_pub`),
  }));
  const messageId = p.messageId ?? uuid4(random);
  const aad = envelopeAad(messageId, p.senderOrgId, p.recipientOrgId, p.metadata, backend);
  const cek = random(CEK_LENGTH);
  const nonce24 = random(BODY_NONCE_LENGTH);
  try {
    // The body goes first and the wraps run at its first real wait (typically while the
    // backend's worker hashes the last chunk), so the fixed cost of a seal overlaps the body
    // instead of adding to it. Whatever fails, the body has settled before this function
    // returns or throws, so a caller never cleans up under a body sealer still writing.
    const bodyPromise = p.sealBody(cek, nonce24, aad);
    bodyPromise.catch(() => undefined); // handled below; without this a fast failure would count as unhandled
    let wrappedKeys: WrappedKey[];
    try {
      wrappedKeys = await atNextTask(() => bundles.map((b) => wrapCek({ cek, aad, ...b, random: p.random, backend })));
    } catch (e) {
      await bodyPromise.catch(() => undefined);
      throw e;
    }
    const body = await bodyPromise;
    const signed = {
      message_id: messageId,
      suite: SUITE,
      sender_org_id: p.senderOrgId,
      sender_key_bundle_id: p.senderBundleId,
      recipient_org_id: p.recipientOrgId,
      from_number: p.fromNumber,
      from_name: p.fromName,
      to_number: p.toNumber,
      ciphertext_sha256: hexEncode(body.sha256),
      metadata: p.metadata,
      created_at: Math.floor(p.createdAt),
    };
    const signature = signWithDomain(p.senderBundleSeed, DOMAIN_ENVELOPE, envelopeSigningPayload(signed, backend), backend);
    return {
      message_id: signed.message_id,
      suite: signed.suite,
      sender_org_id: signed.sender_org_id,
      sender_key_bundle_id: signed.sender_key_bundle_id,
      recipient_org_id: signed.recipient_org_id,
      from_number: signed.from_number,
      from_name: signed.from_name,
      to_number: signed.to_number,
      size: body.size,
      ciphertext_sha256: signed.ciphertext_sha256,
      metadata: signed.metadata,
      created_at: signed.created_at,
      sender_sig: b64uEncode(signature),
      wrapped_keys: wrappedKeys,
    };
  } finally {
    cek.fill(0);
  }
}

/**
 * Node's and Electron's setImmediate, where there is one. A MessagePort's onmessage made Node
 * build a MessageEvent, which loads its fetch implementation (undici) the first time: ~0.1 s
 * of a CLI run's first seal.
 */
const setImmediateIfAny = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/**
 * Runs `work` in a new task (after pending microtasks, so after an async body sealer reached
 * its first real wait): setImmediate, or a MessageChannel where there is none (browsers);
 * unlike setTimeout(0), neither is clamped to 1 ms.
 */
function atNextTask<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const run = (): void => {
      try {
        resolve(work());
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    if (setImmediateIfAny) {
      setImmediateIfAny(run);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      run();
    };
    channel.port2.postMessage(null);
  });
}

/** Encrypts and signs a fax for every bundle of the recipient org (several during rotation). */
export async function sealEnvelope(p: SealParams): Promise<{ envelope: Envelope; ciphertext: Uint8Array }> {
  const backend = p.backend ?? nobleBackend;
  let ciphertext: Uint8Array | undefined;
  const envelope = await sealEnvelopeWith({
    ...p,
    sealBody: async (cek, nonce24, aad) => {
      const sealed = await sealBody(backend, cek, nonce24, p.plaintext, aad);
      ciphertext = sealed.ciphertext;
      return { sha256: sealed.sha256, size: sealed.ciphertext.length };
    },
  });
  return { envelope, ciphertext: ciphertext! };
}

function requireString(obj: JsonObject, key: string, where = ''): string {
  const v = obj[key];
  if (typeof v !== 'string') throw new ProtocolError('malformed', `The envelope field ${where}${key} is missing or not text.`, where + key);
  return v;
}

function requireSafeInteger(v: JsonValue | undefined, field: string): number {
  const n = v instanceof JsonNumber && v.isInteger ? Number(v.lexeme) : typeof v === 'number' ? v : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError('malformed', `The envelope field ${field} must be a whole number.`, field);
  return n;
}

/** Schema check of an envelope (JSON text or parsed value). Numbers stay lossless. */
export function parseEnvelope(json: string | JsonValue): Envelope {
  const value = typeof json === 'string' ? parseJsonLossless(json) : json;
  if (!isJsonObject(value)) throw new ProtocolError('malformed', 'The envelope is not a JSON object.', 'envelope');
  const fromName = value['from_name'];
  if (fromName !== undefined && fromName !== null && typeof fromName !== 'string') {
    throw new ProtocolError('malformed', 'The envelope field from_name must be text or null.', 'from_name');
  }
  const hash = requireString(value, 'ciphertext_sha256');
  hexDecode(hash, 'ciphertext_sha256');
  if (hash.length !== 64) throw new ProtocolError('malformed', 'The envelope field ciphertext_sha256 must be 64 hex characters.', 'ciphertext_sha256');
  // The reference receiver reads metadata with .get("metadata", {}): absent means empty.
  const metadata = value['metadata'] === undefined ? {} : value['metadata'];
  if (!isJsonObject(metadata)) throw new ProtocolError('malformed', 'The envelope field metadata must be an object.', 'metadata');
  const createdAt = value['created_at'];
  if (!(createdAt instanceof JsonNumber) && typeof createdAt !== 'number') {
    throw new ProtocolError('malformed', 'The envelope field created_at must be a number.', 'created_at');
  }
  const sig = requireString(value, 'sender_sig');
  const wrapped = value['wrapped_keys'];
  if (!Array.isArray(wrapped) || wrapped.length === 0) throw new ProtocolError('malformed', 'The envelope has no wrapped keys.', 'wrapped_keys');
  const wrappedKeys = wrapped.map((wk, i): WrappedKey => {
    if (!isJsonObject(wk)) throw new ProtocolError('malformed', `wrapped_keys[${i}] is not an object.`, `wrapped_keys[${i}]`);
    const where = `wrapped_keys[${i}].`;
    return {
      recipient_key_bundle_id: requireString(wk, 'recipient_key_bundle_id', where),
      kem_ct: requireString(wk, 'kem_ct', where),
      x25519_ephemeral_pub: requireString(wk, 'x25519_ephemeral_pub', where),
      wrap_nonce: requireString(wk, 'wrap_nonce', where),
      wrapped_cek: requireString(wk, 'wrapped_cek', where),
    };
  });
  return {
    message_id: requireString(value, 'message_id'),
    suite: requireString(value, 'suite'),
    sender_org_id: requireString(value, 'sender_org_id'),
    sender_key_bundle_id: requireString(value, 'sender_key_bundle_id'),
    recipient_org_id: requireString(value, 'recipient_org_id'),
    from_number: requireString(value, 'from_number'),
    from_name: fromName ?? null,
    to_number: requireString(value, 'to_number'),
    size: requireSafeInteger(value['size'], 'size'),
    ciphertext_sha256: hash,
    metadata,
    created_at: createdAt,
    sender_sig: sig,
    wrapped_keys: wrappedKeys,
  };
}

/** The JSON text to upload: Python's `json.dumps(envelope)` (insertion order, ", " and ": "). */
export function envelopeToJson(envelope: Envelope): string {
  const ordered: JsonObject = {
    message_id: envelope.message_id,
    suite: envelope.suite,
    sender_org_id: envelope.sender_org_id,
    sender_key_bundle_id: envelope.sender_key_bundle_id,
    recipient_org_id: envelope.recipient_org_id,
    from_number: envelope.from_number,
    from_name: envelope.from_name,
    to_number: envelope.to_number,
    size: envelope.size,
    ciphertext_sha256: envelope.ciphertext_sha256,
    metadata: envelope.metadata,
    created_at: envelope.created_at,
    sender_sig: envelope.sender_sig,
    wrapped_keys: envelope.wrapped_keys.map((wk) => ({ ...wk })),
  };
  return pythonDumps(ordered, { sortKeys: false, compact: false });
}

/** Throws ProtocolError('bad_signature') unless the sender's bundle key signed this envelope. */
export function verifyEnvelopeSignature(envelope: Envelope, senderBundleEd25519Pub: Uint8Array, backend: CryptoBackend = nobleBackend): void {
  const sig = b64uDecode(envelope.sender_sig, 'sender_sig');
  if (!verifyWithDomain(senderBundleEd25519Pub, DOMAIN_ENVELOPE, envelopeSigningPayload(envelope, backend), sig, backend)) {
    throw new ProtocolError('bad_signature', "The fax's sender signature does not match: it may have been altered or forged.", 'sender_sig');
  }
}

export interface OpenParams {
  envelope: Envelope;
  ciphertext: Uint8Array;
  senderBundleEd25519Pub: Uint8Array;
  recipient: RecipientKemKeys;
  backend?: CryptoBackend;
}

/**
 * Where the wire ciphertext lives while it is opened (memory, or a file for the receiver).
 * `open` hashes and decrypts but must not release the plaintext: the caller commits it only
 * after openEnvelopeWith returns.
 */
export interface BodyOpener {
  /** Length of the wire ciphertext in bytes. */
  readonly size: number;
  /** SHA-256 of the whole wire ciphertext (used to rank failures when no key opens it). */
  sha256(): Promise<Uint8Array>;
  /** Hashes and decrypts with `cek`; `ok` is false when the tag does not verify. */
  open(cek: Uint8Array, aad: Uint8Array): Promise<{ sha256: Uint8Array; ok: boolean }>;
}

const hashMismatch = (): ProtocolError =>
  new ProtocolError('hash_mismatch', 'The encrypted fax does not match its envelope: it was damaged or altered in transit.', 'ciphertext_sha256');

/**
 * The open rules, independent of where the ciphertext is. Resolves only when every check
 * passed; throws the highest-ranked failure otherwise (see the module comment).
 */
export async function openEnvelopeWith(p: Omit<OpenParams, 'ciphertext'> & { body: BodyOpener }): Promise<{ metadata: Envelope['metadata'] }> {
  const backend = p.backend ?? nobleBackend;
  const e = p.envelope;
  if (e.suite !== SUITE) throw new ProtocolError('unsupported_suite', `This fax uses an encryption suite this app does not support (${e.suite.slice(0, 64)}).`, 'suite');
  const expectedHash = hexDecode(e.ciphertext_sha256, 'ciphertext_sha256');
  if (expectedHash.length !== 32) throw new ProtocolError('malformed', 'ciphertext_sha256 must be 64 hex characters.', 'ciphertext_sha256');
  verifyEnvelopeSignature(e, p.senderBundleEd25519Pub, backend);
  if (e.size !== p.body.size) {
    throw new ProtocolError('hash_mismatch', 'The encrypted fax is not the size its envelope says: it was cut short or altered.', 'size');
  }
  // Failures after this point are ranked: a hash mismatch outranks the key-related ones,
  // whatever order the work actually ran in.
  const hashThenThrow = async (err: ProtocolError): Promise<never> => {
    if (!sameHash(await p.body.sha256(), expectedHash)) throw hashMismatch();
    throw err;
  };
  const index = e.wrapped_keys.findIndex((wk) => wk.recipient_key_bundle_id === p.recipient.bundleId);
  if (index < 0) {
    await hashThenThrow(new ProtocolError('no_key_for_bundle', `This fax was not encrypted for this mailbox key (${p.recipient.bundleId}).`, 'wrapped_keys'));
  }
  const aad = envelopeAad(e.message_id, e.sender_org_id, e.recipient_org_id, e.metadata, backend);
  let cek: Uint8Array | undefined;
  try {
    cek = unwrapCek(decodeWrappedKey(e.wrapped_keys[index]!, index), p.recipient, aad, backend);
  } catch (err) {
    if (err instanceof ProtocolError) await hashThenThrow(err);
    throw err;
  }
  try {
    const { sha256, ok } = await p.body.open(cek, aad);
    if (!sameHash(sha256, expectedHash)) throw hashMismatch();
    if (!ok) throw new ProtocolError('decrypt_failed', 'The fax could not be decrypted: it was damaged or altered.', 'ciphertext');
    return { metadata: e.metadata };
  } finally {
    cek.fill(0);
  }
}

/** Verifies, unwraps and decrypts. Returns plaintext only when every check passed. */
export async function openEnvelope(p: OpenParams): Promise<{ plaintext: Uint8Array; metadata: Envelope['metadata'] }> {
  const backend = p.backend ?? nobleBackend;
  let plaintext: Uint8Array | null = null;
  // Hash now, off this thread where the backend can, while the signature check and the key
  // unwrap run here: the hash does not depend on the key, and the failure ranking only needs
  // its result at the end.
  const hashing = backend.sha256Early?.(p.ciphertext);
  hashing?.catch(() => undefined); // awaited below when needed; unused if an early check fails
  try {
    const { metadata } = await openEnvelopeWith({
      ...p,
      body: {
        size: p.ciphertext.length,
        sha256: async () => (hashing ? hashing : backend.sha256(p.ciphertext)),
        open: async (cek, aad) => {
          const result = await hashAndOpenBody(backend, cek, p.ciphertext, aad, hashing);
          plaintext = result.plaintext;
          return { sha256: result.sha256, ok: result.plaintext !== null };
        },
      },
    });
    const released = plaintext as Uint8Array | null;
    if (released === null) throw new Error('openEnvelopeWith resolved without a plaintext');
    plaintext = null;
    return { plaintext: released, metadata };
  } finally {
    // Only reached with a plaintext still held when a later check failed: wipe it.
    (plaintext as Uint8Array | null)?.fill(0);
  }
}
