/**
 * A stand-in for Telnyx Programmable Fax (API v2), following its public contract as far as
 * docs/pstn.md records it: Bearer auth, `POST /v2/media` (multipart `media`, 201 with
 * data.media_name), `POST /v2/faxes` (JSON, 202 with data.id and status queued),
 * `GET /v2/faxes/{id}`, errors as `{ errors: [{ code, title, detail, source? }] }`, 429 with
 * Retry-After, and fax.* webhooks signed with Ed25519 (`telnyx-signature-ed25519` over
 * `${telnyx-timestamp}|${body}`) or the older HMAC header of seed 002.
 *
 * Scenarios by destination number (common.ts MAGIC): busy → fax.failed `user_busy`,
 * no answer → `receiver_no_answer`, permanent → `receiver_unallocated_number`, transient → the
 * first POST /v2/faxes answers 503 (Telnyx documents no automatic re-dial; the retry is ours),
 * invalid → 422 code 10002.
 *
 * This is a test double for a cloud we cannot reach, written from the documents, not from
 * Telnyx code. Its signing is done here with node:crypto, independently of the adapter.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  E164, MAGIC, makeStandInCore, parseMultipart, pause, randomId, scenarioFor, sendJson,
  type Delivery, type FaultQueue, type RecordedRequest,
} from './common.ts';

export interface TelnyxStandInOptions {
  apiKey?: string;
  connectionId?: string;
  /** Application-level webhook URL (Telnyx sets it on the fax application; a fax may override it). */
  webhookUrl?: string;
  /** Which scheme signs webhooks. Default ed25519. */
  signing?: 'ed25519' | 'hmac';
  /** Secret for the HMAC scheme. */
  hmacSecret?: string;
  /** Clock for signature timestamps (Unix seconds). */
  nowSeconds?: () => number;
  /** Deliver every webhook twice (Telnyx documents duplicate deliveries). */
  duplicateDeliveries?: boolean;
  /** Gap between events of one fax. */
  eventGapMs?: number;
}

export interface StandInFax {
  id: string;
  connection_id: string;
  direction: 'outbound';
  from: string;
  to: string;
  media_name: string;
  quality: string;
  status: string;
  failure_reason?: string;
  client_state?: string;
  webhook_url?: string;
  created_at: string;
  updated_at: string;
  record_type: 'fax';
}

export interface TelnyxStandIn {
  url: string;
  apiKey: string;
  connectionId: string;
  /** Base64 of the raw 32-byte Ed25519 public key, as the portal shows it. */
  publicKeyBase64: string;
  faults: FaultQueue;
  requests: RecordedRequest[];
  deliveries: Delivery[];
  faxes: Map<string, StandInFax>;
  media: Map<string, Buffer>;
  /** Resolves when every event sequence started so far has been delivered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const MEDIA_MAX_BYTES = 20_000_000;

function errorBody(code: string, title: string, detail: string, pointer?: string): unknown {
  return { errors: [{ code, title, detail, ...(pointer ? { source: { pointer } } : {}) }] };
}

function rawPublicKeyBase64(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
}

export async function startTelnyxStandIn(opts: TelnyxStandInOptions = {}): Promise<TelnyxStandIn> {
  const apiKey = opts.apiKey ?? 'KEY_test_standin';
  const connectionId = opts.connectionId ?? '1234567890';
  const nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const core = makeStandInCore();
  const faxes = new Map<string, StandInFax>();
  const media = new Map<string, Buffer>();
  const transientSeen = new Set<string>();

  function signedHeaders(body: string): Record<string, string> {
    const ts = String(nowSeconds());
    if (opts.signing === 'hmac') {
      const h = createHmac('sha256', opts.hmacSecret ?? '').update(`${ts}.${body}`).digest('base64');
      return { 'x-telnyx-signature': `t=${ts},h=${h}` };
    }
    const signature = sign(null, Buffer.from(`${ts}|${body}`), privateKey).toString('base64');
    return { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': ts };
  }

  async function emit(fax: StandInFax, eventType: string, eventStatus: string, resourceStatus: string, failureReason?: string): Promise<void> {
    if (core.closed) return;
    fax.status = resourceStatus;
    fax.updated_at = new Date().toISOString();
    if (failureReason) fax.failure_reason = failureReason;
    const target = fax.webhook_url ?? opts.webhookUrl;
    if (!target) return;
    const body = JSON.stringify({
      data: {
        event_type: eventType,
        id: randomId(),
        occurred_at: fax.updated_at,
        record_type: 'event',
        payload: {
          connection_id: fax.connection_id,
          direction: 'outbound',
          fax_id: fax.id,
          from: fax.from,
          to: fax.to,
          status: eventStatus,
          ...(fax.client_state ? { client_state: fax.client_state } : {}),
          ...(failureReason ? { failure_reason: failureReason } : {}),
        },
      },
      meta: { attempt: 1, delivered_to: target },
    });
    await core.deliverCopies(target, eventType, body, opts.duplicateDeliveries ? 2 : 1, () => signedHeaders(body));
  }

  async function runSequence(fax: StandInFax): Promise<void> {
    const gap = opts.eventGapMs ?? 5;
    await pause(gap);
    await emit(fax, 'fax.queued', 'queued', 'queued');
    await pause(gap);
    await emit(fax, 'fax.media.processed', 'media.processed', 'media.processed');
    await pause(gap);
    await emit(fax, 'fax.sending.started', 'sending.started', 'sending');
    await pause(gap);
    const scenario = scenarioFor(fax.to);
    if (scenario === 'busy') await emit(fax, 'fax.failed', 'failed', 'failed', 'user_busy');
    else if (scenario === 'no_answer') await emit(fax, 'fax.failed', 'failed', 'failed', 'receiver_no_answer');
    else if (scenario === 'permanent') await emit(fax, 'fax.failed', 'failed', 'failed', 'receiver_unallocated_number');
    else await emit(fax, 'fax.delivered', 'delivered', 'delivered');
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      sendJson(res, 401, errorBody('10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.'));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v2/media') {
      const form = await parseMultipart(req, body);
      const file = form.files.find((f) => f.field === 'media');
      if (!file) {
        sendJson(res, 422, errorBody('10004', 'Missing required parameter', 'media is required', '/media'));
        return;
      }
      if (file.data.length > MEDIA_MAX_BYTES) {
        sendJson(res, 422, errorBody('10015', 'Bad Request', 'The maximum allowed size is 20 MB.', '/media'));
        return;
      }
      const mediaName = form.fields.media_name ?? randomId();
      media.set(mediaName, file.data);
      const now = new Date();
      sendJson(res, 201, {
        data: {
          media_name: mediaName,
          content_type: file.mimeType,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
          expires_at: new Date(now.getTime() + 2 * 86_400_000).toISOString(),
        },
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v2/faxes') {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        sendJson(res, 400, errorBody('10015', 'Bad Request', 'The request failed because it was not well-formed.'));
        return;
      }
      const str = (k: string): string => (typeof input[k] === 'string' ? (input[k]) : '');
      if (str('connection_id') !== connectionId) {
        sendJson(res, 422, errorBody('10013', 'Missing association', 'connection_id does not exist', '/connection_id'));
        return;
      }
      for (const field of ['to', 'from'] as const) {
        if (!E164.test(str(field))) {
          sendJson(res, 422, errorBody('10016', 'Phone number must be in +E.164 format', `${field} must be in +E.164 format`, `/${field}`));
          return;
        }
      }
      if (str('to') === MAGIC.invalid) {
        sendJson(res, 422, errorBody('10002', 'Invalid phone number', 'The phone number is invalid.', '/to'));
        return;
      }
      if (!media.has(str('media_name')) && !str('media_url')) {
        sendJson(res, 422, errorBody('10005', 'Resource not found', 'media_name not found', '/media_name'));
        return;
      }
      // Scenario "transient": the first submission to this number meets a 503.
      if (str('to') === MAGIC.transient && !transientSeen.has(str('to'))) {
        transientSeen.add(str('to'));
        sendJson(res, 503, errorBody('10007', 'Unexpected error', 'Service temporarily unavailable.'));
        return;
      }
      const now = new Date().toISOString();
      const fax: StandInFax = {
        id: randomId(),
        record_type: 'fax',
        connection_id: connectionId,
        direction: 'outbound',
        from: str('from'),
        to: str('to'),
        media_name: str('media_name'),
        quality: str('quality') || 'high',
        status: 'queued',
        created_at: now,
        updated_at: now,
        ...(str('client_state') ? { client_state: str('client_state') } : {}),
        ...(str('webhook_url') ? { webhook_url: str('webhook_url') } : {}),
      };
      faxes.set(fax.id, fax);
      sendJson(res, 202, { data: fax });
      core.track(runSequence(fax));
      return;
    }
    const match = /^\/v2\/faxes\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const fax = faxes.get(decodeURIComponent(match[1] ?? ''));
      if (!fax) {
        sendJson(res, 404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
        return;
      }
      sendJson(res, 200, { data: fax });
      return;
    }
    sendJson(res, 404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
  }

  const served = await core.serve(handle, (fault) =>
    fault.status === 429
      ? errorBody('10011', 'Too many requests', 'You have exceeded the maximum number of allowed requests.')
      : errorBody('10007', 'Unexpected error', 'An unexpected error occured.'),
  );
  return {
    ...served, apiKey, connectionId, publicKeyBase64: rawPublicKeyBase64(publicKey),
    faults: core.faults, requests: core.requests, deliveries: core.deliveries, faxes, media,
  };
}
