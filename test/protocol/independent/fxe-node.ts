/**
 * An independent fxe-v1 implementation for cross-checking ours: node:crypto (OpenSSL) for
 * Ed25519, X25519, HKDF, AES-256-GCM, ChaCha20-Poly1305 and SHA-256, and liboqs's
 * WebAssembly build (@oqs/liboqs-js) for ML-KEM-768. Written from the wire description, not
 * from shared/protocol: it shares no code with it (its own base64url, its own canonical JSON
 * for the value shapes the envelope uses).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { createMLKEM768 } from '@oqs/liboqs-js';

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const unb64u = (s: string): Buffer => Buffer.from(s, 'base64url');
const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

// DER prefixes for raw 32-byte keys (RFC 8410).
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

const edPrivate = (seed: Uint8Array) => createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
const edPublic = (pub: Uint8Array) => createPublicKey({ key: Buffer.concat([ED25519_SPKI, pub]), format: 'der', type: 'spki' });
const xPrivate = (sk: Uint8Array) => createPrivateKey({ key: Buffer.concat([X25519_PKCS8, sk]), format: 'der', type: 'pkcs8' });
const xPublic = (pk: Uint8Array) => createPublicKey({ key: Buffer.concat([X25519_SPKI, pk]), format: 'der', type: 'spki' });

export function x25519PublicFromSecret(sk: Uint8Array): Buffer {
  return createPublicKey(xPrivate(sk)).export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length);
}

export function ed25519PublicFromSeed(seed: Uint8Array): Buffer {
  return createPublicKey(edPrivate(seed)).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI.length);
}

/** Python json.dumps(ensure_ascii=True) for str / int / null / dict / list (what envelopes hold). */
function dumps(v: unknown, sortKeys: boolean, compact: boolean): string {
  const [item, kv] = compact ? [',', ':'] : [', ', ': '];
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error('independent dumps only handles integers');
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(v)) return `[${v.map((x) => dumps(x, sortKeys, compact)).join(item)}]`;
  const obj = v as Record<string, unknown>;
  let keys = Object.keys(obj);
  if (sortKeys) {
    // Code-point order: compare arrays of code points.
    keys = keys.sort((a, b) => {
      const ca = Array.from(a, (c) => c.codePointAt(0)!);
      const cb = Array.from(b, (c) => c.codePointAt(0)!);
      for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
      return ca.length - cb.length;
    });
  }
  return `{${keys.map((k) => dumps(k, sortKeys, compact) + kv + dumps(obj[k], sortKeys, compact)).join(item)}}`;
}

const metaHash = (metadata: Record<string, unknown>): Buffer => sha256(Buffer.from(dumps(metadata, true, false)));
const aadOf = (messageId: string, sender: string, recipient: string, metadata: Record<string, unknown>): Buffer =>
  Buffer.concat([Buffer.from(`fxe-v1-aad|${messageId}|${sender}|${recipient}|`), metaHash(metadata)]);

const DOMAIN_ENVELOPE = Buffer.concat([Buffer.from([15]), Buffer.from('fxe-v1-envelope')]);

function signingPayload(e: Record<string, unknown>): Buffer {
  return Buffer.from(
    dumps(
      {
        message_id: e['message_id'], suite: e['suite'], sender_org_id: e['sender_org_id'], sender_key_bundle_id: e['sender_key_bundle_id'],
        recipient_org_id: e['recipient_org_id'], from_number: e['from_number'], from_name: e['from_name'] ?? null, to_number: e['to_number'],
        ciphertext_sha256: e['ciphertext_sha256'], metadata_sha256: metaHash((e['metadata'] ?? {}) as Record<string, unknown>).toString('hex'),
        created_at: e['created_at'],
      },
      true,
      true,
    ),
  );
}

function wrapKeyOf(ssPq: Uint8Array, ssClassical: Uint8Array, ephPub: Uint8Array, xPub: Uint8Array, kemPub: Uint8Array): Buffer {
  const info = Buffer.concat([Buffer.from('fxe-v1-wrap|'), ephPub, Buffer.from('|'), xPub, Buffer.from('|'), kemPub]);
  // RFC 5869 by hand on HMAC (node's hkdfSync refuses info over 1024 bytes; ours is 1262).
  // salt=None means HashLen zero bytes; 32 bytes of output is one expand block.
  const prk = createHmac('sha256', Buffer.alloc(32)).update(Buffer.concat([ssPq, ssClassical])).digest();
  return createHmac('sha256', prk).update(Buffer.concat([info, Buffer.from([1])])).digest();
}

export interface IndependentBundle { bundle_id: string; ml_kem_pub: string; x25519_pub: string }

export async function independentSeal(p: {
  plaintext: Uint8Array; senderOrgId: string; senderBundleId: string; senderBundleSeed: Uint8Array; recipientOrgId: string;
  bundles: IndependentBundle[]; fromNumber: string; fromName: string | null; toNumber: string; metadata: Record<string, unknown>; createdAt: number;
}): Promise<{ envelope: Record<string, unknown>; ciphertext: Buffer }> {
  const messageId = randomUUID();
  const cek = randomBytes(32);
  const nonce = randomBytes(24);
  const aad = aadOf(messageId, p.senderOrgId, p.recipientOrgId, p.metadata);
  const c = createCipheriv('chacha20-poly1305', cek, nonce.subarray(0, 12), { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: p.plaintext.length });
  const ciphertext = Buffer.concat([nonce, c.update(p.plaintext), c.final(), c.getAuthTag()]);
  const kem = await createMLKEM768();
  try {
    const wrapped = p.bundles.map((b) => {
      const kemPub = unb64u(b.ml_kem_pub);
      const xPub = unb64u(b.x25519_pub);
      // liboqs-js checks constructor.name === 'Uint8Array', so a Buffer must be copied into a plain one.
      const { ciphertext: kemCt, sharedSecret } = kem.encapsulate(new Uint8Array(kemPub));
      const ephSk = randomBytes(32);
      const ephPub = x25519PublicFromSecret(ephSk);
      const ssClassical = diffieHellman({ privateKey: xPrivate(ephSk), publicKey: xPublic(xPub) });
      const wrapKey = wrapKeyOf(sharedSecret, ssClassical, ephPub, xPub, kemPub);
      const wnonce = randomBytes(12);
      const g = createCipheriv('aes-256-gcm', wrapKey, wnonce);
      g.setAAD(aad);
      const wrappedCek = Buffer.concat([g.update(cek), g.final(), g.getAuthTag()]);
      return { recipient_key_bundle_id: b.bundle_id, kem_ct: b64u(kemCt), x25519_ephemeral_pub: b64u(ephPub), wrap_nonce: b64u(wnonce), wrapped_cek: b64u(wrappedCek) };
    });
    const envelope: Record<string, unknown> = {
      message_id: messageId, suite: 'fxe-v1-mlkem768-x25519-xchacha20', sender_org_id: p.senderOrgId, sender_key_bundle_id: p.senderBundleId,
      recipient_org_id: p.recipientOrgId, from_number: p.fromNumber, from_name: p.fromName, to_number: p.toNumber, size: ciphertext.length,
      ciphertext_sha256: sha256(ciphertext).toString('hex'), metadata: p.metadata, created_at: Math.floor(p.createdAt),
    };
    envelope['sender_sig'] = b64u(sign(null, Buffer.concat([DOMAIN_ENVELOPE, signingPayload(envelope)]), edPrivate(p.senderBundleSeed)));
    envelope['wrapped_keys'] = wrapped;
    return { envelope, ciphertext };
  } finally {
    kem.destroy();
  }
}

/** The envelope as upload JSON text (Python json.dumps(envelope) form). */
export function independentEnvelopeJson(envelope: Record<string, unknown>): string {
  return dumps(envelope, false, false);
}

export async function independentOpen(p: {
  envelope: Record<string, unknown>; ciphertext: Uint8Array; senderBundleEd25519Pub: Uint8Array;
  bundleId: string; mlkemSecret: Uint8Array; mlkemPublic: Uint8Array; x25519Secret: Uint8Array; x25519Public: Uint8Array;
}): Promise<Buffer> {
  const e = p.envelope;
  const ok = verify(null, Buffer.concat([DOMAIN_ENVELOPE, signingPayload(e)]), edPublic(p.senderBundleEd25519Pub), unb64u(e['sender_sig'] as string));
  if (!ok) throw new Error('independent: bad signature');
  if (sha256(p.ciphertext).toString('hex') !== e['ciphertext_sha256']) throw new Error('independent: hash mismatch');
  const wk = (e['wrapped_keys'] as Record<string, string>[]).find((w) => w['recipient_key_bundle_id'] === p.bundleId);
  if (!wk) throw new Error('independent: no key for bundle');
  const kem = await createMLKEM768();
  try {
    const ssPq = kem.decapsulate(new Uint8Array(unb64u(wk['kem_ct']!)), new Uint8Array(p.mlkemSecret));
    const ephPub = unb64u(wk['x25519_ephemeral_pub']!);
    const ssClassical = diffieHellman({ privateKey: xPrivate(p.x25519Secret), publicKey: xPublic(ephPub) });
    const wrapKey = wrapKeyOf(ssPq, ssClassical, ephPub, p.x25519Public, p.mlkemPublic);
    const aad = aadOf(e['message_id'] as string, e['sender_org_id'] as string, e['recipient_org_id'] as string, (e['metadata'] ?? {}) as Record<string, unknown>);
    const wrapped = unb64u(wk['wrapped_cek']!);
    const g = createDecipheriv('aes-256-gcm', wrapKey, unb64u(wk['wrap_nonce']!));
    g.setAAD(aad);
    g.setAuthTag(wrapped.subarray(32));
    const cek = Buffer.concat([g.update(wrapped.subarray(0, 32)), g.final()]);
    const body = Buffer.from(p.ciphertext);
    const d = createDecipheriv('chacha20-poly1305', cek, body.subarray(0, 12), { authTagLength: 16 });
    d.setAAD(aad, { plaintextLength: body.length - 40 });
    d.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([d.update(body.subarray(24, body.length - 16)), d.final()]);
  } finally {
    kem.destroy();
  }
}

/** liboqs key generation, in its own 2400-byte secret-key format. */
export async function independentKemKeypair(): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }> {
  const kem = await createMLKEM768();
  try {
    return kem.generateKeyPair();
  } finally {
    kem.destroy();
  }
}
