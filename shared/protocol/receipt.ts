/**
 * Delivery receipts: the recipient's bundle key signs "I hold the plaintext of this exact
 * ciphertext". The relay verifies it before deleting the ciphertext, and the sender can keep
 * it as proof of delivery. Signed payload (after 0x0e "fxe-v1-receipt"): the signing form of
 * {ciphertext_sha256, message_id, recipient_bundle_id, recipient_org_id, signed_at}; the org
 * id is signed but not sent (the relay knows whose receipt it is).
 */
import { b64uDecode, b64uEncode, hexDecode, utf8Encode } from './encoding.ts';
import { JsonNumber, isJsonObject, parseJsonLossless, signingForm } from './canonical-json.ts';
import type { JsonValue } from './canonical-json.ts';
import { ProtocolError } from './errors.ts';
import { DOMAIN_RECEIPT, signWithDomain, verifyWithDomain } from './ed25519-domain.ts';
import type { CryptoBackend } from './crypto-backend.ts';

export interface Receipt {
  message_id: string;
  ciphertext_sha256: string;
  recipient_bundle_id: string;
  signed_at: number;
  recipient_sig: string;
}

function receiptPayload(r: Omit<Receipt, 'recipient_sig'>, recipientOrgId: string): Uint8Array {
  return utf8Encode(
    signingForm({
      ciphertext_sha256: r.ciphertext_sha256,
      message_id: r.message_id,
      recipient_bundle_id: r.recipient_bundle_id,
      recipient_org_id: recipientOrgId,
      signed_at: r.signed_at,
    }),
  );
}

export function signReceipt(p: {
  messageId: string;
  ciphertextSha256: string;
  recipientOrgId: string;
  recipientBundleId: string;
  bundleSeed: Uint8Array;
  /** Unix seconds; floored like Python's int(time.time()). */
  signedAt: number;
  /** An optional native Ed25519 (the same bytes: Ed25519 signatures are deterministic). */
  backend?: CryptoBackend;
}): Receipt {
  const body = {
    message_id: p.messageId,
    ciphertext_sha256: p.ciphertextSha256,
    recipient_bundle_id: p.recipientBundleId,
    signed_at: Math.floor(p.signedAt),
  };
  const sig = signWithDomain(p.bundleSeed, DOMAIN_RECEIPT, receiptPayload(body, p.recipientOrgId), p.backend);
  return { ...body, recipient_sig: b64uEncode(sig) };
}

/** Throws ProtocolError('malformed') for a bad shape, ('bad_signature') for a wrong signature. */
export function verifyReceipt(receipt: Receipt, p: { recipientOrgId: string; recipientBundleEd25519Pub: Uint8Array; backend?: CryptoBackend }): void {
  for (const key of ['message_id', 'ciphertext_sha256', 'recipient_bundle_id', 'recipient_sig'] as const) {
    if (typeof receipt[key] !== 'string') throw new ProtocolError('malformed', `The receipt field ${key} is missing or not text.`, key);
  }
  if (!Number.isSafeInteger(receipt.signed_at)) throw new ProtocolError('malformed', 'The receipt field signed_at must be a whole number.', 'signed_at');
  if (hexDecode(receipt.ciphertext_sha256, 'ciphertext_sha256').length !== 32) {
    throw new ProtocolError('malformed', 'The receipt field ciphertext_sha256 must be 64 hex characters.', 'ciphertext_sha256');
  }
  const sig = b64uDecode(receipt.recipient_sig, 'recipient_sig');
  if (!verifyWithDomain(p.recipientBundleEd25519Pub, DOMAIN_RECEIPT, receiptPayload(receipt, p.recipientOrgId), sig, p.backend)) {
    throw new ProtocolError('bad_signature', 'The delivery receipt signature does not match.', 'recipient_sig');
  }
}

/** Shape check of a receipt from JSON text or a parsed value (signed_at must be an integer). */
export function parseReceipt(json: string | JsonValue): Receipt {
  const v = typeof json === 'string' ? parseJsonLossless(json) : json;
  if (!isJsonObject(v)) throw new ProtocolError('malformed', 'The receipt is not a JSON object.', 'receipt');
  const text = (key: string): string => {
    const x = v[key];
    if (typeof x !== 'string') throw new ProtocolError('malformed', `The receipt field ${key} is missing or not text.`, key);
    return x;
  };
  const at = v['signed_at'];
  const signedAt = at instanceof JsonNumber && at.isInteger ? Number(at.lexeme) : typeof at === 'number' ? at : NaN;
  if (!Number.isSafeInteger(signedAt)) throw new ProtocolError('malformed', 'The receipt field signed_at must be a whole number.', 'signed_at');
  return {
    message_id: text('message_id'),
    ciphertext_sha256: text('ciphertext_sha256'),
    recipient_bundle_id: text('recipient_bundle_id'),
    signed_at: signedAt,
    recipient_sig: text('recipient_sig'),
  };
}
