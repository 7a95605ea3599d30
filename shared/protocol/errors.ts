/**
 * Every protocol failure is a ProtocolError with a stable `code`, so callers (the relay,
 * the services, the UI) can map it to an HTTP status or a sentence without parsing text.
 */
export type ProtocolErrorCode =
  | 'malformed' // a field is missing, of the wrong type or length, or not decodable
  | 'unsupported_suite'
  | 'bad_signature' // an Ed25519 signature does not verify
  | 'hash_mismatch' // ciphertext_sha256 does not match the ciphertext
  | 'no_key_for_bundle' // the envelope holds no wrapped key for our bundle
  | 'unwrap_failed' // AES-GCM unwrap of the CEK failed
  | 'decrypt_failed' // ChaCha20-Poly1305 of the body failed
  | 'keys_zip_invalid' // keys.zip is broken: `field` names the entry
  | 'auth_malformed' // the Authorization header cannot be parsed
  | 'auth_stale' // |now - ts| beyond the allowed skew
  | 'auth_replayed' // the nonce was seen inside the replay window
  | 'auth_unknown_key' // key_id unknown to the verifier
  | 'webhook_stale'
  | 'webhook_bad_signature'
  | 'webhook_malformed'
  | 'too_large'; // the ciphertext would exceed the relay's 100 MiB cap

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** The field, keys.zip entry or header the error is about, when there is one. */
  readonly field: string | undefined;
  /**
   * `message` is the plain sentence for people; technical detail goes in `options.cause`
   * (logged, never shown to the user as the main text).
   */
  constructor(code: ProtocolErrorCode, message: string, field?: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProtocolError';
    this.code = code;
    this.field = field;
  }
}

export function isProtocolError(e: unknown, code?: ProtocolErrorCode): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}
