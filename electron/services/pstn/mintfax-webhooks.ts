/**
 * mintfax webhook signatures, both documented forms (see docs/pstn.md for sources):
 *
 *  Seed 001 ("Webhook signing and verification"): `X-Mintfax-Signature` = hex
 *  HMAC-SHA256(secret, `${X-Mintfax-Timestamp}.${raw body}`); the secret string is the key
 *  (the seed's Node sample passes it to createHmac as is); reject anything older than five
 *  minutes; during rotation try the new secret, then the old one.
 *
 *  Standard Webhooks (newer "Verify webhook signatures" page): `webhook-id`,
 *  `webhook-timestamp`, `webhook-signature` = space-separated `v1,<base64>` tokens, each
 *  HMAC-SHA256(key, `${id}.${timestamp}.${raw body}`). The key is the base64 part of a
 *  `whsec_<base64>` secret, decoded. A secret whose remainder is not base64 (the sandbox's
 *  `whsec_test_…` has underscores) is used as its own UTF-8 bytes, like the seed scheme.
 */
import { headerValue } from './http.ts';
import {
  assertFresh,
  badSignature,
  constantTimeEqual,
  decodeBase64Strict,
  decodeHexStrict,
  hmacSha256,
  malformed,
  parseUnixSeconds,
} from './signature-checks.ts';
import type { WebhookHeaders } from './types.ts';

export const MINTFAX_SIGNATURE_HEADER = 'x-mintfax-signature';
export const MINTFAX_TIMESTAMP_HEADER = 'x-mintfax-timestamp';
export const STANDARD_WEBHOOK_ID_HEADER = 'webhook-id';
export const STANDARD_WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const STANDARD_WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
export const DEFAULT_MINTFAX_TOLERANCE_SECONDS = 300;

/** The secrets to try, newest first (seed 001, step 4). */
export type SigningSecrets = readonly string[];

export type MintfaxScheme = 'mintfax-signature' | 'standard-webhooks';

/** Which scheme a request uses, judged by its headers; Standard Webhooks wins if both are present. */
export function mintfaxSchemeOf(headers: WebhookHeaders): MintfaxScheme | undefined {
  if (headerValue(headers, STANDARD_WEBHOOK_SIGNATURE_HEADER) !== undefined) return 'standard-webhooks';
  if (headerValue(headers, MINTFAX_SIGNATURE_HEADER) !== undefined) return 'mintfax-signature';
  return undefined;
}

export function verifyMintfaxSignature(
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  secrets: SigningSecrets,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_MINTFAX_TOLERANCE_SECONDS,
): { signedAt: number; secretIndex: number } {
  const signatureText = headerValue(headers, MINTFAX_SIGNATURE_HEADER);
  if (signatureText === undefined) throw malformed(`missing ${MINTFAX_SIGNATURE_HEADER} header`);
  const timestampText = headerValue(headers, MINTFAX_TIMESTAMP_HEADER);
  const signedAt = parseUnixSeconds(timestampText, MINTFAX_TIMESTAMP_HEADER);
  const given = decodeHexStrict(signatureText.trim());
  if (!given || given.length !== 32) throw malformed(`${MINTFAX_SIGNATURE_HEADER} is not 64 hex digits`);
  // Seed 001 step 2 comes first: a stale request is refused before any secret is tried.
  assertFresh(signedAt, nowSeconds, toleranceSeconds, MINTFAX_TIMESTAMP_HEADER);
  const prefix = `${timestampText?.trim()}.`;
  const secretIndex = secrets.findIndex((secret) => constantTimeEqual(hmacSha256(Buffer.from(secret, 'utf8'), prefix, rawBody), given));
  if (secretIndex < 0) throw badSignature(`HMAC-SHA256 matches none of the ${secrets.length} configured secret(s)`);
  return { signedAt, secretIndex };
}

/** The HMAC key of a Standard Webhooks secret (see the module comment for the sandbox case). */
export function standardWebhookKey(secret: string): Uint8Array {
  if (secret.startsWith('whsec_')) {
    const decoded = decodeBase64Strict(secret.slice('whsec_'.length));
    if (decoded && decoded.length > 0) return decoded;
  }
  return new Uint8Array(Buffer.from(secret, 'utf8'));
}

/** The `v1` signatures of a `webhook-signature` header; other versions are skipped, as the spec says. */
export function parseStandardSignatures(value: string): Uint8Array[] {
  const signatures: Uint8Array[] = [];
  for (const token of value.trim().split(/\s+/)) {
    const comma = token.indexOf(',');
    if (comma < 0) continue;
    if (token.slice(0, comma) !== 'v1') continue;
    const decoded = decodeBase64Strict(token.slice(comma + 1));
    if (decoded && decoded.length === 32) signatures.push(decoded);
  }
  return signatures;
}

export function verifyStandardWebhook(
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  secrets: SigningSecrets,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_MINTFAX_TOLERANCE_SECONDS,
): { signedAt: number; webhookId: string; secretIndex: number } {
  const webhookId = headerValue(headers, STANDARD_WEBHOOK_ID_HEADER)?.trim();
  if (!webhookId) throw malformed(`missing ${STANDARD_WEBHOOK_ID_HEADER} header`);
  const timestampText = headerValue(headers, STANDARD_WEBHOOK_TIMESTAMP_HEADER);
  const signedAt = parseUnixSeconds(timestampText, STANDARD_WEBHOOK_TIMESTAMP_HEADER);
  const signatureText = headerValue(headers, STANDARD_WEBHOOK_SIGNATURE_HEADER);
  if (signatureText === undefined) throw malformed(`missing ${STANDARD_WEBHOOK_SIGNATURE_HEADER} header`);
  const given = parseStandardSignatures(signatureText);
  if (given.length === 0) throw malformed(`${STANDARD_WEBHOOK_SIGNATURE_HEADER} holds no v1,<base64> signature`);
  assertFresh(signedAt, nowSeconds, toleranceSeconds, STANDARD_WEBHOOK_TIMESTAMP_HEADER);
  const prefix = `${webhookId}.${timestampText?.trim()}.`;
  // Every secret against every signature: the header carries several during a rotation.
  const secretIndex = secrets.findIndex((secret) => {
    const expected = hmacSha256(standardWebhookKey(secret), prefix, rawBody);
    return given.some((signature) => constantTimeEqual(expected, signature));
  });
  if (secretIndex < 0) throw badSignature(`no v1 signature matches any of the ${secrets.length} configured secret(s)`);
  return { signedAt, webhookId, secretIndex };
}
