/**
 * Every failure the services report is a DeskError: a stable `code` the UI and tests can
 * switch on, a `message` a receptionist can act on, and the technical `detail` kept apart
 * (shown one click away, written to logs). Detail must never contain a secret.
 */
import type { UserError } from '../../shared/domain/types.ts';
import { ProtocolError } from '../../shared/protocol/errors.ts';

export class DeskError extends Error {
  readonly code: string;
  readonly detail: string | undefined;
  /** Transient failures (network, 5xx, storage hiccups) are worth retrying later. */
  readonly retryable: boolean;
  constructor(code: string, message: string, opts: { detail?: string; retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DeskError';
    this.code = code;
    this.detail = opts.detail;
    this.retryable = opts.retryable ?? false;
  }
  toUserError(): UserError {
    return this.detail === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, detail: this.detail };
  }
}

export function isDeskError(e: unknown, code?: string): e is DeskError {
  return e instanceof DeskError && (code === undefined || e.code === code);
}

/** Sentences for protocol failures, phrased for the person at the desk. */
const PROTOCOL_SENTENCES: Record<string, string> = {
  malformed: 'The fax data was damaged or incomplete, so it was not accepted.',
  unsupported_suite: 'The fax uses an encryption method this version of fxe Desk does not support.',
  bad_signature: "The fax's signature did not check out, so it was not accepted.",
  hash_mismatch: 'The fax arrived altered in transit, so it was not accepted.',
  no_key_for_bundle: 'The fax was not encrypted for this office\'s current keys.',
  unwrap_failed: 'The fax could not be unlocked with this office\'s keys.',
  decrypt_failed: 'The fax could not be decrypted; it may have been altered.',
  keys_zip_invalid: 'That file is not a valid fxe keys.zip.',
};

/** Turn anything thrown into a UserError: never leak a stack or a secret, always a sentence. */
export function toUserError(e: unknown): UserError {
  if (e instanceof DeskError) return e.toUserError();
  if (e instanceof ProtocolError) {
    const sentence = PROTOCOL_SENTENCES[e.code] ?? 'A security check on the fax failed.';
    return { code: `protocol.${e.code}`, message: sentence, detail: e.field ? `${e.message} (${e.field})` : e.message };
  }
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { code: 'internal', message: 'Something went wrong inside fxe Desk. Please try again.', detail };
}

export function errorDetail(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
