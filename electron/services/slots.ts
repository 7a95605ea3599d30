/**
 * A fixed number of slots: at most `size` tasks run at once, the rest wait their turn in the
 * order they asked. Used where work overlaps well (network round trips, database commits) but
 * must stay bounded (memory, connections).
 */
export class Slots {
  readonly size: number;
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: size must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** Tasks running now. */
  get inUse(): number {
    return this.busy;
  }

  /** Runs `task` once a slot is free, and frees it when the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line (busy stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }
}
