/**
 * Live changes from the office, for one desk: LISTEN on `fxe_changes` over a dedicated
 * connection, and on each notification read `fxe.changes` after the last seq seen. Because
 * every change is read from the table (the NOTIFY only says "look"), a notification missed
 * while the connection was down costs nothing: after reconnecting the desk reads what it
 * missed, in order. A check every few seconds notices a connection that silently stopped
 * answering (a cut network) and replaces it.
 *
 * When the desk was away so long that the feed was pruned past its position, it gets one
 * `{ kind: 'reset' }` change: reload everything on screen.
 */
import pg from 'pg';
import { exponentialDelayMs } from '../backoff.ts';
import { errorDetail } from '../errors.ts';
import { clientConfig, type OfficeDbOptions } from '../storage/postgres/connection.ts';

export interface OfficeChange {
  seq: number;
  /** The table that changed ('faxes', 'fax_reads', 'contacts', 'office_settings', 'outbox', 'audit_log'), or 'reset'. */
  kind: string;
  /** The row: a fax id (faxes, fax_reads, outbox), a contact id, a setting key, an audit seq. */
  key: string | null;
  op: 'insert' | 'update' | 'delete' | 'reset';
}

export type FeedStatus = { connected: true } | { connected: false; error: string };

export interface ChangeFeedOptions {
  db: OfficeDbOptions;
  /** Deliver changes after this seq; default: only changes from now on. */
  fromSeq?: number;
  onChanges: (changes: OfficeChange[]) => void;
  onStatus?: (s: FeedStatus) => void;
  /** How often an idle connection is checked (default 3 s). */
  checkEveryMs?: number;
  log?: (line: string) => void;
}

const PAGE = 5000;

export class ChangeFeed {
  private readonly o: ChangeFeedOptions;
  private client: pg.Client | null = null;
  private seq: number | null;
  private stopped = false;
  private fetching: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private connected = false;
  private generation = 0;

  constructor(o: ChangeFeedOptions) {
    this.o = o;
    this.seq = o.fromSeq ?? null;
  }

  /** The last seq delivered (a desk may keep it to resume after a restart). */
  get lastSeq(): number | null {
    return this.seq;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Resolves once connected the first time (or rejects with why it could not). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    await this.fetching?.catch(() => undefined);
    if (c) await c.end().catch(() => undefined);
  }

  private setStatus(s: FeedStatus): void {
    const was = this.connected;
    this.connected = s.connected;
    if (was !== s.connected || !s.connected) this.o.onStatus?.(s);
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const cfg = clientConfig({ ...this.o.db, queryTimeoutMs: Math.min(this.o.db.queryTimeoutMs ?? 5_000, 5_000), connectTimeoutMs: this.o.db.connectTimeoutMs ?? 5_000 });
    const c = new pg.Client({ ...cfg, application_name: 'fxe-desk changes' });
    c.on('error', (e) => this.lost(c, generation, e));
    c.on('end', () => this.lost(c, generation, new Error('connection closed')));
    c.on('notification', (n) => {
      if (n.channel === 'fxe_changes') this.fetch();
    });
    try {
      await c.connect();
      await c.query('LISTEN fxe_changes');
      if (this.seq === null) {
        const r = await c.query<{ s: string | null }>('SELECT max(seq) AS s FROM fxe.changes');
        this.seq = Number(r.rows[0]?.s ?? 0);
      }
    } catch (e) {
      await c.end().catch(() => undefined);
      throw e;
    }
    if (this.stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.failures = 0;
    this.setStatus({ connected: true });
    this.fetch();
    this.scheduleCheck();
  }

  private lost(c: pg.Client, generation: number, e: unknown): void {
    if (this.stopped || generation !== this.generation || this.client !== c) return;
    this.client = null;
    c.end().catch(() => undefined);
    this.setStatus({ connected: false, error: errorDetail(e) });
    this.o.log?.(`office changes: connection lost (${errorDetail(e)}); reconnecting`);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = exponentialDelayMs(this.failures++, 250, 5_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().catch((e: unknown) => {
        this.setStatus({ connected: false, error: errorDetail(e) });
        this.reconnectLater();
      });
    }, delay);
    this.timer.unref?.();
  }

  private scheduleCheck(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      // Also catches anything a lost NOTIFY would have announced.
      this.fetch();
      void this.fetching?.finally(() => { if (this.client) this.scheduleCheck(); });
    }, this.o.checkEveryMs ?? 3_000);
    this.timer.unref?.();
  }

  /** Reads the feed after the last seq; coalesces notifications that arrive meanwhile. */
  private fetch(): void {
    if (this.fetching) {
      this.again = true;
      return;
    }
    const c = this.client;
    if (!c) return;
    const generation = this.generation;
    this.fetching = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const from = this.seq ?? 0;
            const r = await c.query<{ seq: string; kind: string; key: string | null; op: OfficeChange['op'] }>(
              'SELECT seq, kind, key, op FROM fxe.changes WHERE seq > $1 ORDER BY seq LIMIT ' + String(PAGE), [from]);
            if (r.rows.length === 0) break;
            const first = Number(r.rows[0]!.seq);
            if (from > 0 && first > from + 1) {
              // Older changes than ours were pruned, or sequence values were skipped by
              // rolled-back writes: only a pruned feed means we missed something.
              const min = await c.query<{ m: string | null }>('SELECT min(seq) AS m FROM fxe.changes');
              if (Number(min.rows[0]?.m ?? 0) > from + 1) this.o.onChanges([{ seq: first - 1, kind: 'reset', key: null, op: 'reset' }]);
            }
            const changes = r.rows.map((x) => ({ seq: Number(x.seq), kind: x.kind, key: x.key, op: x.op }));
            this.seq = changes[changes.length - 1]!.seq;
            this.o.onChanges(changes);
            if (r.rows.length < PAGE) break;
          }
        } while (this.again && !this.stopped);
      } catch (e) {
        if (generation === this.generation) this.lost(c, generation, e);
      } finally {
        this.fetching = null;
      }
    })();
  }
}
