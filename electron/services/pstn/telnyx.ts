/**
 * Telnyx Programmable Fax (API v2) adapter. Sending is two calls: upload the PDF to Telnyx
 * media storage (`POST /v2/media`, multipart field `media`), then `POST /v2/faxes` with
 * connection_id, from, to, media_name and quality. Status: `GET /v2/faxes/{id}` or the
 * fax.* webhooks. Errors come as `{ errors: [{ code, title, detail }] }`.
 *
 * Telnyx documents no idempotency header for faxes, so idempotency is ours: the key → fax id
 * mapping is kept in the injected store and a repeated send returns the fax already created.
 * For the same reason `POST /v2/faxes` is never repeated after a network failure mid-request
 * (we could not know whether Telnyx acted on it); 429 and 5xx answers are retried (see http.ts).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { assertSendable, httpContextFor, pdfBlob, requireCredential, statusOf } from './adapter-common.ts';
import { PstnError } from './errors.ts';
import { errorForStatus, headerValue, requestWithRetry, type HttpContext, type HttpResponse } from './http.ts';
import { MemoryKeyValueStore, type KeyValueStore } from './key-value-store.ts';
import { isRecord, malformed, parseJsonBody, stringField } from './signature-checks.ts';
import {
  DEFAULT_TELNYX_ED25519_TOLERANCE_SECONDS,
  DEFAULT_TELNYX_HMAC_TOLERANCE_SECONDS,
  TELNYX_ED25519_SIGNATURE_HEADER,
  TELNYX_HMAC_SIGNATURE_HEADER,
  telnyxPublicKey,
  verifyTelnyxEd25519,
  verifyTelnyxHmac,
} from './telnyx-webhooks.ts';
import type { WebhookDeduper } from './webhook-dedupe.ts';
import type {
  PstnDeps,
  PstnProvider,
  PstnSendFile,
  PstnSendOptions,
  PstnSendResult,
  PstnState,
  PstnStatus,
  PstnWebhookEvent,
  PstnWebhookScheme,
  TelnyxConfig,
  WebhookHeaders,
} from './types.ts';

export const TELNYX_DEFAULT_BASE_URL = 'https://api.telnyx.com';
/**
 * Media storage takes files up to 20 MB (fax itself allows 50 MB); read as 20,000,000 bytes,
 * the smaller reading of "MB", so we never upload something Telnyx then refuses.
 */
export const TELNYX_MAX_FILE_BYTES = 20_000_000;
/** How long a key → fax id mapping is kept: well past any outbox retry. */
const IDEMPOTENCY_TTL_SECONDS = 30 * 24 * 3600;

/** Telnyx fax `status` values (resource and webhook payload) onto our four states. */
const STATES: Record<string, PstnState> = {
  queued: 'queued',
  initiated: 'queued',
  'media.processing': 'queued',
  'media.processed': 'queued',
  originated: 'sending',
  sending: 'sending',
  'sending.started': 'sending',
  delivered: 'delivered',
  failed: 'failed',
};

/** Webhook event types onto states, for payloads that carry no status. */
const EVENT_STATES: Record<string, PstnState> = {
  'fax.queued': 'queued',
  'fax.media.processed': 'queued',
  'fax.sending.started': 'sending',
  'fax.delivered': 'delivered',
  'fax.failed': 'failed',
};

export function telnyxState(providerState: string): PstnState {
  // An unknown state is treated as still in flight: never claim delivered or failed on a guess.
  return Object.hasOwn(STATES, providerState) ? (STATES[providerState] ?? 'sending') : 'sending';
}

interface IdempotencyRecord {
  faxId: string;
  fingerprint: string;
}

/** What makes two submissions "the same fax": recipient, sender and the exact document. */
function fingerprintOf(file: PstnSendFile, to: string, from: string): string {
  return createHash('sha256').update(`${to}\n${from}\n`).update(file.pdf).digest('hex');
}

function telnyxError(ctx: HttpContext, res: HttpResponse): PstnError {
  const first = isRecord(res.json) && Array.isArray(res.json.errors) && isRecord(res.json.errors[0]) ? res.json.errors[0] : undefined;
  const code = first && (typeof first.code === 'string' || typeof first.code === 'number') ? String(first.code) : undefined;
  const message = [stringField(first, 'title'), stringField(first, 'detail')].filter(Boolean).join(': ') || undefined;
  const pointer = isRecord(first?.source) ? stringField(first.source, 'pointer') : undefined;
  const base = errorForStatus(ctx, res, { code, message });
  // 10001 inactive number, 10002 invalid number, 10016 not E.164 (Telnyx API error codes).
  const numberProblem = code === '10001' || code === '10002' || code === '10016' || pointer === '/to' || pointer === '/from';
  if (res.status === 422 && numberProblem) {
    return new PstnError('invalid_number', { detail: base.detail ?? '', httpStatus: res.status, ...(code ? { providerCode: code } : {}) });
  }
  return base;
}

export class TelnyxProvider implements PstnProvider {
  readonly name = 'telnyx' as const;
  readonly maxFileBytes = TELNYX_MAX_FILE_BYTES;
  readonly #config: TelnyxConfig;
  readonly #ctx: HttpContext;
  readonly #baseUrl: string;
  readonly #store: KeyValueStore;
  readonly #deduper: WebhookDeduper | undefined;
  readonly #publicKey: KeyObject | undefined;

  constructor(config: TelnyxConfig, deps: PstnDeps) {
    this.#config = config;
    this.#ctx = httpContextFor('telnyx', deps);
    this.#baseUrl = (config.baseUrl ?? TELNYX_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#store = deps.idempotencyStore ?? new MemoryKeyValueStore();
    this.#deduper = deps.deduper;
    this.#publicKey = config.webhookPublicKey ? telnyxPublicKey(config.webhookPublicKey) : undefined;
  }

  #authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${requireCredential(this.#config.apiKey, 'Telnyx API key')}`, accept: 'application/json' };
  }

  async send(file: PstnSendFile, to: string, from: string, options: PstnSendOptions): Promise<PstnSendResult> {
    assertSendable('Telnyx', this.maxFileBytes, file.pdf, to, from);
    const connectionId = requireCredential(this.#config.connectionId, 'Telnyx connection id');
    if (options.idempotencyKey.trim() === '') throw new PstnError('request_rejected', { detail: 'empty idempotency key' });

    const storeKey = `telnyx:idempotency:${options.idempotencyKey}`;
    const fingerprint = fingerprintOf(file, to, from);
    const known = this.#store.get(storeKey, this.#ctx.nowSeconds());
    if (known !== undefined) {
      const record = JSON.parse(known) as IdempotencyRecord;
      if (record.fingerprint !== fingerprint) {
        throw new PstnError('idempotency_conflict', { detail: `idempotency key already used for fax ${record.faxId} with other content` });
      }
      return { providerFaxId: record.faxId, status: await this.status(record.faxId, options.signal ? { signal: options.signal } : {}) };
    }

    const mediaName = await this.#uploadMedia(file, options.signal);
    const body: Record<string, string> = {
      connection_id: connectionId,
      from,
      to,
      media_name: mediaName,
      quality: this.#config.quality ?? 'high',
      // Echoed back in every fax.* webhook: lets the outbox match events to its item even
      // before it has stored the fax id. Not secret.
      client_state: Buffer.from(options.idempotencyKey, 'utf8').toString('base64'),
    };
    if (options.webhookUrl) body.webhook_url = options.webhookUrl;
    const res = await requestWithRetry(this.#ctx, {
      method: 'POST',
      url: `${this.#baseUrl}/v2/faxes`,
      headers: { ...this.#authHeaders(), 'content-type': 'application/json' },
      body: () => JSON.stringify(body),
      safeToRepeat: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status !== 200 && res.status !== 201 && res.status !== 202) throw telnyxError(this.#ctx, res);
    const data = isRecord(res.json) && isRecord(res.json.data) ? res.json.data : undefined;
    const faxId = stringField(data, 'id');
    if (!faxId) throw new PstnError('provider_unavailable', { detail: 'Telnyx POST /v2/faxes answered without data.id' });
    const record: IdempotencyRecord = { faxId, fingerprint };
    this.#store.put(storeKey, JSON.stringify(record), this.#ctx.nowSeconds() + IDEMPOTENCY_TTL_SECONDS);
    return { providerFaxId: faxId, status: this.#statusFromResource(data) };
  }

  async #uploadMedia(file: PstnSendFile, signal: AbortSignal | undefined): Promise<string> {
    const res = await requestWithRetry(this.#ctx, {
      method: 'POST',
      url: `${this.#baseUrl}/v2/media`,
      headers: this.#authHeaders(),
      body: () => {
        const form = new FormData();
        form.append('media', pdfBlob(file.pdf), file.fileName || 'fax.pdf');
        return form;
      },
      // A repeated upload only leaves an unused copy that Telnyx deletes after its TTL.
      safeToRepeat: true,
      ...(signal ? { signal } : {}),
    });
    if (res.status !== 200 && res.status !== 201) throw telnyxError(this.#ctx, res);
    const data = isRecord(res.json) && isRecord(res.json.data) ? res.json.data : undefined;
    const mediaName = stringField(data, 'media_name');
    if (!mediaName) throw new PstnError('provider_unavailable', { detail: 'Telnyx POST /v2/media answered without data.media_name' });
    return mediaName;
  }

  async status(providerFaxId: string, options: { signal?: AbortSignal } = {}): Promise<PstnStatus> {
    const res = await requestWithRetry(this.#ctx, {
      method: 'GET',
      url: `${this.#baseUrl}/v2/faxes/${encodeURIComponent(providerFaxId)}`,
      headers: this.#authHeaders(),
      safeToRepeat: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status !== 200) throw telnyxError(this.#ctx, res);
    const data = isRecord(res.json) && isRecord(res.json.data) ? res.json.data : undefined;
    if (!stringField(data, 'status')) throw new PstnError('provider_unavailable', { detail: 'Telnyx GET /v2/faxes/{id} answered without data.status' });
    return this.#statusFromResource(data);
  }

  #statusFromResource(data: Record<string, unknown> | undefined): PstnStatus {
    const providerState = stringField(data, 'status') ?? 'queued';
    return statusOf('telnyx', telnyxState(providerState), providerState, stringField(data, 'failure_reason'), stringField(data, 'updated_at'));
  }

  verifyWebhook(headers: WebhookHeaders, rawBody: Uint8Array): PstnWebhookEvent {
    const now = this.#ctx.nowSeconds();
    let scheme: PstnWebhookScheme;
    let signedAt: number;
    if (headerValue(headers, TELNYX_ED25519_SIGNATURE_HEADER) !== undefined) {
      if (!this.#publicKey) throw new PstnError('webhook_bad_signature', { detail: 'Ed25519-signed webhook but no Telnyx public key is configured' });
      scheme = 'telnyx-ed25519';
      ({ signedAt } = verifyTelnyxEd25519(headers, rawBody, this.#publicKey, now, this.#config.ed25519ToleranceSeconds ?? DEFAULT_TELNYX_ED25519_TOLERANCE_SECONDS));
    } else if (headerValue(headers, TELNYX_HMAC_SIGNATURE_HEADER) !== undefined) {
      if (!this.#config.webhookHmacSecret) throw new PstnError('webhook_bad_signature', { detail: 'HMAC-signed webhook but no Telnyx HMAC secret is configured' });
      scheme = 'telnyx-hmac';
      ({ signedAt } = verifyTelnyxHmac(headers, rawBody, this.#config.webhookHmacSecret, now, this.#config.hmacToleranceSeconds ?? DEFAULT_TELNYX_HMAC_TOLERANCE_SECONDS));
    } else {
      throw malformed(`no ${TELNYX_ED25519_SIGNATURE_HEADER} or ${TELNYX_HMAC_SIGNATURE_HEADER} header`);
    }

    const payload = parseJsonBody(rawBody);
    const event = this.#eventFrom(payload, rawBody, scheme, signedAt);
    if (this.#deduper && !this.#deduper.firstSeen('telnyx', event.eventId, now)) {
      throw new PstnError('webhook_duplicate', { detail: `event ${event.eventId} was already processed` });
    }
    return event;
  }

  #eventFrom(payload: unknown, rawBody: Uint8Array, scheme: PstnWebhookScheme, signedAt: number): PstnWebhookEvent {
    const data = isRecord(payload) && isRecord(payload.data) ? payload.data : undefined;
    const type = stringField(data, 'event_type') ?? '';
    const inner = isRecord(data?.payload) ? data.payload : undefined;
    // Bodies without an event id (the seed's messaging example) are identified by their bytes:
    // a byte-identical copy is a replay.
    const eventId = stringField(data, 'id') ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
    const faxId = type.startsWith('fax.') ? (stringField(inner, 'fax_id') ?? null) : null;
    let status: PstnStatus | null = null;
    if (faxId !== null) {
      const providerState = stringField(inner, 'status') ?? type.slice('fax.'.length);
      const state = Object.hasOwn(EVENT_STATES, type) ? (EVENT_STATES[type] ?? telnyxState(providerState)) : telnyxState(providerState);
      status = statusOf('telnyx', state, providerState, stringField(inner, 'failure_reason'), stringField(data, 'occurred_at'));
    }
    return { provider: 'telnyx', scheme, eventId, type, providerFaxId: faxId, status, signedAt, payload };
  }
}
