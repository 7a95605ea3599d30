/**
 * mintfax adapter. One call sends: `POST /v1/faxes` as multipart (`to`, `file`, `webhook_url`,
 * `max_attempts`, `csid`) with an `Idempotency-Key` header; mintfax answers a repeat of the
 * same key and body with the original fax, the same key with another body with
 * 409 `idempotency_key_reuse`, and a repeat while the first is in flight with 409
 * `idempotency_key_in_progress`. Because of that key, every send may be retried safely, even
 * after a network failure mid-request. Status: `GET /v1/faxes/{id}` or the fax.* webhooks.
 * Errors come as `{ error, message, action, docs, context? }`.
 */
import { assertSendable, httpContextFor, pdfBlob, requireCredential, statusOf } from './adapter-common.ts';
import { PstnError } from './errors.ts';
import { backoffDelayMs, errorForStatus, requestWithRetry, type HttpContext, type HttpResponse } from './http.ts';
import {
  DEFAULT_MINTFAX_TOLERANCE_SECONDS,
  mintfaxSchemeOf,
  MINTFAX_SIGNATURE_HEADER,
  STANDARD_WEBHOOK_SIGNATURE_HEADER,
  verifyMintfaxSignature,
  verifyStandardWebhook,
} from './mintfax-webhooks.ts';
import { isRecord, malformed, parseJsonBody, stringField } from './signature-checks.ts';
import type { WebhookDeduper } from './webhook-dedupe.ts';
import type {
  MintfaxConfig,
  PstnDeps,
  PstnProvider,
  PstnSendFile,
  PstnSendOptions,
  PstnSendResult,
  PstnState,
  PstnStatus,
  PstnWebhookEvent,
  WebhookHeaders,
} from './types.ts';

export const MINTFAX_DEFAULT_BASE_URL = 'https://api.mintfax.com';
/**
 * mintfax documents "10 MB". We read it as 10,000,000 bytes: the smaller of the two readings
 * (10 MiB would be 10,485,760), so a file we let through is never one mintfax refuses.
 */
export const MINTFAX_MAX_FILE_BYTES = 10_000_000;
/** Documented range of `max_attempts`. */
export const MINTFAX_MAX_ATTEMPTS_RANGE = { min: 1, max: 5 } as const;
/** How often an `idempotency_key_in_progress` answer is waited out before giving up. */
const IN_PROGRESS_RETRIES = 3;

const STATES: Record<string, PstnState> = {
  queued: 'queued',
  submitted: 'sending',
  in_progress: 'sending',
  sending: 'sending',
  retry_scheduled: 'sending',
  delivered: 'delivered',
  failed: 'failed',
};

const EVENT_STATES: Record<string, PstnState> = {
  'fax.queued': 'queued',
  'fax.submitted': 'queued',
  'fax.sending': 'sending',
  'fax.retry_scheduled': 'sending',
  'fax.delivered': 'delivered',
  'fax.failed': 'failed',
};

export function mintfaxState(providerState: string): PstnState {
  // Unknown states count as still in flight: never claim delivered or failed on a guess.
  return Object.hasOwn(STATES, providerState) ? (STATES[providerState] ?? 'sending') : 'sending';
}

function mintfaxError(ctx: HttpContext, res: HttpResponse): PstnError {
  const body = isRecord(res.json) ? res.json : undefined;
  const code = stringField(body, 'error');
  const base = errorForStatus(ctx, res, { code, message: stringField(body, 'message') });
  const extra = { detail: base.detail ?? '', httpStatus: res.status, ...(code ? { providerCode: code } : {}) };
  if (code === 'idempotency_key_reuse') return new PstnError('idempotency_conflict', extra);
  if (code === 'insufficient_balance') return new PstnError('insufficient_balance', extra);
  if (code === 'rate_limit_exceeded') return base; // already rate_limited by status, with Retry-After
  if (code === 'validation_failed') {
    const context = isRecord(body?.context) ? body.context : undefined;
    const fields = isRecord(context?.errors) ? context.errors : {};
    if ('to' in fields) return new PstnError('invalid_number', extra);
    if ('file' in fields) {
      const text = JSON.stringify(fields.file).toLowerCase();
      return new PstnError(text.includes('size') || text.includes('large') || text.includes('mb') ? 'file_too_large' : 'file_rejected', extra);
    }
  }
  return base;
}

export class MintfaxProvider implements PstnProvider {
  readonly name = 'mintfax' as const;
  readonly maxFileBytes = MINTFAX_MAX_FILE_BYTES;
  readonly #config: MintfaxConfig;
  readonly #ctx: HttpContext;
  readonly #baseUrl: string;
  readonly #deduper: WebhookDeduper | undefined;

  constructor(config: MintfaxConfig, deps: PstnDeps) {
    const attempts = config.maxAttempts;
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < MINTFAX_MAX_ATTEMPTS_RANGE.min || attempts > MINTFAX_MAX_ATTEMPTS_RANGE.max)) {
      throw new PstnError('not_configured', { detail: `mintfax max_attempts must be 1..5 (got ${attempts})` });
    }
    this.#config = config;
    this.#ctx = httpContextFor('mintfax', deps);
    this.#baseUrl = (config.baseUrl ?? MINTFAX_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#deduper = deps.deduper;
  }

  #authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${requireCredential(this.#config.apiKey, 'mintfax API key')}`, accept: 'application/json' };
  }

  async send(file: PstnSendFile, to: string, from: string, options: PstnSendOptions): Promise<PstnSendResult> {
    // mintfax has no sender number field; `from` goes out as the CSID (the station id the
    // receiving machine prints), which is at most 20 characters, so it must be a valid number.
    assertSendable('mintfax', this.maxFileBytes, file.pdf, to, from);
    if (options.idempotencyKey.trim() === '' || options.idempotencyKey.length > 255) {
      throw new PstnError('request_rejected', { detail: 'idempotency key must be 1..255 characters' });
    }
    const buildForm = (): FormData => {
      const form = new FormData();
      form.append('to', to);
      form.append('file', pdfBlob(file.pdf), file.fileName || 'fax.pdf');
      form.append('csid', from);
      if (options.webhookUrl) form.append('webhook_url', options.webhookUrl);
      if (this.#config.maxAttempts !== undefined) form.append('max_attempts', String(this.#config.maxAttempts));
      return form;
    };
    for (let inProgressWaits = 0; ; inProgressWaits++) {
      const res = await requestWithRetry(this.#ctx, {
        method: 'POST',
        url: `${this.#baseUrl}/v1/faxes`,
        headers: { ...this.#authHeaders(), 'idempotency-key': options.idempotencyKey },
        body: buildForm,
        safeToRepeat: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (res.status === 200 || res.status === 201 || res.status === 202) {
        const body = isRecord(res.json) ? res.json : undefined;
        const faxId = stringField(body, 'id');
        if (!faxId) throw new PstnError('provider_unavailable', { detail: 'mintfax POST /v1/faxes answered without id' });
        return { providerFaxId: faxId, status: this.#statusFromResource(body) };
      }
      const inProgress = res.status === 409 && isRecord(res.json) && res.json.error === 'idempotency_key_in_progress';
      if (inProgress && inProgressWaits < IN_PROGRESS_RETRIES) {
        await this.#ctx.sleep(backoffDelayMs(this.#ctx.policy, inProgressWaits + 1), options.signal);
        continue;
      }
      throw mintfaxError(this.#ctx, res);
    }
  }

  async status(providerFaxId: string, options: { signal?: AbortSignal } = {}): Promise<PstnStatus> {
    const res = await requestWithRetry(this.#ctx, {
      method: 'GET',
      url: `${this.#baseUrl}/v1/faxes/${encodeURIComponent(providerFaxId)}`,
      headers: this.#authHeaders(),
      safeToRepeat: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status !== 200) throw mintfaxError(this.#ctx, res);
    const body = isRecord(res.json) ? res.json : undefined;
    if (!stringField(body, 'status')) throw new PstnError('provider_unavailable', { detail: 'mintfax GET /v1/faxes/{id} answered without status' });
    return this.#statusFromResource(body);
  }

  #statusFromResource(body: Record<string, unknown> | undefined): PstnStatus {
    const providerState = stringField(body, 'status') ?? 'queued';
    return statusOf('mintfax', mintfaxState(providerState), providerState, stringField(body, 'error_code'), stringField(body, 'updated_at'));
  }

  /** Secrets to try, newest first; the previous one only until its rotation window ends. */
  #secrets(now: number): string[] {
    const secrets: string[] = [];
    if (this.#config.webhookSecret) secrets.push(this.#config.webhookSecret);
    const previous = this.#config.previousWebhookSecret;
    const expiresAt = this.#config.previousWebhookSecretExpiresAt;
    if (previous && (expiresAt === undefined || now < expiresAt)) secrets.push(previous);
    return secrets;
  }

  verifyWebhook(headers: WebhookHeaders, rawBody: Uint8Array): PstnWebhookEvent {
    const now = this.#ctx.nowSeconds();
    const tolerance = this.#config.webhookToleranceSeconds ?? DEFAULT_MINTFAX_TOLERANCE_SECONDS;
    const secrets = this.#secrets(now);
    const scheme = mintfaxSchemeOf(headers);
    if (scheme === undefined) throw malformed(`no ${STANDARD_WEBHOOK_SIGNATURE_HEADER} or ${MINTFAX_SIGNATURE_HEADER} header`);
    if (secrets.length === 0) throw new PstnError('webhook_bad_signature', { detail: 'no mintfax webhook secret is configured' });

    let signedAt: number;
    let headerEventId: string | undefined;
    if (scheme === 'standard-webhooks') {
      const verified = verifyStandardWebhook(headers, rawBody, secrets, now, tolerance);
      signedAt = verified.signedAt;
      headerEventId = verified.webhookId;
    } else {
      signedAt = verifyMintfaxSignature(headers, rawBody, secrets, now, tolerance).signedAt;
    }

    const payload = parseJsonBody(rawBody);
    const event = this.#eventFrom(payload, scheme, signedAt, headerEventId);
    if (this.#deduper && !this.#deduper.firstSeen('mintfax', event.eventId, now)) {
      throw new PstnError('webhook_duplicate', { detail: `event ${event.eventId} was already processed` });
    }
    return event;
  }

  /**
   * Two envelopes are documented: the seed's `{ event, event_id, timestamp, data: {fax} }` and
   * the newer `{ id, type, created, data: { object: {fax} } }`. Both are read.
   */
  #eventFrom(payload: unknown, scheme: PstnWebhookEvent['scheme'], signedAt: number, headerEventId: string | undefined): PstnWebhookEvent {
    if (!isRecord(payload)) throw malformed('body is not a JSON object');
    const data = isRecord(payload.data) ? payload.data : undefined;
    const fax = isRecord(data?.object) ? data.object : data;
    const type = stringField(payload, 'type') ?? stringField(payload, 'event') ?? '';
    // Standard Webhooks: the webhook-id header is the event id (stable across retries).
    // Seed 001: the payload's event_id.
    const eventId = headerEventId ?? stringField(payload, 'event_id') ?? stringField(payload, 'id');
    if (!eventId) throw malformed('payload has no event_id');
    const faxId = type.startsWith('fax.') ? (stringField(fax, 'id') ?? null) : null;
    let status: PstnStatus | null = null;
    if (faxId !== null) {
      const providerState = stringField(fax, 'status') ?? type.slice('fax.'.length);
      const state = Object.hasOwn(EVENT_STATES, type) ? (EVENT_STATES[type] ?? mintfaxState(providerState)) : mintfaxState(providerState);
      const updatedAt = stringField(fax, 'updated_at') ?? stringField(fax, 'completed_at') ?? stringField(payload, 'timestamp');
      status = statusOf('mintfax', state, providerState, stringField(fax, 'error_code'), updatedAt);
    }
    return { provider: 'mintfax', scheme, eventId, type, providerFaxId: faxId, status, signedAt, payload };
  }
}
