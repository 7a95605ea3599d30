/**
 * Request targets of the relay API, built in one place because the FXE1 signature covers the
 * path *exactly as sent*: the client must sign the same string it puts on the wire, and a
 * helper that percent-encoded the '+' of a fax number would break both the signature and
 * compatibility with the seed's reference client (which sends a raw '+').
 */

/** Seed: `/v1/lookup?fax_number=+15551234567` (raw '+', no encoding). */
export function lookupPath(faxNumber: string): string {
  return `/v1/lookup?fax_number=${faxNumber}`;
}

export const UPLOAD_PATH = '/v1/messages';
export const REDEEM_PATH = '/v1/redeem';
export const ORG_ME_PATH = '/v1/orgs/me';
export const KEY_BUNDLES_PATH = '/v1/key-bundles';
export const WEBHOOK_ENDPOINT_PATH = '/v1/webhook-endpoint';
export const WEBHOOK_ROTATE_PATH = '/v1/webhook-endpoint/rotate';
export const HEALTH_PATH = '/v1/health';
export const DEV_INVITES_PATH = '/v1/dev/invites';

export function messagePath(messageId: string): string {
  return `/v1/messages/${encodeURIComponent(messageId)}`;
}
export function ciphertextPath(messageId: string): string {
  return `${messagePath(messageId)}/ciphertext`;
}
export function envelopePath(messageId: string): string {
  return `${messagePath(messageId)}/envelope`;
}
export function receiptPath(messageId: string): string {
  return `${messagePath(messageId)}/receipt`;
}
export function statusPath(messageId: string): string {
  return `${messagePath(messageId)}/status`;
}
export function keyBundlePath(bundleId: string): string {
  return `${KEY_BUNDLES_PATH}/${encodeURIComponent(bundleId)}`;
}

/** Polling list. Omit `after` for the first page; then pass the previous `next_cursor`. */
export function pendingPath(p: { after?: string | null; limit?: number } = {}): string {
  let path = '/v1/messages?status=pending';
  if (p.after) path += `&after=${encodeURIComponent(p.after)}`;
  if (p.limit !== undefined) path += `&limit=${p.limit}`;
  return path;
}
