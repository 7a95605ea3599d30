/**
 * Invites and redeem. An invite token is single-use and expires; only its SHA-256 is stored,
 * so a copy of the database does not hand out invites. Redeem creates the org from public
 * keys the client generated (the relay never sees a private key and cannot rebuild keys.zip).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { InviteResponse, RedeemRequest, RedeemResponse } from '../../shared/fxe-api/index.ts';
import { decodeFixed, parseSignedBundle } from './bundles.ts';
import type { RelayContext } from './context.ts';
import { isE164, RelayHttpError, requireString } from './http-util.ts';
import type { RelayStore } from './store.ts';

export const DEFAULT_INVITE_TTL_SECONDS = 7 * 24 * 3600;
const MAX_FAX_NUMBERS = 20;

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function mintInvite(store: RelayStore, nowSeconds: number, ttlSeconds = DEFAULT_INVITE_TTL_SECONDS): InviteResponse {
  const token = `inv_${randomBytes(24).toString('base64url')}`;
  const expiresAt = nowSeconds + Math.max(1, Math.floor(ttlSeconds));
  store.insertInvite(tokenHash(token), nowSeconds, expiresAt);
  return { invite_token: token, expires_at: expiresAt };
}

function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export function redeem(ctx: RelayContext, body: Record<string, unknown>): RedeemResponse {
  // Shape first: a malformed request never consumes the invite.
  const token = requireString(body, 'invite_token', 200);
  const orgName = requireString(body, 'org_name', 200).trim();
  if (orgName.length === 0) throw new RelayHttpError('malformed_request', { field: 'org_name' });
  const numbers = body['fax_numbers'];
  if (!Array.isArray(numbers) || numbers.length === 0 || numbers.length > MAX_FAX_NUMBERS) {
    throw new RelayHttpError('malformed_request', { field: 'fax_numbers', detail: `1 to ${MAX_FAX_NUMBERS} numbers` });
  }
  for (const n of numbers) if (!isE164(n)) throw new RelayHttpError('malformed_fax_number', { field: 'fax_numbers' });
  const faxNumbers = [...new Set(numbers as string[])];
  const signingPub = decodeFixed(body['signing_pub'], 32, 'signing_pub');
  const bundle = parseSignedBundle(body['bundle'], body['bundle_sig'], signingPub);
  const request = body as unknown as RedeemRequest;

  const now = ctx.now();
  const hash = tokenHash(token);
  const invite = ctx.store.inviteByHash(hash);
  if (!invite) throw new RelayHttpError('invite_invalid');
  if (invite.redeemed_at !== null) throw new RelayHttpError('invite_used');
  if (invite.expires_at <= now) throw new RelayHttpError('invite_expired');

  const orgId = randomId('org');
  const keyId = randomId('key');
  ctx.store.transaction(() => {
    for (const n of faxNumbers) if (ctx.store.numberOwner(n) !== undefined) throw new RelayHttpError('number_taken', { field: 'fax_numbers' });
    if (ctx.store.bundleById(bundle.bundle_id)) throw new RelayHttpError('bundle_id_taken', { field: 'bundle.bundle_id' });
    if (!ctx.store.consumeInvite(hash, orgId, now)) throw new RelayHttpError('invite_used');
    ctx.store.insertOrg({ org_id: orgId, name: orgName, key_id: keyId, signing_pub: request.signing_pub, created_at: now });
    for (const n of faxNumbers) ctx.store.insertNumber(n, orgId);
    ctx.store.insertBundle({ ...bundle, org_id: orgId, bundle_sig: request.bundle_sig, created_at: now, retired_at: null });
  });
  ctx.log.info('org redeemed', { org_id: orgId, numbers: faxNumbers.length });
  return { relay: ctx.publicUrl(), org_id: orgId, key_id: keyId, bundle_id: bundle.bundle_id, org_name: orgName, fax_numbers: faxNumbers };
}
