/**
 * Every error the relay can answer with: a stable code (the `error` field of the JSON body),
 * its HTTP status, and a sentence a receptionist can understand. The relay sends exactly
 * these sentences; clients may show them or map the code to their own words. The technical
 * detail, when there is one, goes into the relay's log, never into this table.
 */
export const RELAY_ERRORS = {
  // 401: the request itself is not proven to come from a known org (FXE1 header).
  auth_missing: { status: 401, message: 'The request was not signed. Check that the fxe keys are loaded.' },
  auth_malformed: { status: 401, message: 'The request signature header could not be read.' },
  auth_stale: { status: 401, message: "The request's time is too far from the relay's time. Check this computer's clock." },
  auth_replayed: { status: 401, message: 'This exact request was already received once, so it was refused.' },
  auth_unknown_key: { status: 401, message: 'The relay does not know this organisation key. The keys may be revoked or meant for another relay.' },
  bad_signature: { status: 401, message: 'The request signature is not valid for this organisation key.' },

  // 403: signed correctly, but not allowed for this org.
  sender_org_mismatch: { status: 403, message: 'The fax says it comes from another organisation than the one sending it.' },
  from_number_not_yours: { status: 403, message: "The sender fax number does not belong to your organisation." },
  sender_bundle_not_yours: { status: 403, message: "The fax was sealed with a key that is not one of your organisation's active keys." },
  to_number_not_recipient: { status: 403, message: 'The destination fax number belongs to a different organisation than the one the fax was encrypted for.' },
  not_recipient: { status: 403, message: 'This fax is addressed to another organisation.' },
  not_party: { status: 403, message: 'Only the sender and the recipient can see the status of this fax.' },
  receipt_forged: { status: 403, message: "The delivery receipt is not signed by the recipient's key." },
  bundle_not_yours: { status: 403, message: 'This key bundle belongs to another organisation.' },
  invite_invalid: { status: 403, message: 'This invite code is not valid.' },

  // 404
  not_found: { status: 404, message: 'There is no such address on the relay.' },
  not_covered: { status: 404, message: 'This fax number is not on the fxe network.' },
  message_not_found: { status: 404, message: 'The relay has no fax with this id.' },
  bundle_not_found: { status: 404, message: 'The relay has no key bundle with this id.' },
  webhook_not_registered: { status: 404, message: 'No webhook address is registered for this organisation.' },

  // 405
  method_not_allowed: { status: 405, message: 'This address does not accept that kind of request.' },

  // 409: conflicts with what the relay already holds.
  duplicate_message: { status: 409, message: 'A fax with this id was already uploaded.' },
  receipt_conflict: { status: 409, message: 'This fax already has a different delivery receipt.' },
  invite_used: { status: 409, message: 'This invite code was already used.' },
  number_taken: { status: 409, message: 'One of these fax numbers already belongs to another organisation on fxe.' },
  bundle_id_taken: { status: 409, message: 'This key bundle id is already in use. Generate new keys and try again.' },
  last_bundle: { status: 409, message: "The organisation's only active key cannot be retired; add the new key first." },

  // 410: it existed, it is gone.
  invite_expired: { status: 410, message: 'This invite code has expired. Ask for a new one.' },
  message_delivered: { status: 410, message: 'This fax was already delivered, so the relay no longer keeps its contents.' },

  // 413
  too_large: { status: 413, message: 'The fax is larger than the 100 MiB fxe allows.' },
  request_too_large: { status: 413, message: 'The request is larger than the relay accepts.' },

  // 422: the request was understood but its content is wrong.
  malformed_request: { status: 422, message: 'The request body is not what the relay expects.' },
  malformed_multipart: { status: 422, message: 'The fax upload is not a valid envelope and ciphertext upload.' },
  malformed_envelope: { status: 422, message: 'The fax envelope is damaged or incomplete.' },
  malformed_fax_number: { status: 422, message: 'A fax number is not in international format (like +15551234567).' },
  unsupported_suite: { status: 422, message: 'The fax was encrypted with a method this relay does not support.' },
  envelope_bad_signature: { status: 422, message: "The fax envelope's signature does not verify: it was altered or sealed with the wrong key." },
  ciphertext_hash_mismatch: { status: 422, message: 'The fax contents do not match their fingerprint: the upload was altered or damaged.' },
  size_mismatch: { status: 422, message: 'The fax contents are not the size the envelope states.' },
  to_number_not_covered: { status: 422, message: 'The destination fax number is not on the fxe network.' },
  unknown_recipient_org: { status: 422, message: 'The fax is addressed to an organisation the relay does not know.' },
  no_key_for_recipient: { status: 422, message: "The fax was not encrypted for any of the recipient's current keys." },
  receipt_mismatch: { status: 422, message: 'The delivery receipt does not match this fax.' },
  bundle_signature_invalid: { status: 422, message: "The key bundle is not signed by the organisation's key." },

  // 500
  internal_error: { status: 500, message: 'The relay had an internal problem. Try again later.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type RelayErrorCode = keyof typeof RELAY_ERRORS;

export function isRelayErrorCode(code: unknown): code is RelayErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(RELAY_ERRORS, code);
}
