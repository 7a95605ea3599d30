/**
 * The shapes every PSTN fax provider adapter speaks. Plain Node: nothing here
 * imports electron, so the services and the tests use the same code.
 *
 * Kept apart from provider.ts so the adapters (telnyx.ts, mintfax.ts) can import the types
 * without an import cycle through the factory.
 */
import type { PstnProviderName } from '../../../shared/domain/types.ts';
import type { KeyValueStore } from './key-value-store.ts';
import type { WebhookDeduper } from './webhook-dedupe.ts';
import type { RetryPolicy } from './http.ts';

export type { PstnProviderName };

/** Our four states; every provider state maps onto exactly one of them. */
export type PstnState = 'queued' | 'sending' | 'delivered' | 'failed';

/**
 * Why a fax failed, normalised across providers so the outbox can phrase it the same way
 * whichever provider was used. The provider's own code stays in `providerFailureCode`.
 */
export type PstnFailureCode =
  | 'busy'
  | 'no_answer'
  | 'invalid_number'
  | 'rejected'
  | 'line_problem'
  | 'file_problem'
  | 'account_problem'
  | 'other';

export interface PstnStatus {
  state: PstnState;
  /** The provider's own word for the state (e.g. Telnyx `media.processed`, mintfax `in_progress`). */
  providerState: string;
  /** One plain sentence, only when state is `failed`. */
  failureReason?: string;
  /** Normalised reason, only when state is `failed`. */
  failureCode?: PstnFailureCode;
  /** The provider's failure code as sent (e.g. `user_busy`, `no_answer`), for the detail view and logs. */
  providerFailureCode?: string;
  /** ISO-8601 time the provider last changed the fax, when it says. */
  updatedAt?: string;
}

/** Which documented signature scheme authenticated a webhook. */
export type PstnWebhookScheme = 'telnyx-ed25519' | 'telnyx-hmac' | 'mintfax-signature' | 'standard-webhooks';

/** A webhook that passed signature, freshness and (when a deduper is configured) duplicate checks. */
export interface PstnWebhookEvent {
  provider: PstnProviderName;
  scheme: PstnWebhookScheme;
  /** The provider's event id: what duplicates are recognised by. */
  eventId: string;
  /** The provider's event type, e.g. `fax.delivered`. Empty when the payload has none. */
  type: string;
  /** The fax the event is about; null for events that are not about a fax (balance, messaging). */
  providerFaxId: string | null;
  /** The fax's status as the event reports it; null when the event is not about a fax. */
  status: PstnStatus | null;
  /** Unix seconds the signature was made (from the signed timestamp header). */
  signedAt: number;
  /** The parsed JSON body, for callers that need fields we do not model. */
  payload: unknown;
}

export interface PstnSendFile {
  fileName: string;
  pdf: Uint8Array;
}

export interface PstnSendOptions {
  /**
   * Same key = same fax. The caller derives it from the outbox item id, so resending after a
   * crash or a timeout never sends the fax twice.
   */
  idempotencyKey: string;
  /** Where the provider should post status events (mintfax takes it per fax; Telnyx ignores it: it is set on the Telnyx application). */
  webhookUrl?: string;
  signal?: AbortSignal;
}

export interface PstnSendResult {
  providerFaxId: string;
  status: PstnStatus;
}

export interface PstnProvider {
  readonly name: PstnProviderName;
  /** Largest PDF this provider takes, in bytes; checked before any upload. */
  readonly maxFileBytes: number;
  send(file: PstnSendFile, to: string, from: string, options: PstnSendOptions): Promise<PstnSendResult>;
  status(providerFaxId: string, options?: { signal?: AbortSignal }): Promise<PstnStatus>;
  /** Throws PstnError (webhook_malformed, webhook_stale, webhook_bad_signature, webhook_duplicate). */
  verifyWebhook(headers: WebhookHeaders, rawBody: Uint8Array): PstnWebhookEvent;
}

/** Request headers as node:http gives them (lower-case names, repeated headers as arrays). */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface TelnyxConfig {
  provider: 'telnyx';
  /** API v2 key (Bearer). From the vault; never logged. */
  apiKey: string;
  /** The Programmable Fax application id (`connection_id`). */
  connectionId: string;
  /** Defaults to https://api.telnyx.com. */
  baseUrl?: string;
  /** Fax quality; Telnyx's default is `high`. */
  quality?: 'normal' | 'high' | 'very_high' | 'ultra_light' | 'ultra_dark';
  /** Account public key from the portal, base64 of 32 bytes: verifies `telnyx-signature-ed25519`. */
  webhookPublicKey?: string;
  /** Profile secret for the older `X-Telnyx-Signature: t=…,h=…` HMAC scheme (seed 002). */
  webhookHmacSecret?: string;
  /** Allowed |now − timestamp| for Ed25519 webhooks. Default 300 s. */
  ed25519ToleranceSeconds?: number;
  /** Allowed |now − t| for HMAC webhooks. Default 30 s, as seed 002 recommends. */
  hmacToleranceSeconds?: number;
}

export interface MintfaxConfig {
  provider: 'mintfax';
  /** Bearer key (`mfx_test_…` sandbox, `mfx_live_…` live). From the vault; never logged. */
  apiKey: string;
  /** Defaults to https://api.mintfax.com. */
  baseUrl?: string;
  /** Delivery attempts mintfax makes on busy / no answer (documented range 1..5). */
  maxAttempts?: number;
  /** Current signing secret (`whsec_…`). */
  webhookSecret?: string;
  /** The secret before the last rotation: tried after the current one (seed 001, step 4). */
  previousWebhookSecret?: string;
  /** Unix seconds after which the previous secret is no longer tried (rotation time + 5 min). */
  previousWebhookSecretExpiresAt?: number;
  /** Replay window for both webhook schemes. Default 300 s (seed 001: five minutes). */
  webhookToleranceSeconds?: number;
}

export type PstnConfig = TelnyxConfig | MintfaxConfig;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface PstnDeps {
  fetch: FetchLike;
  /** Clock in Unix seconds (webhook freshness, Retry-After dates). Default: Date.now()/1000. */
  nowSeconds?: () => number;
  /** Waits between retries; tests inject one that records the delay and returns at once. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Remembers idempotency key → provider fax id. Telnyx documents no idempotency header for
   * faxes, so this is what makes a repeated Telnyx submission safe. Default: in memory.
   */
  idempotencyStore?: KeyValueStore;
  /** When given, verifyWebhook refuses an event id it has already accepted. */
  deduper?: WebhookDeduper;
  retry?: Partial<RetryPolicy>;
}
