/**
 * The webhook listener: plain HTTP on 127.0.0.1, meant to sit behind a tunnel URL the user
 * configures (the tunnel terminates TLS). One path per org, `/fxe-webhook/<org_id>`, so each
 * delivery is checked with that org's secrets (current and, during a rotation, previous).
 * The HMAC is checked over the raw body bytes before anything is parsed; stale timestamps
 * are refused; an event id seen before is acknowledged and skipped. The event id is recorded
 * (without a flush of its own) and acknowledged at once; the work runs after, and polling
 * remains the safety net.
 *
 * The same listener also takes the PSTN providers' status events, at `/pstn/telnyx` and
 * `/pstn/mintfax` (the URL each phone-network submission names). Those are checked by the
 * provider's own scheme, not ours: the raw body and headers go untouched to `pstnWebhook`
 * (PstnOutbox.handleWebhook), whose HTTP status is the answer.
 */
import { asOrgId, type OrgId } from '../../../shared/domain/ids.ts';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PSTN_PROVIDERS } from '../../../shared/domain/pstn.ts';
import type { PstnProviderName } from '../../../shared/domain/types.ts';
import type { WebhookEvent } from '../../../shared/fxe-api/types.ts';
import { WEBHOOK_HEADERS } from '../../../shared/fxe-api/types.ts';
import { verifyWebhookSignature } from '../../../shared/protocol/index.ts';
import { errorDetail } from '../errors.ts';
import { relaxedCommit, type Db } from '../storage/database.ts';

const MAX_BODY = 1 << 20;
/** What verifyWebhookSignature allows by default (fxe-wire.md: skew > 300 s is refused). */
const DEFAULT_TOLERANCE_SECONDS = 300;

export interface WebhookListenerDeps {
  db: Db;
  port: number;
  /** By the org id in the request's path: unchecked until the signature verifies. */
  secretsFor: (orgId: string) => Uint8Array[];
  onEvent: (orgId: OrgId, event: WebhookEvent) => void;
  nowMs: () => number;
  toleranceSeconds?: number;
  log?: (line: string) => void;
  /**
   * Whether this process takes the org's deliveries now (default: always). An office receiver
   * that does not lead answers 503 with Retry-After, after checking the signature, so the
   * relay delivers again (to the leader, behind the same address, or here once leading) and
   * nothing is acknowledged that no one will process.
   */
  accepting?: (orgId: string) => boolean;
  /** A provider's status event, raw as it arrived (verified there); answered with httpStatus. Absent: 404. */
  pstnWebhook?: (provider: PstnProviderName, headers: IncomingHttpHeaders, rawBody: Uint8Array) => { httpStatus: number };
}

export interface WebhookListener {
  url: string;
  port: number;
  pathFor(orgId: OrgId): string;
  close(): Promise<void>;
}

export const WEBHOOK_PATH_PREFIX = '/fxe-webhook/';
export const PSTN_WEBHOOK_PATH_PREFIX = '/pstn/';

/** The listener path a provider posts its fax status events to, e.g. `/pstn/mintfax`. */
export function pstnWebhookPath(provider: PstnProviderName): string {
  return `${PSTN_WEBHOOK_PATH_PREFIX}${provider}`;
}

function reply(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answer 413 and then drop the connection: the rest of the oversized body is never read. */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  const text = JSON.stringify({ error: 'too_large' });
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text, () => setTimeout(() => req.socket.destroy(), 250).unref());
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      // Stop reading but keep the socket until the 413 is out (tooLarge): destroying it here
      // made the sender see a reset instead of an answer.
      if (n > MAX_BODY) { req.removeAllListeners('data'); req.pause(); resolve(null); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startWebhookListener(d: WebhookListenerDeps): Promise<WebhookListener> {
  const header = (req: IncomingMessage, name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const handlePstn = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const provider = PSTN_PROVIDERS.find((p) => pstnWebhookPath(p) === path);
    if (!provider || !d.pstnWebhook) return reply(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed' });
    const body = await readBody(req);
    if (body === null) return tooLarge(req, res);
    const { httpStatus } = d.pstnWebhook(provider, req.headers, new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    // The provider only reads the status; the body says which way it went, for a person debugging.
    return reply(res, httpStatus, httpStatus < 300 ? { ok: true } : { error: httpStatus === 404 ? 'not_configured' : 'refused' });
  };
  // An event id only needs remembering while a repeat of its delivery could still pass the
  // timestamp check: its timestamp may sit `tolerance` ahead of our clock and be replayed
  // until `tolerance` after that. Older ids are pruned (at most once a minute).
  const keepMs = (2 * (d.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) + 60) * 1000;
  let lastPruneMs = -Infinity;
  const pruneEvents = (force: boolean): void => {
    const now = d.nowMs();
    if (!force && now - lastPruneMs < 60_000) return;
    lastPruneMs = now;
    d.db.prepare('DELETE FROM webhook_events WHERE at < ?').run(now - keepMs);
  };
  pruneEvents(true);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '';
    if (url.startsWith(PSTN_WEBHOOK_PATH_PREFIX)) return handlePstn(req, res, url.split('?')[0] ?? '');
    if (!url.startsWith(WEBHOOK_PATH_PREFIX)) return reply(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed' });
    let orgId = '';
    try {
      orgId = decodeURIComponent(url.slice(WEBHOOK_PATH_PREFIX.length).split('?')[0] ?? '');
    } catch {
      // Bad percent-encoding: no org of ours. Answered like a bad signature, below.
    }
    const body = await readBody(req);
    if (body === null) return tooLarge(req, res);
    // An unknown org id gets the same 401 as a bad signature for a known one: the listener,
    // reachable from the internet through the tunnel, must not tell which org ids live here.
    const secrets = orgId ? d.secretsFor(orgId) : [];
    try {
      if (secrets.length === 0) throw new Error('no secret for this org id');
      verifyWebhookSignature({
        signatureHeader: header(req, WEBHOOK_HEADERS.signature),
        timestampHeader: header(req, WEBHOOK_HEADERS.timestamp),
        body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        secrets,
        nowSeconds: Math.floor(d.nowMs() / 1000),
        ...(d.toleranceSeconds === undefined ? {} : { toleranceSeconds: d.toleranceSeconds }),
      });
    } catch (e) {
      d.log?.(`webhook for ${orgId} refused: ${errorDetail(e)}`);
      return reply(res, 401, { error: 'bad_signature' });
    }
    const eventId = header(req, WEBHOOK_HEADERS.eventId);
    if (!eventId || eventId.length > 200) return reply(res, 400, { error: 'missing_event_id' });
    let event: WebhookEvent;
    try {
      event = JSON.parse(body.toString('utf8')) as WebhookEvent;
      if (typeof event !== 'object' || event === null || typeof event.message_id !== 'string') throw new Error('no message_id');
    } catch (e) {
      d.log?.(`webhook ${eventId}: unreadable body: ${errorDetail(e)}`);
      return reply(res, 400, { error: 'malformed' });
    }
    // The event id and type headers are NOT covered by the HMAC (only timestamp and body are).
    // Whoever saw one genuine delivery could re-send it within the time window under a new id
    // or type, slipping past the dedupe. When the signed body names them (our relay does),
    // the headers must agree and the signed values are the ones used.
    const typeHeader = header(req, WEBHOOK_HEADERS.eventType);
    const bodyEventId = typeof event.event_id === 'string' ? event.event_id : undefined;
    const bodyType = typeof event.type === 'string' ? event.type : undefined;
    if ((bodyEventId !== undefined && bodyEventId !== eventId) || (bodyType !== undefined && typeHeader !== undefined && bodyType !== typeHeader)) {
      d.log?.(`webhook ${eventId} for ${orgId} refused: headers disagree with the signed body`);
      return reply(res, 400, { error: 'header_mismatch' });
    }
    if (d.accepting && !d.accepting(orgId)) {
      res.setHeader('retry-after', '5');
      return reply(res, 503, { error: 'not_receiving', retry: true });
    }
    pruneEvents(false);
    // Committed without its own flush (relaxedCommit): a power cut may lose the last ids, and
    // then a repeat of one is handled once more, which changes nothing (a fax already stored
    // is not stored twice, a receipt already accepted is accepted again). It saves an fsync
    // between a delivery and its fetch.
    const fresh = relaxedCommit(d.db, () => d.db.prepare('INSERT OR IGNORE INTO webhook_events (event_id, at) VALUES (?, ?)').run(`${orgId}:${eventId}`, d.nowMs()).changes === 1);
    reply(res, 200, { ok: true, duplicate: !fresh });
    if (fresh) {
      const type = bodyType ?? typeHeader;
      // The body verified under this org's own secret: the path named one of our orgs.
      d.onEvent(asOrgId(orgId), { ...event, type } as WebhookEvent);
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      d.log?.(`webhook handler: ${errorDetail(e)}`);
      if (!res.headersSent) reply(res, 500, { error: 'internal' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(d.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pathFor: (orgId) => `${WEBHOOK_PATH_PREFIX}${encodeURIComponent(orgId)}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
