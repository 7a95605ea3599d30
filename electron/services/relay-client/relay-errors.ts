/**
 * How relay answers become errors a person can act on. The relay's own stable codes
 * (shared/fxe-api/errors.ts) are kept in the code (`relay.<code>`); the ones the desk has to
 * react to (PSTN prompt, clock, numbers, size, reachability) get their own sentences.
 */
import { RELAY_ERRORS, isRelayErrorCode } from '../../../shared/fxe-api/errors.ts';
import { DeskError } from '../errors.ts';

export const RelayErrorCodes = {
  notOnFxe: 'relay.not_on_fxe',
  clockSkew: 'relay.clock_skew',
  numberNotYours: 'relay.number_not_yours',
  tooLarge: 'relay.too_large',
  unreachable: 'relay.unreachable',
  garbage: 'relay.garbage',
  serverError: 'relay.server_error',
  authRejected: 'relay.auth_rejected',
  duplicate: 'relay.duplicate_message',
} as const;

export function unreachable(baseUrl: string, detail: string, cause?: unknown): DeskError {
  return new DeskError(RelayErrorCodes.unreachable, `The fxe relay (${hostOf(baseUrl)}) cannot be reached. Check the internet connection; fxe Desk keeps trying.`, {
    detail,
    retryable: true,
    cause,
  });
}

export function garbage(detail: string): DeskError {
  return new DeskError(RelayErrorCodes.garbage, 'The fxe relay sent an answer fxe Desk could not understand. It will try again later.', {
    detail,
    retryable: true,
  });
}

export function clockSkew(skewSeconds: number, detail: string): DeskError {
  const n = Math.abs(Math.round(skewSeconds));
  const direction = skewSeconds > 0 ? 'behind' : 'ahead';
  return new DeskError(
    RelayErrorCodes.clockSkew,
    `Your computer's clock is off by ${n} seconds (${direction}). Set the correct time in the system settings, then try again.`,
    { detail },
  );
}

/** Map a non-2xx answer. `body` is the parsed JSON error body when there was one. */
export function fromHttpStatus(p: { status: number; code: string | null; relayMessage: string | null; method: string; path: string; dateHeader: string | null; localNowMs: number }): DeskError {
  const where = `${p.method} ${p.path} → ${p.status}${p.code ? ` ${p.code}` : ''}${p.relayMessage ? `: ${p.relayMessage}` : ''}`;
  if (p.status >= 500) {
    return new DeskError(RelayErrorCodes.serverError, 'The fxe relay is having a problem right now. fxe Desk will try again shortly.', { detail: where, retryable: true });
  }
  if (p.code === 'auth_stale') {
    const relayMs = p.dateHeader ? Date.parse(p.dateHeader) : Number.NaN;
    if (Number.isFinite(relayMs)) return clockSkew((relayMs - p.localNowMs) / 1000, where);
    return clockSkew(0, `${where} (no Date header to measure the offset)`);
  }
  if (p.status === 404 && (p.code === 'not_covered' || p.code === 'to_number_not_covered')) {
    return new DeskError(RelayErrorCodes.notOnFxe, 'This fax number is not on the fxe network. You can send it over the phone network instead.', { detail: where });
  }
  if (p.status === 403 && (p.code === 'from_number_not_yours' || p.code === 'to_number_not_recipient')) {
    return new DeskError(RelayErrorCodes.numberNotYours, 'The fax number you are sending from is not registered to your organisation on fxe. Pick one of your own numbers.', { detail: where });
  }
  if (p.status === 413 || p.code === 'too_large') {
    return new DeskError(RelayErrorCodes.tooLarge, 'The fax is too large: fxe accepts up to 100 MiB. Split it into smaller files.', { detail: where });
  }
  if (p.status === 409 && p.code === 'duplicate_message') {
    return new DeskError(RelayErrorCodes.duplicate, 'This fax was already uploaded.', { detail: where });
  }
  if (p.status === 401) {
    const base = isRelayErrorCode(p.code) ? RELAY_ERRORS[p.code].message : 'The relay did not accept this office\'s keys.';
    return new DeskError(`relay.${p.code ?? 'auth_rejected'}`, `${base} If it keeps happening, import the organisation's keys.zip again.`, { detail: where });
  }
  if (isRelayErrorCode(p.code)) {
    return new DeskError(`relay.${p.code}`, RELAY_ERRORS[p.code].message, { detail: where });
  }
  return new DeskError(`relay.http_${p.status}`, 'The fxe relay refused the request.', { detail: where });
}

function hostOf(url: string): string {
  try { return new URL(url).host; } catch { return url; }
}
