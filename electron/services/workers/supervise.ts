/**
 * Runs a worker thread under a time limit and a cap on how far this process's resident memory
 * may grow, and turns whatever happens into exactly one outcome. The PDF page counter (pdf.js)
 * and the cover-page maker (pdf-lib) both open documents from anyone with libraries that do not
 * bound their own time or memory; a hostile document may then stop its worker, never the app.
 * The worker is terminated whatever the outcome.
 */
import type { Worker } from 'node:worker_threads';

export interface WorkerLimits {
  timeoutMs: number;
  /** How far this process's resident memory may grow while the worker runs, MiB. */
  maxMemoryMb: number;
}

/** What to make of each way a supervised worker can end. */
export interface WorkerOutcomes<Reply, Outcome> {
  /** Its one answer. */
  reply(message: Reply): Outcome;
  /** A limit was hit (`detail` says which). */
  overrun(detail: string): Outcome;
  /** It threw, or could not start, or exited without an answer. */
  failed(error: Error | null, detail: string): Outcome;
  /** true for a message that is not its answer (a spare saying it finished loading): ignored. */
  notice?(message: unknown): boolean;
}

const MEMORY_POLL_MS = 50;

export function superviseWorker<Reply, Outcome>(worker: Worker, limits: WorkerLimits, what: string, outcomes: WorkerOutcomes<Reply, Outcome>): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: () => Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryPoll);
      worker.removeAllListeners();
      // Swallow late errors from a worker being torn down; the outcome is already decided.
      worker.on('error', () => undefined);
      void worker.terminate().catch(() => undefined);
      resolve(outcome());
    };
    const timer = setTimeout(() => finish(() => outcomes.overrun(`${what} did not finish within ${limits.timeoutMs} ms; its worker was stopped`)), limits.timeoutMs);
    // Measured from when the worker starts: its document is already in memory by then.
    const memoryCeiling = process.memoryUsage.rss() + limits.maxMemoryMb * 1024 * 1024;
    const memoryPoll = setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss > memoryCeiling) {
        finish(() => outcomes.overrun(`${what} needed more than ${limits.maxMemoryMb} MiB of memory (resident size ${(rss / (1024 * 1024)).toFixed(0)} MiB); its worker was stopped`));
      }
    }, MEMORY_POLL_MS);
    // Neither timer may keep the process alive on its own.
    timer.unref();
    memoryPoll.unref();
    worker.on('message', (message: Reply) => {
      if (outcomes.notice?.(message)) return;
      finish(() => outcomes.reply(message));
    });
    worker.on('error', (e: Error) => finish(() => outcomes.failed(e, `${what} failed: ${e.message}`)));
    worker.on('exit', (code) => finish(() => outcomes.failed(null, `${what} ended (exit code ${code}) without an answer`)));
  });
}
