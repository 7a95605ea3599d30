/**
 * A stand-in for the mintfax API, following its public contract as docs/pstn.md records it:
 * Bearer auth, `POST /v1/faxes` multipart (`to`, `file`, `webhook_url`, `max_attempts`,
 * `csid`) with `Idempotency-Key` (same key + same body → the original response; same key +
 * other body → 409 `idempotency_key_reuse`; same key while in flight → 409
 * `idempotency_key_in_progress`), `GET /v1/faxes/{id}`, errors as
 * `{ error, message, action, docs, request_id }`, the 10 MB file limit (422
 * `validation_failed`), 429 `rate_limit_exceeded` with Retry-After in seconds, and the sandbox
 * magic numbers (common.ts MAGIC).
 *
 * Webhooks: fax.queued, fax.sending, fax.retry_scheduled, fax.delivered, fax.failed, signed
 * either the seed-001 way (`X-Mintfax-Signature` hex HMAC of `${ts}.${body}` with the secret
 * string; envelope `{ event, event_id, timestamp, data }`) or the Standard Webhooks way
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`; envelope
 * `{ id, type, created, data: { object } }`; one token per secret during rotation).
 *
 * A test double for a cloud we cannot reach, written from the documents. Signing is done here
 * with node:crypto, independently of the adapter.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  E164, MAGIC, makeStandInCore, parseMultipart, pause, randomId, scenarioFor, sendJson,
  type Delivery, type FaultQueue, type RecordedRequest,
} from './common.ts';

export const MINTFAX_SANDBOX_SECRET = 'whsec_test_3JzE9rYNm2VbQ8P6KxLf1WdGa4Tc';
const FILE_LIMIT_BYTES = 10_000_000;

export interface MintfaxStandInOptions {
  apiKey?: string;
  /** Account-level webhook URL, used when a fax names none. */
  webhookUrl?: string;
  signing?: 'mintfax-signature' | 'standard-webhooks';
  /** Current signing secret. Default: the sandbox secret of seed 001. */
  secret?: string;
  /** Standard Webhooks only: also sign with this (old) secret, as during a rotation. */
  previousSecret?: string;
  nowSeconds?: () => number;
  duplicateDeliveries?: boolean;
  eventGapMs?: number;
}

export interface MintfaxStandInFax {
  id: string;
  status: string;
  to: string;
  csid: string | null;
  pages: number | null;
  max_attempts: number;
  attempts: { attempt_number: number; error_code: string | null }[];
  error_code: string | null;
  error_message: string | null;
  webhook_url: string | null;
  idempotency_key: string | null;
  tags: Record<string, never>;
  created_at: string;
  updated_at: string;
}

export interface SentEvent {
  headers: Record<string, string>;
  body: string;
  type: string;
}

export interface MintfaxStandIn {
  url: string;
  apiKey: string;
  faults: FaultQueue;
  requests: RecordedRequest[];
  deliveries: Delivery[];
  /** Every signed event exactly as sent (for replay tests). */
  sent: SentEvent[];
  faxes: Map<string, MintfaxStandInFax>;
  settled(): Promise<void>;
  close(): Promise<void>;
}

function errorBody(error: string, message: string, action: string, context?: unknown): unknown {
  return {
    error,
    message,
    action,
    docs: `https://mintfax.com/docs/errors#${error.replaceAll('_', '-')}`,
    request_id: randomId('req_'),
    ...(context === undefined ? {} : { context }),
  };
}

const FAILURE_MESSAGES: Record<string, string> = {
  busy: 'Destination busy across every attempt.',
  no_answer: 'Destination did not answer within the carrier ring timeout.',
  line_quality: 'Connection negotiated but transmission failed.',
  invalid_number: 'Destination is well-formed but not a fax line.',
};

export async function startMintfaxStandIn(opts: MintfaxStandInOptions = {}): Promise<MintfaxStandIn> {
  const apiKey = opts.apiKey ?? 'mfx_test_standin';
  const secret = opts.secret ?? MINTFAX_SANDBOX_SECRET;
  const nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const core = makeStandInCore();
  const sent: SentEvent[] = [];
  const faxes = new Map<string, MintfaxStandInFax>();
  const idempotency = new Map<string, { fingerprint: string; status: number; body: unknown } | 'in-flight'>();

  function standardKey(s: string): Buffer {
    const rest = s.startsWith('whsec_') ? s.slice(6) : '';
    if (rest && /^[A-Za-z0-9+/]+={0,2}$/.test(rest) && rest.length % 4 === 0) return Buffer.from(rest, 'base64');
    return Buffer.from(s, 'utf8');
  }

  function sign(eventId: string, body: string): Record<string, string> {
    const ts = String(nowSeconds());
    if (opts.signing === 'standard-webhooks') {
      const tokens = [secret, ...(opts.previousSecret ? [opts.previousSecret] : [])].map(
        (s) => `v1,${createHmac('sha256', standardKey(s)).update(`${eventId}.${ts}.${body}`).digest('base64')}`,
      );
      return { 'webhook-id': eventId, 'webhook-timestamp': ts, 'webhook-signature': tokens.join(' ') };
    }
    return { 'x-mintfax-signature': createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex'), 'x-mintfax-timestamp': ts };
  }

  async function emit(fax: MintfaxStandInFax, type: string, status: string): Promise<void> {
    if (core.closed) return;
    fax.status = status;
    fax.updated_at = new Date().toISOString();
    const target = fax.webhook_url ?? opts.webhookUrl;
    if (!target) return;
    const eventId = randomId('evt_');
    const snapshot = { ...fax, attempts: fax.attempts.map((a) => ({ ...a })) };
    const body =
      opts.signing === 'standard-webhooks'
        ? JSON.stringify({ id: eventId, type, created: nowSeconds(), data: { object: snapshot } })
        : JSON.stringify({ event: type, event_id: eventId, timestamp: fax.updated_at, data: snapshot });
    await core.deliverCopies(target, type, body, opts.duplicateDeliveries ? 2 : 1, () => {
      const headers = sign(eventId, body);
      sent.push({ headers, body, type });
      return headers;
    });
  }

  async function attempt(fax: MintfaxStandInFax, errorCode: string | null): Promise<void> {
    fax.attempts.push({ attempt_number: fax.attempts.length + 1, error_code: errorCode });
    await pause(opts.eventGapMs ?? 5);
  }

  async function runSequence(fax: MintfaxStandInFax): Promise<void> {
    const gap = opts.eventGapMs ?? 5;
    await pause(gap);
    await emit(fax, 'fax.queued', 'queued');
    const scenario = scenarioFor(fax.to);
    // Per attempt: the outcome each scenario gives (null = delivered).
    const outcomeOf = (n: number): string | null => {
      if (scenario === 'busy') return 'busy';
      if (scenario === 'no_answer') return 'no_answer';
      if (scenario === 'permanent') return 'invalid_number';
      if (scenario === 'transient') return n === 1 ? 'line_quality' : null;
      return null;
    };
    for (let n = 1; n <= fax.max_attempts; n++) {
      await pause(gap);
      await emit(fax, 'fax.sending', 'in_progress');
      const outcome = outcomeOf(n);
      await attempt(fax, outcome);
      if (outcome === null) {
        fax.pages = 1;
        await emit(fax, 'fax.delivered', 'delivered');
        return;
      }
      const terminal = outcome === 'invalid_number' || n === fax.max_attempts;
      if (terminal) {
        fax.error_code = outcome;
        fax.error_message = FAILURE_MESSAGES[outcome] ?? 'Delivery failed.';
        await emit(fax, 'fax.failed', 'failed');
        return;
      }
      await emit(fax, 'fax.retry_scheduled', 'queued');
    }
  }

  async function createFax(req: IncomingMessage, body: Buffer, key: string | undefined): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      return { status: 422, body: errorBody('validation_failed', 'The request must be multipart/form-data.', 'fix_request') };
    }
    const form = await parseMultipart(req, body);
    const to = form.fields.to ?? '';
    const file = form.files.find((f) => f.field === 'file');
    const errors: Record<string, string[]> = {};
    if (!E164.test(to)) errors.to = ['The to field must be a valid E.164 number.'];
    if (!file) errors.file = ['The file field is required.'];
    else if (file.data.length > FILE_LIMIT_BYTES) errors.file = ['The file may not be greater than 10 MB.'];
    const maxAttempts = form.fields.max_attempts === undefined ? 3 : Number(form.fields.max_attempts);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 5) errors.max_attempts = ['max_attempts must be between 1 and 5.'];
    if (to === MAGIC.invalid) errors.to = ['The to field is not a valid fax number.'];
    if (Object.keys(errors).length > 0) {
      const first = Object.values(errors)[0]?.[0] ?? 'Validation failed.';
      return { status: 422, body: errorBody('validation_failed', first, 'fix_request', { errors }) };
    }
    if (to === MAGIC.insufficientBalance) {
      return { status: 402, body: errorBody('insufficient_balance', 'Insufficient balance to submit fax', 'top_up_balance') };
    }
    const now = new Date().toISOString();
    const fax: MintfaxStandInFax = {
      id: randomId('fax_'),
      status: 'queued',
      to,
      csid: form.fields.csid ?? null,
      pages: null,
      max_attempts: maxAttempts,
      attempts: [],
      error_code: null,
      error_message: null,
      webhook_url: form.fields.webhook_url ?? null,
      idempotency_key: key ?? null,
      tags: {},
      created_at: now,
      updated_at: now,
    };
    faxes.set(fax.id, fax);
    core.track(runSequence(fax));
    return { status: 201, body: { id: fax.id, status: fax.status, to: fax.to, tags: {}, created_at: fax.created_at } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      sendJson(res, 401, errorBody('unauthenticated', 'No valid bearer token provided.', 'check_api_key'));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v1/faxes') {
      const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      if (key === undefined) {
        const created = await createFax(req, body, undefined);
        sendJson(res, created.status, created.body);
        return;
      }
      // The fingerprint is the raw body minus the multipart boundary, which changes per request.
      const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(req.headers['content-type']))?.slice(1).find(Boolean) ?? '';
      const fingerprint = createHash('sha256').update(body.toString('latin1').replaceAll(boundary, '')).digest('hex');
      const known = idempotency.get(key);
      if (known === 'in-flight') {
        sendJson(res, 409, errorBody('idempotency_key_in_progress', 'A request with this key is still being processed.', 'wait_and_retry'));
        return;
      }
      if (known) {
        if (known.fingerprint !== fingerprint) {
          sendJson(res, 409, errorBody('idempotency_key_reuse', 'This idempotency key was used with a different request body.', 'use_new_key'));
          return;
        }
        sendJson(res, known.status, known.body, { 'idempotent-replayed': 'true' });
        return;
      }
      idempotency.set(key, 'in-flight');
      const created = await createFax(req, body, key);
      // Only outcomes that created something are replayed; a validation error frees the key.
      if (created.status < 300) idempotency.set(key, { fingerprint, status: created.status, body: created.body });
      else idempotency.delete(key);
      sendJson(res, created.status, created.body);
      return;
    }
    const match = /^\/v1\/faxes\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const fax = faxes.get(decodeURIComponent(match[1] ?? ''));
      if (!fax) {
        sendJson(res, 404, errorBody('not_found', 'No fax with this id.', 'check_id'));
        return;
      }
      sendJson(res, 200, fax);
      return;
    }
    sendJson(res, 404, errorBody('not_found', 'Unknown endpoint.', 'check_url'));
  }

  const served = await core.serve(handle, (fault) =>
    fault.status === 429
      ? errorBody('rate_limit_exceeded', 'Too many requests. Please slow down and try again.', 'wait_and_retry')
      : errorBody('internal_error', 'Something went wrong on our side.', 'retry_later'),
  );
  return { ...served, apiKey, faults: core.faults, requests: core.requests, deliveries: core.deliveries, sent, faxes };
}
