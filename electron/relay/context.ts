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
}
