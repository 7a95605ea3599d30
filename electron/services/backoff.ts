/**
 * The one backoff formula of the services: base · 2^step, capped. The outbox, the PSTN lane,
 * the poller and the relay client each choose their own base, cap and jitter around it.
 */

/** Past 2^20 the cap has long won; stopping there keeps a months-long outage from reaching Infinity. */
const MAX_DOUBLINGS = 20;

/** `baseMs` for step 0, doubling per step, never more than `capMs`. */
export function exponentialDelayMs(step: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(step, 0), MAX_DOUBLINGS));
}

/**
 * Somewhere between half and all of `ms`: desks retrying after the same outage spread out,
 * yet none comes back much sooner than planned.
 */
export function halfJitter(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}
