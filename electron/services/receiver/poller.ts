/**
 * Polling mode, for desks that cannot take webhooks: list the messages still awaiting our
 * receipt and feed each to the pipeline. On failure the interval backs off (doubling, with
 * jitter, up to 5 minutes) and snaps back after the next success.
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import { exponentialDelayMs, halfJitter } from '../backoff.ts';
import { errorDetail } from '../errors.ts';
import type { RelayClientPool } from '../relay-client/client-pool.ts';
import type { ReceivePipeline } from './pipeline.ts';

export interface PollerDeps {
  orgIds: () => OrgId[];
  clients: RelayClientPool;
  pipeline: ReceivePipeline;
  intervalMs: () => number;
  /** Also runs each tick (the outbox's delivery checks). */
  onTick?: () => Promise<void>;
  onReachability?: (reachable: boolean) => void;
  /** The org's relay offers no polling (the reference relay): its faxes come by webhook only. */
  onPollingUnavailable?: (orgId: OrgId) => void;
  log?: (line: string) => void;
  maxBackoffMs?: number;
}

export class Poller {
  private readonly d: PollerDeps;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private active: Promise<number> | null = null;
  private stopped = true;
  /** Why the last pass could not list some org's faxes (null when it could); the CLI reports it. */
  lastError: unknown = null;

  constructor(deps: PollerDeps) {
    this.d = deps;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.active?.catch(() => undefined);
  }

  /** One pass over every org; returns how many faxes were newly stored. */
  pollOnce(): Promise<number> {
    this.active ??= this.pass().finally(() => { this.active = null; });
    return this.active;
  }

  private async pass(): Promise<number> {
    let stored = 0;
    let ok = true;
    this.lastError = null;
    // Receipts owed from before a crash first: those faxes are no longer listed as pending
    // once the relay accepted a receipt we did not get to record.
    try { await this.d.pipeline.resumeOwedReceipts(); } catch (e) { this.d.log?.(`owed receipts: ${errorDetail(e)}`); }
    for (const orgId of this.d.orgIds()) {
      try {
        const client = await this.d.clients.forOrg(orgId);
        if (!(await client.hasExtension('polling'))) {
          this.d.onPollingUnavailable?.(orgId);
          continue;
        }
        stored += await this.receiveListed(orgId, client);
      } catch (e) {
        ok = false;
        this.lastError = e;
        this.d.log?.(`poll ${orgId}: ${errorDetail(e)}`);
      }
    }
    try { await this.d.onTick?.(); } catch (e) { this.d.log?.(`poll tick: ${errorDetail(e)}`); }
    this.d.onReachability?.(ok);
    this.failures = ok ? 0 : this.failures + 1;
    return stored;
  }

  /**
   * Walks the relay's list of faxes awaiting our receipt, page by page, keeping the pipeline's
   * `concurrency` faxes in flight: the next fax starts as soon as one finishes, across page
   * boundaries. The list's cursor is the relay's sequence number, so faxes receipted while we
   * page do not shift it. A fax that fails is left for the next pass (the pipeline says
   * 'retry-later') and does not hold up the others; only a simulated crash stops the walk.
   */
  private async receiveListed(orgId: OrgId, client: Awaited<ReturnType<RelayClientPool['forOrg']>>): Promise<number> {
    const window = this.d.pipeline.concurrency;
    const running = new Set<Promise<void>>();
    let stored = 0;
    let crashed: { error: unknown } | null = null;
    const start = (messageId: string): void => {
      const p: Promise<void> = this.d.pipeline.handle(orgId, messageId).then(
        (outcome) => { if (outcome === 'stored') stored++; },
        (e: unknown) => { crashed ??= { error: e }; },
      ).finally(() => running.delete(p));
      running.add(p);
    };
    try {
      let after: string | null = null;
      for (let page = 0; page < 100 && !crashed; page++) {
        const list = await client.pending(after, 100);
        for (const m of list.messages) {
          if (crashed) break;
          if (this.d.pipeline.isSettled(orgId, m.message_id)) continue;
          while (running.size >= window) await Promise.race(running);
          start(m.message_id);
        }
        if (!list.next_cursor || list.messages.length === 0) break;
        after = list.next_cursor;
      }
    } finally {
      // Whatever started finishes (stored and receipted, or left for later) before the pass ends.
      await Promise.all(running);
    }
    if (crashed) throw (crashed as { error: unknown }).error;
    return stored;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pollOnce().finally(() => {
        const base = this.d.intervalMs();
        const cap = this.d.maxBackoffMs ?? 300_000;
        const wait = this.failures === 0 ? base : halfJitter(exponentialDelayMs(this.failures, base, cap));
        this.schedule(wait);
      });
    }, ms);
    this.timer.unref();
  }
}
