/**
 * Remembers which webhook events were already accepted, so a replayed or re-delivered copy
 * (same event id, fresh or old timestamp) is not acted on twice. mintfax says to store each
 * event_id and skip ones already seen (seed 001); Telnyx says it may deliver duplicates.
 *
 * Only call `firstSeen` AFTER the signature checked out: otherwise anyone could burn event ids
 * and make us drop the real events.
 */
import type { KeyValueStore } from './key-value-store.ts';

/** How long an event id is remembered. Providers retry deliveries for hours to days. */
export const DEFAULT_DEDUPE_TTL_SECONDS = 7 * 24 * 3600;

export class WebhookDeduper {
  readonly #store: KeyValueStore;
  readonly #ttlSeconds: number;
  constructor(store: KeyValueStore, options: { ttlSeconds?: number } = {}) {
    this.#store = store;
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_DEDUPE_TTL_SECONDS;
  }
  /** True the first time an event id is seen for a provider, false for every copy after. */
  firstSeen(provider: string, eventId: string, nowSeconds: number): boolean {
    return this.#store.putIfAbsent(`webhook:${provider}:${eventId}`, String(nowSeconds), nowSeconds + this.#ttlSeconds, nowSeconds);
  }
}
