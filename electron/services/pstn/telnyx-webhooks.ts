/**
 * Telnyx webhook signatures, both documented schemes (see docs/pstn.md for sources):
 *
 *  Ed25519 (API v2, current): `telnyx-signature-ed25519` = base64 of a 64-byte Ed25519
 *  signature over `${telnyx-timestamp}|${raw body}`, checked with the account public key
 *  (base64 of 32 bytes, from the portal).
 *
 *  HMAC (seed 002): `X-Telnyx-Signature: t=<unix seconds>,h=<base64 of 32 bytes>`, where h is
 *  HMAC-SHA256(profile secret as UTF-8 bytes, `${t}.${raw body}`). The seed recommends
 *  accepting t within ±30 s of our clock.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { headerValue } from './http.ts';
import { PstnError } from './errors.ts';
import {
  assertFresh,
  badSignature,
  constantTimeEqual,
  decodeBase64Strict,
  hmacSha256,
  malformed,
  parseUnixSeconds,
} from './signature-checks.ts';
import type { WebhookHeaders } from './types.ts';

export const TELNYX_ED25519_SIGNATURE_HEADER = 'telnyx-signature-ed25519';
export const TELNYX_TIMESTAMP_HEADER = 'telnyx-timestamp';
export const TELNYX_HMAC_SIGNATURE_HEADER = 'x-telnyx-signature';
export const DEFAULT_TELNYX_HMAC_TOLERANCE_SECONDS = 30;
export const DEFAULT_TELNYX_ED25519_TOLERANCE_SECONDS = 300;

/** Turn the portal's base64 public key into a KeyObject once; throws not_configured if it is not 32 bytes. */
export function telnyxPublicKey(base64: string): KeyObject {
  const raw = decodeBase64Strict(base64.trim());
  if (!raw || raw.length !== 32) {
    throw new PstnError('not_configured', {
      message: 'The Telnyx public key in the settings is not valid. Copy it again from the Telnyx portal.',
      detail: `public key must be base64 of 32 bytes (got ${raw ? `${raw.length} bytes` : 'invalid base64'})`,
    });
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

export function verifyTelnyxEd25519(
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  publicKey: KeyObject,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TELNYX_ED25519_TOLERANCE_SECONDS,
): { signedAt: number } {
  const signatureText = headerValue(headers, TELNYX_ED25519_SIGNATURE_HEADER);
  if (signatureText === undefined) throw malformed(`missing ${TELNYX_ED25519_SIGNATURE_HEADER} header`);
  const timestampText = headerValue(headers, TELNYX_TIMESTAMP_HEADER);
  const signedAt = parseUnixSeconds(timestampText, TELNYX_TIMESTAMP_HEADER);
  const signature = decodeBase64Strict(signatureText.trim());
  if (!signature || signature.length !== 64) throw malformed(`${TELNYX_ED25519_SIGNATURE_HEADER} is not base64 of 64 bytes`);
  // Freshness first (cheap, and the order both providers' guides use), then the signature.
  assertFresh(signedAt, nowSeconds, toleranceSeconds, TELNYX_TIMESTAMP_HEADER);
  const message = Buffer.concat([Buffer.from(`${timestampText?.trim()}|`, 'utf8'), rawBody]);
  if (!verifySignature(null, message, publicKey, signature)) throw badSignature('Ed25519 signature does not match the body');
  return { signedAt };
}

/** Parse `t=…,h=…`; order and spaces after commas do not matter, unknown fields are ignored. */
export function parseTelnyxHmacHeader(value: string): { t: string; h: string } {
  let t: string | undefined;
  let h: string | undefined;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const field = part.slice(eq + 1).trim();
    if (name === 't') {
      if (t !== undefined) throw malformed(`${TELNYX_HMAC_SIGNATURE_HEADER} has two t= fields`);
      t = field;
    } else if (name === 'h') {
      if (h !== undefined) throw malformed(`${TELNYX_HMAC_SIGNATURE_HEADER} has two h= fields`);
      h = field;
    }
  }
  if (t === undefined || h === undefined) throw malformed(`${TELNYX_HMAC_SIGNATURE_HEADER} needs both t= and h=`);
  return { t, h };
}

export function verifyTelnyxHmac(
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TELNYX_HMAC_TOLERANCE_SECONDS,
): { signedAt: number } {
  const header = headerValue(headers, TELNYX_HMAC_SIGNATURE_HEADER);
  if (header === undefined) throw malformed(`missing ${TELNYX_HMAC_SIGNATURE_HEADER} header`);
  const { t, h } = parseTelnyxHmacHeader(header);
  const signedAt = parseUnixSeconds(t, `${TELNYX_HMAC_SIGNATURE_HEADER} t=`);
  const given = decodeBase64Strict(h);
  if (!given || given.length !== 32) throw malformed(`${TELNYX_HMAC_SIGNATURE_HEADER} h= is not base64 of 32 bytes`);
  assertFresh(signedAt, nowSeconds, toleranceSeconds, `${TELNYX_HMAC_SIGNATURE_HEADER} t=`);
  const expected = hmacSha256(Buffer.from(secret, 'utf8'), `${t}.`, rawBody);
  if (!constantTimeEqual(expected, given)) throw badSignature('HMAC-SHA256 does not match the body');
  return { signedAt };
}
