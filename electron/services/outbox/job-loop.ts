/**
 * The worker loop both outbox lanes (fxe and PSTN) run over their SQLite job table: process
 * every job that is due, one at a time; if more work was asked for meanwhile, go round again;
 * then sleep until the earliest job that is not due yet. The jobs and their due times live in
 * the database, so the loop itself holds no state worth saving: a restart just kicks it.
 */
export interface JobLoopSource<Job> {
  /** The next job due now, or undefined when none is. */
  dueJob(): Job | undefined;
  process(job: Job): Promise<void>;
  /** When the earliest unfinished job falls due (epoch ms), or null when there is none. */
  nextDueAt(): number | null;
  nowMs(): number;
  /** Shortest sleep between rounds, so a job whose time just passed cannot spin the loop. */
  minWaitMs: number;
}

/** setTimeout's limit (~24.8 days); a later due time just wakes the loop once more before it. */
const MAX_TIMER_MS = 2_147_000_000;

export class JobLoop<Job> {
  private readonly source: JobLoopSource<Job>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stoppedFlag = false;

  constructor(source: JobLoopSource<Job>) {
    this.source = source;
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  start(): void {
    this.stoppedFlag = false;
    void this.kick();
  }

  /** No new round starts; resolves once the job in progress (if any) is done. */
  async stop(): Promise<void> {
    this.stoppedFlag = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Run every due job now; resolves when none is due (a kick during a round adds a round). */
  kick(): Promise<void> {
    if (this.stoppedFlag) return Promise.resolve();
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      // Yield first: with nothing due the loop below would otherwise finish synchronously,
      // before `this.running` is even assigned, and the finally would clear nothing.
      await Promise.resolve();
      try {
        do {
          this.rerun = false;
          for (let job = this.source.dueJob(); job !== undefined && !this.stoppedFlag; job = this.source.dueJob()) await this.source.process(job);
        } while (this.rerun && !this.stoppedFlag);
      } finally {
        this.running = null;
        this.scheduleNext();
      }
    })();
    return this.running;
  }

  private scheduleNext(): void {
    if (this.stoppedFlag) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.source.nextDueAt();
    if (next === null) return;
    const wait = Math.max(this.source.minWaitMs, next - this.source.nowMs());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.kick();
    }, Math.min(wait, MAX_TIMER_MS));
    this.timer.unref();
  }
}
