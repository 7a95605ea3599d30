/**
 * How long the desk waits and how often it tries again. Every field is optional: the app runs
 * on each service's own default, and tests shorten what they need in one object
 * (`createDesk({ timings })`, `openServices({ timings })`) instead of one option per service.
 */
import type { RetryPolicy } from './pstn/http.ts';

export interface Timings {
  /** Attempts after the first on a network error or 5xx from the relay (relay-client). */
  relayRetries?: number;
  /** One relay request's time limit. */
  relayTimeoutMs?: number;
  /** The fxe send queue's first backoff after a retryable failure (doubling, jittered). */
  outboxRetryBaseMs?: number;
  /** The phone-network lane: first status poll, submit backoff, and the adapters' in-request retries. */
  pstnPollBaseMs?: number;
  pstnRetryBaseMs?: number;
  pstnHttpRetry?: Partial<RetryPolicy>;
  /** How long an old bundle stays active after a key rotation (default KEY_ROTATION_GRACE_MS). */
  keyRotationGraceMs?: number;
}

/**
 * The object without its undefined fields: a service's option left unset then keeps its
 * default (with exactOptionalPropertyTypes, `{ x: undefined }` is not `{}`).
 */
export function definedOnly<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
