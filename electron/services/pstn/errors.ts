/**
 * Every PSTN failure is a PstnError: a DeskError whose code is `pstn.<reason>`, with one plain
 * sentence for the person at the desk and the technical detail (HTTP status, the provider's
 * own error code) kept apart. Details never contain credentials: the adapters only ever put
 * the provider's error envelope or status line in them, never request headers.
 */
import { DeskError } from '../errors.ts';

export type PstnErrorReason =
  | 'not_configured'
  | 'invalid_number'
  | 'auth_failed'
  | 'file_too_large'
  | 'file_rejected'
  | 'rate_limited'
  | 'provider_unavailable'
  | 'insufficient_balance'
  | 'idempotency_conflict'
  | 'not_found'
  | 'request_rejected'
  | 'aborted'
  | 'webhook_malformed'
  | 'webhook_stale'
  | 'webhook_bad_signature'
  | 'webhook_duplicate';

const SENTENCES: Record<PstnErrorReason, string> = {
  not_configured: 'Sending over the phone network is not set up yet. Add a fax provider in Settings.',
  invalid_number: 'The fax number does not look right. Check it, including the country code, and try again.',
  auth_failed: 'The fax provider did not accept our login. Check the provider settings (the API key may have changed).',
  file_too_large: 'This document is too large for the fax provider.',
  file_rejected: 'The fax provider could not read this document. Try saving it again as a PDF.',
  rate_limited: 'The fax provider is busy with too many requests right now. The fax will be tried again shortly.',
  provider_unavailable: 'The fax provider cannot be reached right now. The fax will be tried again later.',
  insufficient_balance: 'The fax provider account has run out of credit. Top it up, then send again.',
  idempotency_conflict: 'This fax was already submitted with different content. Start a new fax instead of resending this one.',
  not_found: 'The fax provider has no record of this fax.',
  request_rejected: 'The fax provider refused the request.',
  aborted: 'Sending was cancelled.',
  webhook_malformed: 'A status update from the fax provider was incomplete and was ignored.',
  webhook_stale: 'An old status update from the fax provider was ignored (it may have been replayed).',
  webhook_bad_signature: 'A status update claiming to be from the fax provider failed its signature check and was ignored.',
  webhook_duplicate: 'A status update from the fax provider arrived twice; the copy was ignored.',
};

/** Reasons worth trying again later without changing anything. */
const RETRYABLE: ReadonlySet<PstnErrorReason> = new Set(['rate_limited', 'provider_unavailable']);

export class PstnError extends DeskError {
  readonly reason: PstnErrorReason;
  /** HTTP status of the provider response, when there was one. */
  readonly httpStatus: number | undefined;
  /** The provider's own error code (mintfax `error`, Telnyx `errors[0].code`), when it gave one. */
  readonly providerCode: string | undefined;
  /** For rate_limited: how long the provider asked us to wait. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    reason: PstnErrorReason,
    opts: { message?: string; detail?: string; httpStatus?: number; providerCode?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(`pstn.${reason}`, opts.message ?? SENTENCES[reason], {
      ...(opts.detail === undefined ? {} : { detail: opts.detail }),
      retryable: RETRYABLE.has(reason),
      cause: opts.cause,
    });
    this.name = 'PstnError';
    this.reason = reason;
    this.httpStatus = opts.httpStatus;
    this.providerCode = opts.providerCode;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function isPstnError(e: unknown, reason?: PstnErrorReason): e is PstnError {
  return e instanceof PstnError && (reason === undefined || e.reason === reason);
}

/** "10 MB" style sizes for sentences: decimal units, as the providers' documents write them. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / 1_000_000;
  return `${Number.isInteger(mb) ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}

export function fileTooLargeError(provider: string, sizeBytes: number, maxBytes: number): PstnError {
  return new PstnError('file_too_large', {
    message:
      `This document is ${formatMegabytes(sizeBytes)}, but ${provider} accepts at most ${formatMegabytes(maxBytes)}. ` +
      'Split it into smaller parts or reduce its size, then send again.',
    detail: `${sizeBytes} bytes > limit ${maxBytes} bytes (checked before upload)`,
  });
}
