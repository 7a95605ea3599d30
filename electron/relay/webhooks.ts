/**
 * Webhook deliveries. Events are rows in the database (queued in the same transaction as the
 * upload or receipt that caused them), so a restart loses none; the body is stored once, so
 * the event id and payload are identical on every attempt while the timestamp and signature
 * are made fresh. During a secret rotation overlap both secrets sign, old first.
 */
import { randomBytes } from 'node:crypto';
import { webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { WEBHOOK_HEADERS, type WebhookEvent, type WebhookEventType } from '../../shared/fxe-api/index.ts';
import type { RelayLog } from './log.ts';
import type { RelayStore, WebhookEndpointRow, WebhookEventRow } from './store.ts';

/** Default backoff after each failed attempt; after the last one the event is marked failed. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000];
const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_PARALLEL_DELIVERIES = 4;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The secrets that sign a delivery right now: the previous one while its overlap lasts, then the current. */
export function signingSecrets(endpoint: WebhookEndpointRow, nowSeconds: number): Uint8Array[] {
  const secrets: Uint8Array[] = [];
  if (endpoint.previous_secret !== null && endpoint.previous_valid_until !== null && nowSeconds < endpoint.previous_valid_until) {
    secrets.push(new TextEncoder().encode(endpoint.previous_secret));
  }
  secrets.push(new TextEncoder().encode(endpoint.secret));
  return secrets;
}

type EventPayload<T extends WebhookEventType> = Omit<Extract<WebhookEvent, { type: T }>, 'event_id' | 'type' | 'created_at'>;

export class WebhookDispatcher {
  private readonly store: RelayStore;
  private readonly now: () => number;
  private readonly retryDelaysMs: number[];
  private readonly log: RelayLog;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(p: { store: RelayStore; now: () => number; retryDelaysMs?: number[]; log: RelayLog }) {
    this.store = p.store;
    this.now = p.now;
    this.retryDelaysMs = p.retryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS;
    this.log = p.log;
  }

  /**
   * Queues an event for `orgId` if it has an endpoint. Call inside the transaction that
   * records the fact, then kick() after the commit.
   */
  enqueue<T extends WebhookEventType>(orgId: string, type: T, payload: EventPayload<T>): void {
    if (!this.store.webhookOf(orgId)) return;
    const eventId = `evt_${randomBytes(16).toString('hex')}`;
    const createdAt = this.now();
    const body = JSON.stringify({ event_id: eventId, type, created_at: createdAt, ...payload });
    this.store.insertEvent({ event_id: eventId, org_id: orgId, type, body, created_at: createdAt, next_attempt_ms: Date.now() });
  }

  /** Looks for due events now and arms the timer for the next one. */
  kick(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.store.dueEvents(Date.now(), MAX_PARALLEL_DELIVERIES * 4);
    for (const event of due) {
      if (this.inFlight.size >= MAX_PARALLEL_DELIVERIES) break;
      if (this.inFlight.has(event.event_id)) continue;
      const run = this.attempt(event).finally(() => {
        this.running.delete(run);
        this.kick();
      });
      this.running.add(run);
    }
    const next = this.store.nextEventDueMs();
    if (next !== undefined && this.inFlight.size < MAX_PARALLEL_DELIVERIES) {
      const delay = Math.max(next - Date.now(), 25);
      this.timer = setTimeout(() => this.kick(), Math.min(delay, 60_000));
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const controller of this.inFlight.values()) controller.abort();
    await Promise.allSettled([...this.running]);
  }

  private async attempt(event: WebhookEventRow): Promise<void> {
    const controller = new AbortController();
    this.inFlight.set(event.event_id, controller);
    try {
      const endpoint = this.store.webhookOf(event.org_id);
      if (!endpoint) {
        this.store.recordAttempt(event.event_id, { failedAt: Date.now(), error: 'no endpoint registered' });
        return;
      }
      const outcome = await this.post(endpoint, event, controller.signal);
      if (this.closed && controller.signal.aborted) return; // shutting down: try again after restart
      if (outcome.ok) {
        this.store.recordAttempt(event.event_id, { deliveredAt: this.now() });
        this.log.info('webhook delivered', { event_id: event.event_id, type: event.type, attempt: event.attempts + 1 });
        return;
      }
      const delay = this.retryDelaysMs[event.attempts];
      if (delay === undefined) {
        this.store.recordAttempt(event.event_id, { failedAt: Date.now(), error: outcome.error });
        this.log.warn('webhook gave up', { event_id: event.event_id, attempts: event.attempts + 1, error: outcome.error });
      } else {
        this.store.recordAttempt(event.event_id, { nextAttemptMs: Date.now() + delay, error: outcome.error });
        this.log.info('webhook retry scheduled', { event_id: event.event_id, attempt: event.attempts + 1, in_ms: delay, error: outcome.error });
      }
    } finally {
      this.inFlight.delete(event.event_id);
    }
  }

  private async post(endpoint: WebhookEndpointRow, event: WebhookEventRow, signal: AbortSignal): Promise<{ ok: true } | { ok: false; error: string }> {
    const body = new TextEncoder().encode(event.body);
    const timestamp = String(this.now());
    const signature = webhookSignatureHeader({ secrets: signingSecrets(endpoint, this.now()), timestamp, body });
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_HEADERS.timestamp]: timestamp,
          [WEBHOOK_HEADERS.signature]: signature,
          [WEBHOOK_HEADERS.eventId]: event.event_id,
          [WEBHOOK_HEADERS.eventType]: event.type,
        },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
