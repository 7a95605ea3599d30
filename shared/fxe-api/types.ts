/**
 * The fxe relay's REST API as TypeScript shapes: one source of truth for the local relay
 * (electron/relay/) and for our relay client (electron/services/). docs/relay.md is the prose
 * version of this file; keep them telling the same story.
 *
 * Two families of endpoints live here:
 *  - the ones the seed's reference client fixes (lookup, upload, fetch, key bundle, receipt):
 *    their shapes must match the seed byte for byte, so they carry only the seed's fields plus
 *    strictly additive extras a Python client ignores;
 *  - our documented extensions (redeem, bundle signatures, polling, webhook endpoints, sender
 *    status, key rotation, raw ciphertext download, health).
 *
 * Binary values inside JSON are base64url without padding; hashes are lowercase hex; times are
 * integer unix seconds. No Node or DOM imports: this file is "std" like the rest of shared/.
 */
import type { Envelope, PublicBundle, Receipt } from '../protocol/index.ts';

export type { Envelope, PublicBundle, Receipt };

/** Upper bound of a message's ciphertext (the seed's "100 MiB per message"). */
export const MAX_CIPHERTEXT_BYTES = 100 * 1024 * 1024;
/** Upper bound of the JSON envelope part of an upload. Envelopes are a few KiB per recipient bundle. */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;
/** FXE1 clock skew the relay tolerates, and how long it remembers a nonce. */
export const AUTH_MAX_SKEW_SECONDS = 300;
export const AUTH_NONCE_WINDOW_SECONDS = 600;
/** How long the previous webhook secret keeps signing after a rotation. */
export const WEBHOOK_ROTATION_OVERLAP_SECONDS = 300;
/** Polling page size: default and maximum of `limit`. */
export const PENDING_PAGE_DEFAULT = 100;
export const PENDING_PAGE_MAX = 500;

/** Every error response body. `error` is stable (switch on it); `message` is for people. */
export interface ErrorBody {
  error: string;
  message: string;
  /** The request field or header the error is about, when there is one. */
  field?: string;
}

// ---------------------------------------------------------------------------------------------
// Key bundles (seed: GET /v1/key-bundles/{id}; extension: signatures, upload, retirement)
// ---------------------------------------------------------------------------------------------

/**
 * The public half of a bundle as a client uploads it (redeem, rotation). A type alias rather
 * than an interface so it is assignable to shared/protocol's PublicBundle (index signature).
 */
export type BundleUpload = {
  bundle_id: string;
  ml_kem_pub: string; // 1184 bytes, b64u
  x25519_pub: string; // 32 bytes, b64u
  ed25519_pub: string; // 32 bytes, b64u: verifies envelopes and receipts made with this bundle
};

/**
 * A bundle as the relay serves it: the seed's fields (`bundle_id`, `ml_kem_pub`, `x25519_pub`,
 * `ed25519_pub`) plus our extension fields. `bundle_sig` is the org signing key's Ed25519
 * signature over 0x0d "fxe-v1-bundle" ‖ signingForm({bundle_id, ed25519_pub, ml_kem_pub,
 * x25519_pub}) (shared/protocol signBundle); `org_signing_pub` verifies it.
 */
export type BundleView = BundleUpload & {
  org_id: string;
  bundle_sig: string;
  org_signing_pub: string;
  status: 'active' | 'retired';
  created_at: number;
  retired_at: number | null;
};

/** GET /v1/key-bundles/{bundle_id} → 200 (any authenticated org; retired bundles too). */
export type KeyBundleResponse = BundleView;

/** POST /v1/key-bundles → 201 BundleView. Rotation step 1: add the new bundle. */
export interface AddBundleRequest {
  bundle: BundleUpload;
  bundle_sig: string;
}
export type AddBundleResponse = BundleView;

/** DELETE /v1/key-bundles/{bundle_id} → 200. Rotation step 2: retire the old bundle. */
export type RetireBundleResponse = BundleView;

// ---------------------------------------------------------------------------------------------
// Lookup (seed) — GET /v1/lookup?fax_number=<E.164 with a raw '+'>
// ---------------------------------------------------------------------------------------------

/** 200 when the number is on fxe; 404 `not_covered` otherwise (fall back to PSTN). */
export interface LookupResponse {
  org_id: string;
  /** Active bundles only. Several = the recipient is rotating: wrap the CEK for each. */
  bundles: BundleView[];
  // Extensions:
  fax_number: string;
  org_name: string;
  org_signing_pub: string;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/** POST /v1/messages (multipart `envelope` + `ciphertext`) → 201. */
export interface UploadResponse {
  message_id: string;
}

/**
 * GET /v1/messages/{id} → 200 (recipient org only). The seed's shape. `envelope` is the JSON
 * object exactly as the sender uploaded it (the relay re-emits the uploaded text verbatim, so
 * parse it losslessly: shared/protocol parseEnvelope).
 */
export interface MessageResponse {
  envelope: Envelope;
  ciphertext: string; // b64u of nonce24 ‖ ct ‖ tag
}

/** POST /v1/messages/{id}/receipt: the seed's receipt body. */
export type ReceiptRequest = Receipt;

/** 200 for the first valid receipt and for an identical repeat. */
export interface ReceiptResponse {
  message_id: string;
  status: 'delivered';
  delivered_at: number;
}

export type MessageStatus = 'pending' | 'delivered';

/** One line of the polling list. */
export interface PendingMessage {
  message_id: string;
  sender_org_id: string;
  from_number: string;
  to_number: string;
  size: number;
  created_at: number; // the sender's envelope created_at (integer seconds)
  uploaded_at: number;
}

/**
 * GET /v1/messages?status=pending&after=<cursor>&limit=<n> → 200 (extension: polling).
 * Messages addressed to the caller's org that have no receipt yet, oldest first. Pass
 * `next_cursor` back as `after` for the next page while it is a string; null = last page.
 * Messages stay pending until their receipt, so each new poll starts again without `after`.
 */
export interface PendingListResponse {
  messages: PendingMessage[];
  next_cursor: string | null;
}

/**
 * GET /v1/messages/{id}/status → 200 (extension: sender's view; sender or recipient org).
 * `receipt` is the recipient's own signed receipt: verify it with the recipient bundle's
 * ed25519_pub (GET /v1/key-bundles/{receipt.recipient_bundle_id}) before showing "delivered".
 */
export interface MessageStatusResponse {
  message_id: string;
  status: MessageStatus;
  sender_org_id: string;
  recipient_org_id: string;
  from_number: string;
  to_number: string;
  size: number;
  ciphertext_sha256: string;
  uploaded_at: number;
  delivered_at: number | null;
  receipt: Receipt | null;
}

/** GET /v1/messages/{id}/envelope → 200 (extension; recipient org only): the envelope alone. */
export interface EnvelopeResponse {
  envelope: Envelope;
}

// GET /v1/messages/{id}/ciphertext → 200 application/octet-stream (extension: raw bytes),
// headers Content-Length and X-Fxe-Ciphertext-Sha256. Recipient org only.
export const CIPHERTEXT_SHA256_HEADER = 'x-fxe-ciphertext-sha256';

// ---------------------------------------------------------------------------------------------
// Redeem (extension) — POST /v1/redeem, no Authorization (the org has no key yet)
// ---------------------------------------------------------------------------------------------

/**
 * The client generates every key locally and proposes its `bundle.bundle_id` (so it can sign
 * the bundle before the relay answers). The relay assigns `org_id` and `key_id`. `bundle_sig`
 * made with the new signing key proves the client holds the key whose public half it uploads.
 * Build it with buildRedeemRequest (./redeem.ts).
 */
export interface RedeemRequest {
  invite_token: string;
  org_name: string;
  fax_numbers: string[]; // E.164, at least one
  signing_pub: string; // org request-signing Ed25519 public key, b64u
  bundle: BundleUpload;
  bundle_sig: string;
}

/** 201. Together with the locally generated private keys this is everything keys.zip needs. */
export interface RedeemResponse {
  relay: string; // the base URL to write into credentials.json
  org_id: string;
  key_id: string;
  bundle_id: string;
  org_name: string;
  fax_numbers: string[];
}

// ---------------------------------------------------------------------------------------------
// Who am I (extension) — GET /v1/orgs/me
// ---------------------------------------------------------------------------------------------

export interface OrgResponse {
  org_id: string;
  org_name: string;
  key_id: string;
  fax_numbers: string[];
  bundles: BundleView[]; // active and retired
  webhook: WebhookEndpointView | null;
}

// ---------------------------------------------------------------------------------------------
// Webhook endpoint (extension) — one endpoint per org
// ---------------------------------------------------------------------------------------------

/** PUT /v1/webhook-endpoint: register or replace the URL (a new secret, no overlap). */
export interface WebhookRegisterRequest {
  url: string; // http:// or https://
}

/**
 * 200/201 to PUT and 200 to POST /v1/webhook-endpoint/rotate. `secret` is shown ONCE: the relay
 * never returns it again. The HMAC key is the UTF-8 bytes of the whole string ("whsec_…").
 */
export interface WebhookSecretResponse {
  url: string;
  secret: string;
  /** After a rotation: until when the previous secret also signs deliveries (old first). */
  previous_secret_valid_until: number | null;
}

/** GET /v1/webhook-endpoint → 200 (404 `webhook_not_registered`). Never includes a secret. */
export interface WebhookEndpointView {
  url: string;
  created_at: number;
  rotated_at: number | null;
  previous_secret_valid_until: number | null;
}

export type WebhookEventType = 'message.received' | 'message.delivered';

/** Headers of every delivery (lower-case, as Node presents them). */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-fxe-timestamp',
  signature: 'x-fxe-signature', // "v1=<hex>" or, during a rotation overlap, "v1=<old>,v1=<new>"
  eventId: 'x-fxe-event-id',
  eventType: 'x-fxe-event-type',
} as const;

/** Body of `message.received`, sent to the recipient org. */
export interface MessageReceivedEvent {
  event_id: string;
  type: 'message.received';
  created_at: number;
  message_id: string;
  sender_org_id: string;
  from_number: string;
  to_number: string;
  size: number;
}

/** Body of `message.delivered`, sent to the sender org once the recipient's receipt verifies. */
export interface MessageDeliveredEvent {
  event_id: string;
  type: 'message.delivered';
  created_at: number;
  message_id: string;
  recipient_org_id: string;
  to_number: string;
  delivered_at: number;
  receipt: Receipt;
}

export type WebhookEvent = MessageReceivedEvent | MessageDeliveredEvent;

// ---------------------------------------------------------------------------------------------
// Health (extension, no auth) — GET /v1/health
// ---------------------------------------------------------------------------------------------

export const RELAY_EXTENSIONS = [
  'redeem',
  'bundle-signatures',
  'polling',
  'webhook-endpoints',
  'message-status',
  'key-rotation',
  'ciphertext-download',
] as const;
export type RelayExtension = (typeof RELAY_EXTENSIONS)[number];

export interface HealthResponse {
  ok: true;
  relay: string; // implementation name, 'fxe-local-relay' for ours
  extensions: RelayExtension[];
  max_ciphertext_bytes: number;
}

// ---------------------------------------------------------------------------------------------
// Local-relay-only development helper — POST /v1/dev/invites (not part of the fxe API)
// ---------------------------------------------------------------------------------------------

export interface DevInviteRequest {
  ttl_seconds?: number;
}
export interface InviteResponse {
  invite_token: string;
  expires_at: number;
}
