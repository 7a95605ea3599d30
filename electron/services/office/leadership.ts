/**
 * One receiver at a time: a lease row (fxe.leases) that the leader renews every
 * `renewEveryMs` for `leaseMs`, timed by the database server's clock so desks' clocks do not
 * matter. A leader that quits releases it at once; one that crashes or loses the network
 * stops renewing, and another desk takes over once the lease ran out (default 6 s, within
 * the 10 s promised). A leader that cannot renew steps down on its own clock a little before
 * its lease ends, so two leaders never both believe they lead. Even then, nothing relies on
 * it for correctness: the receive journal's unique keys make a second store impossible.
 */
import { randomUUID } from 'node:crypto';
import { errorDetail } from '../errors.ts';
import type { Office } from './office.ts';

export interface LeadershipOptions {
  /** What is led (one lease per name); default 'receiver'. */
  name?: string;
  leaseMs?: number;
  renewEveryMs?: number;
  onGain: () => void;
  onLose: (why: string) => void;
}

export class Leadership {
  private readonly office: Office;
  private readonly o: Required<Omit<LeadershipOptions, 'onGain' | 'onLose'>> & LeadershipOptions;
  /** This process's claim (a desk restarting is a new holder). */
  readonly holder = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  /** Steps down when the lease runs out on our clock, even while a renewal hangs. */
  private watchdog: NodeJS.Timeout | null = null;
  private leading = false;
  private validUntil = 0;
  private stopped = true;
  private running: Promise<void> | null = null;

  constructor(office: Office, o: LeadershipOptions) {
    this.office = office;
    this.o = { name: 'receiver', leaseMs: 6_000, renewEveryMs: 1_500, ...o };
  }

  get isLeader(): boolean {
    return this.leading && performance.now() < this.validUntil;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  /** Stops and hands the lease back, so a successor starts at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    await this.running?.catch(() => undefined);
    if (this.leading) {
      this.setLeading(false, 'stopped');
      await this.office.query("UPDATE fxe.leases SET until = '-infinity', holder = NULL WHERE name = $1 AND holder = $2", [this.o.name, this.holder], 'release lease').catch(() => undefined);
    }
  }

  private setLeading(leading: boolean, why: string): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.office.log(`${this.o.name}: ${leading ? 'leading' : `no longer leading (${why})`}`);
    if (leading) this.o.onGain();
    else this.o.onLose(why);
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.attempt().finally(() => {
      this.running = null;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.o.renewEveryMs);
      this.timer.unref?.();
    });
  }

  private async attempt(): Promise<void> {
    const sentAt = performance.now();
    try {
      const r = await this.office.pool.query<{ epoch: string }>({
        text: `INSERT INTO fxe.leases (name, holder, holder_desk, until, epoch) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', 1)
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, holder_desk = excluded.holder_desk, until = excluded.until,
            epoch = fxe.leases.epoch + CASE WHEN fxe.leases.holder = excluded.holder THEN 0 ELSE 1 END
          WHERE fxe.leases.holder = excluded.holder OR fxe.leases.until < now()
          RETURNING epoch`,
        values: [this.o.name, this.holder, this.office.desk.deskId, this.o.leaseMs],
        query_timeout: Math.max(500, this.o.renewEveryMs),
      } as import('pg').QueryConfig);
      if (r.rowCount) {
        // Counted from when we asked: the server's lease may have started a little later, never earlier.
        this.validUntil = sentAt + this.o.leaseMs - this.o.renewEveryMs / 2;
        if (this.watchdog) clearTimeout(this.watchdog);
        this.watchdog = setTimeout(() => { if (!this.stopped) this.setLeading(false, 'lease ran out'); }, Math.max(0, this.validUntil - performance.now()));
        this.watchdog.unref?.();
        this.setLeading(true, '');
      } else {
        this.setLeading(false, 'another desk leads');
      }
    } catch (e) {
      if (this.leading && performance.now() >= this.validUntil) this.setLeading(false, `the office database did not answer: ${errorDetail(e)}`);
      else if (!this.leading) this.office.log(`${this.o.name}: cannot reach the office database: ${errorDetail(e)}`);
    }
    if (this.leading && performance.now() >= this.validUntil) this.setLeading(false, 'lease ran out');
  }
}
