/**
 * What every handler of the relay gets: the store, the clock, auth, the webhook queue and
 * where files live. One object, passed explicitly, so the server has no module-level state
 * and several relays can run in one process (tests do).
 */
import type { RelayAuth } from './auth.ts';
import type { RelayLog } from './log.ts';
import type { RelayStore } from './store.ts';
import type { WebhookDispatcher } from './webhooks.ts';

export interface RelayContext {
  store: RelayStore;
  auth: RelayAuth;
  webhooks: WebhookDispatcher;
  log: RelayLog;
  now: () => number;
  messagesDir: string;
  incomingDir: string;
  /** The base URL written into redeemed credentials. */
  publicUrl: () => string;
  devInvites: boolean;
  /** What this relay offers: everything (our extensions) or only what the reference relay does. */
  profile: RelayProfile;
}

/**
 * `full`: the seed's API plus this project's extensions (docs/relay.md). `reference`: only what
 * the reference relay offers (lookup without bundle signatures, upload, fetch, key bundles,
 * receipts, message.received webhooks registered by the operator; no health, polling, status,
 * webhook management, key rotation or raw download), to prove the clients degrade cleanly.
 */
export type RelayProfile = 'full' | 'reference';
export const RELAY_PROFILES: readonly RelayProfile[] = ['full', 'reference'];
