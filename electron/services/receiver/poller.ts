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
        let after: string | null = null;
        for (let page = 0; page < 100; page++) {
          const list = await client.pending(after, 100);
          for (const m of list.messages) {
            if (this.d.pipeline.isSettled(orgId, m.message_id)) continue;
            if ((await this.d.pipeline.handle(orgId, m.message_id)) === 'stored') stored++;
          }
          if (!list.next_cursor || list.messages.length === 0) break;
          after = list.next_cursor;
        }
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
