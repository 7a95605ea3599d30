/**
 * The relay's request router: matches the raw request target, authenticates, reads the body
 * and dispatches. Every failure becomes `{error, message}` with a stable code; an upload that
 * fails before its body was read closes the connection instead of reading the rest.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { b64uDecode } from '../../shared/protocol/index.ts';
import {
  MAX_CIPHERTEXT_BYTES,
  RELAY_EXTENSIONS,
  WEBHOOK_ROTATION_OVERLAP_SECONDS,
  type HealthResponse,
  type LookupResponse,
  type OrgResponse,
  type WebhookEndpointView,
  type WebhookSecretResponse,
} from '../../shared/fxe-api/index.ts';
import { bundleView, parseSignedBundle, referenceBundleView } from './bundles.ts';
import type { RelayContext } from './context.ts';
import { isE164, parseJsonObject, readBody, RelayHttpError, requireString, sendError, sendJson } from './http-util.ts';
import { mintInvite, redeem } from './invites.ts';
import { acceptReceipt, messageStatus, pendingList, sendCiphertext, sendEnvelopeJson, sendMessageJson } from './messages.ts';
import type { OrgRow, WebhookEndpointRow } from './store.ts';
import { handleUpload, UploadAbort } from './upload.ts';
import { newWebhookSecret } from './webhooks.ts';

/** Splits "a=1&b=2" without turning '+' into a space: E.164 numbers arrive with a raw '+'. */
export function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (query === '') return out;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      out.set(decodeURIComponent(key), decodeURIComponent(value));
    } catch {
      throw new RelayHttpError('malformed_request', { field: key, detail: 'bad percent-encoding' });
    }
  }
  return out;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RelayHttpError('not_found');
  }
}

export async function handleRequest(ctx: RelayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const method = req.method ?? 'GET';
  try {
    await route(ctx, req, res, target, method);
  } catch (e) {
    const error = e instanceof UploadAbort ? e.error : e instanceof RelayHttpError ? e : new RelayHttpError('internal_error', { detail: String(e) });
    if (error.code === 'internal_error') ctx.log.warn('internal error', { method, path: target.split('?')[0], detail: error.detail ?? String(e) });
    else ctx.log.info('request refused', { method, path: target.split('?')[0], code: error.code, detail: error.detail });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (!req.complete) {
      // The body was not (fully) read and will not be: answer, then drop the connection so
      // the client stops sending. The short grace lets the answer reach the client first.
      sendError(res, error, { connection: 'close' });
      req.unpipe();
      req.pause();
      res.once('finish', () => setTimeout(() => req.socket.destroy(), 250).unref());
      return;
    }
    sendError(res, error);
  }
}

async function route(ctx: RelayContext, req: IncomingMessage, res: ServerResponse, target: string, method: string): Promise<void> {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  const segments = path.split('/').slice(1).map(decodeSegment); // "/v1/messages/x" → ["v1","messages","x"]
  if (segments[0] !== 'v1') throw new RelayHttpError('not_found');
  const [, a, b, c] = segments;
  const allow = (...methods: string[]): void => {
    if (!methods.includes(method)) throw new RelayHttpError('method_not_allowed');
  };
  const authed = async (): Promise<{ org: OrgRow; body: Uint8Array }> => {
    const body = await readBody(req);
    const org = ctx.auth.verify({ header: req.headers.authorization, method, target, body });
    return { org, body };
  };
  const reference = ctx.profile === 'reference';
  // Our extensions, absent from the reference relay: answered like any unknown route.
  const extension = (): void => {
    if (reference) throw new RelayHttpError('not_found');
  };

  if (segments.length === 2 && a === 'health') {
    extension();
    allow('GET');
    const body: HealthResponse = { ok: true, relay: 'fxe-local-relay', extensions: [...RELAY_EXTENSIONS], max_ciphertext_bytes: MAX_CIPHERTEXT_BYTES };
    return sendJson(res, 200, body);
  }
  if (segments.length === 2 && a === 'redeem') {
    allow('POST');
    const body = parseJsonObject(await readBody(req));
    return sendJson(res, 201, redeem(ctx, body));
  }
  if (segments.length === 3 && a === 'dev' && b === 'invites' && ctx.devInvites) {
    allow('POST');
    const raw = await readBody(req);
    const body = raw.length === 0 ? {} : parseJsonObject(raw);
    const ttl = body['ttl_seconds'];
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl))) throw new RelayHttpError('malformed_request', { field: 'ttl_seconds' });
    return sendJson(res, 201, mintInvite(ctx.store, ctx.now(), ttl));
  }
  if (segments.length === 2 && a === 'lookup') {
    allow('GET');
    const { org: _caller } = await authed();
    const number = parseQuery(query).get('fax_number');
    if (!isE164(number)) throw new RelayHttpError('malformed_fax_number', { field: 'fax_number' });
    const ownerId = ctx.store.numberOwner(number);
    const owner = ownerId === undefined ? undefined : ctx.store.orgById(ownerId);
    if (!owner) throw new RelayHttpError('not_covered');
    if (reference) return sendJson(res, 200, { org_id: owner.org_id, bundles: ctx.store.bundlesOf(owner.org_id, true).map(referenceBundleView) });
    const body: LookupResponse = {
      org_id: owner.org_id,
      bundles: ctx.store.bundlesOf(owner.org_id, true).map((row) => bundleView(row, owner)),
      fax_number: number,
      org_name: owner.name,
      org_signing_pub: owner.signing_pub,
    };
    return sendJson(res, 200, body);
  }
  if (a === 'key-bundles') {
    if (segments.length === 2) {
      extension();
      allow('POST');
      const { org, body } = await authed();
      const json = parseJsonObject(body);
      const bundle = parseSignedBundle(json['bundle'], json['bundle_sig'], b64uDecode(org.signing_pub));
      const now = ctx.now();
      ctx.store.transaction(() => {
        if (ctx.store.bundleById(bundle.bundle_id)) throw new RelayHttpError('bundle_id_taken', { field: 'bundle.bundle_id' });
        ctx.store.insertBundle({ ...bundle, org_id: org.org_id, bundle_sig: json['bundle_sig'] as string, created_at: now, retired_at: null });
      });
      ctx.log.info('bundle added', { org_id: org.org_id, bundle_id: bundle.bundle_id });
      return sendJson(res, 201, bundleView(ctx.store.bundleById(bundle.bundle_id)!, org));
    }
    if (segments.length === 3 && b !== undefined) {
      allow('GET', 'DELETE');
      const { org } = await authed();
      const row = ctx.store.bundleById(b);
      if (!row) throw new RelayHttpError('bundle_not_found');
      const owner = ctx.store.orgById(row.org_id)!;
      if (method === 'GET') return sendJson(res, 200, reference ? referenceBundleView(row) : bundleView(row, owner));
      extension();
      if (row.org_id !== org.org_id) throw new RelayHttpError('bundle_not_yours');
      if (row.retired_at === null) {
        ctx.store.transaction(() => {
          if (ctx.store.bundlesOf(org.org_id, true).length <= 1) throw new RelayHttpError('last_bundle');
          ctx.store.retireBundle(row.bundle_id, ctx.now());
        });
        ctx.log.info('bundle retired', { org_id: org.org_id, bundle_id: row.bundle_id });
      }
      return sendJson(res, 200, bundleView(ctx.store.bundleById(row.bundle_id)!, owner));
    }
  }
  if (a === 'messages') {
    if (segments.length === 2) {
      allow('GET', 'POST');
      if (method === 'POST') {
        const body = await handleUpload(uploadContext(ctx), req, target);
        ctx.webhooks.kick();
        return sendJson(res, 201, body);
      }
      extension();
      const { org } = await authed();
      return sendJson(res, 200, pendingList(ctx, org, parseQuery(query)));
    }
    if (segments.length === 3 && b !== undefined) {
      allow('GET');
      const { org } = await authed();
      return sendMessageJson(ctx, org, b, res);
    }
    if (segments.length === 4 && b !== undefined) {
      if (c !== 'receipt') extension();
      if (c === 'ciphertext') {
        allow('GET');
        const { org } = await authed();
        return sendCiphertext(ctx, org, b, res);
      }
      if (c === 'envelope') {
        allow('GET');
        const { org } = await authed();
        return sendEnvelopeJson(ctx, org, b, res);
      }
      if (c === 'receipt') {
        allow('POST');
        const { org, body } = await authed();
        return sendJson(res, 200, acceptReceipt(ctx, org, b, body));
      }
      if (c === 'status') {
        allow('GET');
        const { org } = await authed();
        return sendJson(res, 200, messageStatus(ctx, org, b));
      }
    }
  }
  if (segments.length === 3 && a === 'orgs' && b === 'me') {
    extension();
    allow('GET');
    const { org } = await authed();
    const webhook = ctx.store.webhookOf(org.org_id);
    const body: OrgResponse = {
      org_id: org.org_id,
      org_name: org.name,
      key_id: org.key_id,
      fax_numbers: ctx.store.numbersOf(org.org_id),
      bundles: ctx.store.bundlesOf(org.org_id, false).map((row) => bundleView(row, org)),
      webhook: webhook ? webhookView(webhook) : null,
    };
    return sendJson(res, 200, body);
  }
  if (a === 'webhook-endpoint') {
    extension();
    if (segments.length === 2) {
      allow('GET', 'PUT', 'DELETE');
      const { org, body } = await authed();
      if (method === 'PUT') {
        const url = requireWebhookUrl(parseJsonObject(body));
        const secret = newWebhookSecret();
        const created = ctx.store.putWebhook(org.org_id, url, secret, ctx.now());
        ctx.log.info('webhook registered', { org_id: org.org_id });
        const answer: WebhookSecretResponse = { url, secret, previous_secret_valid_until: null };
        return sendJson(res, created ? 201 : 200, answer);
      }
      const endpoint = ctx.store.webhookOf(org.org_id);
      if (!endpoint) throw new RelayHttpError('webhook_not_registered');
      if (method === 'GET') return sendJson(res, 200, webhookView(endpoint));
      ctx.store.deleteWebhook(org.org_id);
      ctx.log.info('webhook removed', { org_id: org.org_id });
      res.writeHead(204);
      res.end();
      return;
    }
    if (segments.length === 3 && b === 'rotate') {
      allow('POST');
      const { org } = await authed();
      const answer = rotateWebhookSecret(ctx, org.org_id);
      return sendJson(res, 200, answer);
    }
  }
  throw new RelayHttpError('not_found');
}

export function rotateWebhookSecret(ctx: Pick<RelayContext, 'store' | 'now' | 'log'>, orgId: string): WebhookSecretResponse {
  const endpoint = ctx.store.webhookOf(orgId);
  if (!endpoint) throw new RelayHttpError('webhook_not_registered');
  const now = ctx.now();
  const secret = newWebhookSecret();
  const until = now + WEBHOOK_ROTATION_OVERLAP_SECONDS;
  ctx.store.rotateWebhook(orgId, secret, now, until);
  ctx.log.info('webhook secret rotated', { org_id: orgId, previous_valid_until: until });
  return { url: endpoint.url, secret, previous_secret_valid_until: until };
}

function requireWebhookUrl(body: Record<string, unknown>): string {
  const url = requireString(body, 'url', 2048);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RelayHttpError('malformed_request', { field: 'url', detail: 'not a URL' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RelayHttpError('malformed_request', { field: 'url', detail: 'http or https only' });
  return url;
}

function webhookView(row: WebhookEndpointRow): WebhookEndpointView {
  return { url: row.url, created_at: row.created_at, rotated_at: row.rotated_at, previous_secret_valid_until: row.previous_valid_until };
}

function uploadContext(ctx: RelayContext): Parameters<typeof handleUpload>[0] {
  return {
    store: ctx.store,
    auth: ctx.auth,
    incomingDir: ctx.incomingDir,
    messagesDir: ctx.messagesDir,
    now: ctx.now,
    onPublished: (row) =>
      ctx.webhooks.enqueue(row.recipient_org_id, 'message.received', {
        message_id: row.message_id,
        sender_org_id: row.sender_org_id,
        from_number: row.from_number,
        to_number: row.to_number,
        size: row.size,
      }),
  };
}
