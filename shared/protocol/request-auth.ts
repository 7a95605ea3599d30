/**
 * FXE1 request signing: every API call carries
 *   Authorization: FXE1 key_id=<id>,ts=<unix s>,nonce=<b64u 16 bytes>,sig=<b64u>
 * with sig = Ed25519(org signing key, 0x0e "fxe-v1-request" ‖ METHOD\nPATH\nsha256hex(body)\nts\nnonce).
 * PATH includes the query string exactly as sent (the reference sends a raw '+'), because the
 * relay must hash the same bytes the client signed. The timestamp bounds how long a captured
 * request is useful (±300 s); the nonce cache makes it single-use inside that time (600 s
 * covers both sides of the skew window).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { b64uDecode, b64uEncode, hexEncode, utf8Encode } from './encoding.ts';
import { ProtocolError } from './errors.ts';
import { DOMAIN_REQUEST, signWithDomain, verifyWithDomain } from './ed25519-domain.ts';
import type { CryptoBackend } from './crypto-backend.ts';

export const FXE1_MAX_SKEW_SECONDS = 300;
export const FXE1_NONCE_WINDOW_SECONDS = 600;

function requestPayloadFromHash(method: string, path: string, bodySha256Hex: string, ts: string, nonce: string): Uint8Array {
  return utf8Encode(`${method}\n${path}\n${bodySha256Hex}\n${ts}\n${nonce}`);
}

/**
 * Returns the full header value "FXE1 key_id=…,ts=…,nonce=…,sig=…". Give either the body or,
 * for a body too big to hold (a 100 MiB upload streamed from disk), its SHA-256 in hex
 * (`bodySha256Hex`): the signature covers only the hash, so both give the same header.
 */
export function signRequest(p: RequestBodyProof & {
  method: string;
  path: string;
  keyId: string;
  signingSeed: Uint8Array;
  /** Unix seconds (may be fractional: floored like Python's int(time.time())). */
  nowSeconds: number;
  /** 16 bytes; random when absent. */
  nonce?: Uint8Array;
  /** A native Ed25519 (the same signature: Ed25519 is deterministic); noble's otherwise. */
  backend?: CryptoBackend;
}): string {
  const ts = String(Math.floor(p.nowSeconds));
  const nonce = b64uEncode(p.nonce ?? randomBytes(16));
  const sig = signWithDomain(p.signingSeed, DOMAIN_REQUEST, requestPayloadFromHash(p.method, p.path, bodyHashHex(p), ts, nonce), p.backend);
  return `FXE1 key_id=${p.keyId},ts=${ts},nonce=${nonce},sig=${b64uEncode(sig)}`;
}

export interface ParsedAuthorization {
  keyId: string;
  ts: number;
  /** The nonce exactly as sent (b64u text): it is what was signed. */
  nonce: string;
  sig: Uint8Array;
}

const malformed = (why: string): ProtocolError => new ProtocolError('auth_malformed', `The request signature header is not valid: ${why}.`, 'Authorization');
const SAFE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Strict parse: exactly the four fields, in the reference's order, no spaces, no duplicates. */
export function parseAuthorization(header: string): ParsedAuthorization {
  if (typeof header !== 'string' || header.length > 1024) throw malformed('missing or too long');
  if (!header.startsWith('FXE1 ')) throw malformed('it does not start with "FXE1 "');
  const parts = header.slice(5).split(',');
  const expected = ['key_id', 'ts', 'nonce', 'sig'];
  if (parts.length !== expected.length) throw malformed('it must have key_id, ts, nonce and sig');
  const values: string[] = [];
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq) !== expected[i]) throw malformed(`field ${i + 1} must be ${expected[i]}`);
    values.push(part.slice(eq + 1));
  });
  const [keyId, ts, nonce, sig] = values as [string, string, string, string];
  if (!SAFE_ID.test(keyId)) throw malformed('key_id has unexpected characters');
  if (!/^(0|[1-9][0-9]{0,11})$/.test(ts)) throw malformed('ts is not a whole number of seconds');
  let nonceBytes: Uint8Array;
  let sigBytes: Uint8Array;
  try {
    nonceBytes = b64uDecode(nonce, 'nonce');
    sigBytes = b64uDecode(sig, 'sig');
  } catch {
    throw malformed('nonce or sig is not base64url');
  }
  if (nonceBytes.length < 12 || nonceBytes.length > 64) throw malformed('nonce has the wrong length');
  if (sigBytes.length !== 64) throw malformed('sig has the wrong length');
  return { keyId, ts: Number(ts), nonce, sig: sigBytes };
}

/**
 * Remembers (keyId, nonce) pairs for `windowSeconds`. `seen` answers "was this pair used
 * inside the window?" and records it when it was not. Memory stays bounded by the request
 * rate × window: expired entries are dropped as time moves on.
 */
export class NonceCache {
  readonly windowSeconds: number;
  private readonly expiries = new Map<string, number>();
  constructor(windowSeconds = FXE1_NONCE_WINDOW_SECONDS) {
    this.windowSeconds = windowSeconds;
  }
  seen(keyId: string, nonce: string, nowSeconds: number): boolean {
    this.prune(nowSeconds);
    const id = `${keyId}\n${nonce}`;
    const expiry = this.expiries.get(id);
    if (expiry !== undefined && expiry > nowSeconds) return true;
    this.expiries.delete(id); // re-insert so Map order stays by expiry
    this.expiries.set(id, nowSeconds + this.windowSeconds);
    return false;
  }
  get size(): number {
    return this.expiries.size;
  }
  private prune(nowSeconds: number): void {
    // Entries are inserted in time order (a clock going backwards only delays pruning).
    for (const [id, expiry] of this.expiries) {
      if (expiry > nowSeconds) break;
      this.expiries.delete(id);
    }
  }
}

/** What the signer or the server has of the request body: exactly one of the two. */
export interface RequestBodyProof {
  /** The whole body. */
  body?: Uint8Array;
  /** Hex SHA-256 of the body (either case), for a body streamed rather than held in memory. */
  bodySha256Hex?: string;
}

export interface RequestHeaderCheck {
  header: string | undefined;
  nowSeconds: number;
  publicKeyFor: (keyId: string) => Uint8Array | undefined;
  maxSkewSeconds?: number;
}

/**
 * The checks that need only the header: parse → skew → key lookup. A server streaming a
 * large body runs this before reading it (to refuse early and stop reading); verifyRequest
 * runs it again at the end, so nothing is trusted from the early call. Records nothing.
 */
export function checkRequestHeader(p: RequestHeaderCheck): { auth: ParsedAuthorization; publicKey: Uint8Array } {
  if (p.header === undefined) throw new ProtocolError('auth_malformed', 'The request is not signed (no Authorization header).', 'Authorization');
  const auth = parseAuthorization(p.header);
  const maxSkew = p.maxSkewSeconds ?? FXE1_MAX_SKEW_SECONDS;
  if (Math.abs(p.nowSeconds - auth.ts) > maxSkew) {
    throw new ProtocolError('auth_stale', "The request's timestamp is too far from the server clock (more than 5 minutes).", 'Authorization');
  }
  const publicKey = p.publicKeyFor(auth.keyId);
  if (publicKey === undefined) throw new ProtocolError('auth_unknown_key', 'The request is signed with a key this server does not know.', 'Authorization');
  return { auth, publicKey };
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

function bodyHashHex(p: RequestBodyProof): string {
  // Both or neither is a programming bug (in the signer or the server), not a peer's fault:
  // refuse rather than guess.
  if ((p.body === undefined) === (p.bodySha256Hex === undefined)) {
    throw new ProtocolError('malformed', 'Request signing needs either the body or its SHA-256, not both or neither.', 'body');
  }
  if (p.body !== undefined) return hexEncode(sha256(p.body));
  if (typeof p.bodySha256Hex !== 'string' || !SHA256_HEX.test(p.bodySha256Hex)) {
    throw new ProtocolError('malformed', 'The request body hash given for signing is not 64 hex characters.', 'bodySha256Hex');
  }
  // The client signed lowercase hex (Python's hexdigest()).
  return p.bodySha256Hex.toLowerCase();
}

/**
 * Server side. Order: parse → skew → key lookup → signature → nonce. The nonce is recorded
 * only after the signature verifies, so forged requests cannot burn a real client's nonces.
 * Give either the body or, for a streamed body, its SHA-256 in hex (`bodySha256Hex`).
 */
export function verifyRequest(
  p: RequestHeaderCheck & RequestBodyProof & { method: string; path: string; nonces: NonceCache; backend?: CryptoBackend },
): { keyId: string } {
  const { auth, publicKey } = checkRequestHeader(p);
  const payload = requestPayloadFromHash(p.method, p.path, bodyHashHex(p), String(auth.ts), auth.nonce);
  if (!verifyWithDomain(publicKey, DOMAIN_REQUEST, payload, auth.sig, p.backend)) {
    throw new ProtocolError('bad_signature', 'The request signature does not match.', 'Authorization');
  }
  if (p.nonces.seen(auth.keyId, auth.nonce, p.nowSeconds)) {
    throw new ProtocolError('auth_replayed', 'This request was already received once (replayed nonce).', 'Authorization');
  }
  return { keyId: auth.keyId };
}
