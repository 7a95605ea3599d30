/**
 * Webhook signatures: `X-Fxe-Signature: v1=<hex HMAC-SHA256(secret, ts "." raw_body)>`, with
 * `X-Fxe-Timestamp: ts`. The timestamp is inside the MAC so an old delivery cannot be replayed
 * with a fresh timestamp; the skew window bounds replays of the whole thing. During secret
 * rotation the sender puts one `v1=` per live secret (old first, new last) and the receiver
 * holds both secrets: any pair matching passes.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, constantTimeEqual, hexEncode, utf8Encode } from './encoding.ts';
import { ProtocolError } from './errors.ts';

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

function signedBytes(timestamp: string, body: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(`${timestamp}.`), body);
}

/** "v1=<hex>,v1=<hex>": one signature per secret, in the order given. */
export function webhookSignatureHeader(p: { secrets: Uint8Array[]; timestamp: string; body: Uint8Array }): string {
  if (p.secrets.length === 0) throw new ProtocolError('webhook_malformed', 'No webhook secret to sign with.');
  const data = signedBytes(p.timestamp, p.body);
  return p.secrets.map((s) => `v1=${hexEncode(hmacSha256(s, data))}`).join(',');
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Pulls the v1 values out of the header; other schemes (v0=, t=) are ignored, junk is refused. */
function parseSignatureHeader(header: string): Uint8Array[] {
  const values: Uint8Array[] = [];
  for (const rawPart of header.split(',')) {
    const part = rawPart.trim();
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ProtocolError('webhook_malformed', 'The webhook signature header is not in the expected form.', 'X-Fxe-Signature');
    const scheme = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (scheme !== 'v1') continue;
    if (!HEX64.test(value)) throw new ProtocolError('webhook_malformed', 'A webhook signature is not 64 hex characters.', 'X-Fxe-Signature');
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) bytes[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
    values.push(bytes);
  }
  if (values.length === 0) throw new ProtocolError('webhook_malformed', 'The webhook signature header has no v1 signature.', 'X-Fxe-Signature');
  return values;
}

/**
 * Passes when any v1 value matches the HMAC under any of the secrets. Every pair is compared
 * in constant time and all pairs are compared, so timing reveals neither which one matched
 * nor how close a forgery came.
 */
export function verifyWebhookSignature(p: {
  signatureHeader: string | undefined;
  timestampHeader: string | undefined;
  body: Uint8Array;
  secrets: Uint8Array[];
  nowSeconds: number;
  toleranceSeconds?: number;
}): void {
  const tolerance = p.toleranceSeconds ?? 300;
  if (p.timestampHeader === undefined || !/^[0-9]{1,15}$/.test(p.timestampHeader)) {
    throw new ProtocolError('webhook_malformed', 'The webhook timestamp header is missing or not a number.', 'X-Fxe-Timestamp');
  }
  if (p.signatureHeader === undefined || p.signatureHeader.length > 4096) {
    throw new ProtocolError('webhook_malformed', 'The webhook signature header is missing.', 'X-Fxe-Signature');
  }
  const candidates = parseSignatureHeader(p.signatureHeader);
  if (Math.abs(p.nowSeconds - Number(p.timestampHeader)) > tolerance) {
    throw new ProtocolError('webhook_stale', 'The webhook delivery is too old (or the clocks disagree by more than 5 minutes).', 'X-Fxe-Timestamp');
  }
  const data = signedBytes(p.timestampHeader, p.body);
  let matched = false;
  for (const secret of p.secrets) {
    const expected = hmacSha256(secret, data);
    for (const candidate of candidates) matched = constantTimeEqual(expected, candidate) || matched;
  }
  if (!matched) throw new ProtocolError('webhook_bad_signature', 'The webhook signature does not match our secret.', 'X-Fxe-Signature');
}
