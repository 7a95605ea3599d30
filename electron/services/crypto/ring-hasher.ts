/**
 * SHA-256 on a second core for the streaming seal and open: the chunk being hashed sits in a
 * slot of a SharedArrayBuffer ring that both threads see, so the worker hashes chunk i while
 * this thread encrypts (or decrypts) chunk i+1. Nothing is copied or transferred: a slot is
 * reused once the worker says it is done with it, so memory stays at the ring's size (a few
 * MiB) however large the fax, and no per-chunk garbage waits for either thread's collector.
 *
 * One worker per process, started on first use from inline source (`eval: true`: the same
 * under Node, vitest, the electron-vite bundle and the CLI bundle), unref'd while idle. It
 * serves the streamed bodies (stream-seal.ts fills the slots directly) and the in-memory ones
 * (node-backend.ts copies its chunks in through a RingFeeder, or hands small bodies over
 * whole with hashBytes).
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'begin') jobs.set(m.id, { hash: createHash('sha256'), ring: new Uint8Array(m.ring) });
  else if (m.type === 'bytes') jobs.get(m.id).hash.update(m.data);
  else if (m.type === 'slot') {
    const job = jobs.get(m.id);
    job.hash.update(job.ring.subarray(m.offset, m.offset + m.length));
    parentPort.postMessage({ type: 'hashed', id: m.id, slot: m.slot });
  } else if (m.type === 'end') {
    const job = jobs.get(m.id);
    jobs.delete(m.id);
    const digest = new Uint8Array(job.hash.digest());
    parentPort.postMessage({ type: 'digest', id: m.id, digest }, [digest.buffer]);
  } else if (m.type === 'abort') jobs.delete(m.id);
});
`;

type WorkerReply = { type: 'hashed'; id: number; slot: number } | { type: 'digest'; id: number; digest: Uint8Array };

/** 1 MiB slots: big enough that per-message overhead vanishes, small enough to keep memory flat. */
export const RING_SLOT_BYTES = 1024 * 1024;
/** Four slots: one being filled, one being written or read, two being hashed. */
export const RING_SLOTS = 4;

/**
 * Bodies up to this size are hashed on the calling thread (`begin({ inline: true })`): ~2 ms
 * of SHA-256 in series with the cipher, where starting the hashing thread costs a process
 * that has not started it yet ~50-100 ms of CPU (a Node environment of its own), on the core
 * the PDF check's pdf.js is loading on: the CLI sending or receiving one small fax.
 */
export const INLINE_HASH_MAX_BYTES = 4 * 1024 * 1024;

export interface RingHashJob {
  /** The ring's slots, RING_SLOT_BYTES each: fill one, then hand it to `hashSlot`. */
  readonly slots: readonly Uint8Array[];
  /** Hashes a small piece (a nonce, a tag) in order with the slots: it is copied. */
  hashBytes(data: Uint8Array): void;
  /** Hashes the first `length` bytes of slot `index`; resolves when the worker no longer reads it. */
  hashSlot(index: number, length: number): Promise<void>;
  /** The SHA-256 of everything handed over, in order. The ring goes back to the pool. */
  end(): Promise<Uint8Array>;
  /** Gives up (on a failure): the ring goes back to the pool once the worker let go of it. */
  abort(): void;
}

interface JobState {
  slotWaiters: Map<number, () => void>;
  resolveDigest: (d: Uint8Array) => void;
  reject: (e: unknown) => void;
  failed?: unknown;
}

class RingHasher {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, JobState>();
  private nextId = 1;
  /** Rings of finished jobs, reused: fresh memory costs a page fault per 4 KiB. */
  private readonly pool: SharedArrayBuffer[] = [];

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (m: WorkerReply) => this.onMessage(m));
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.jobs.size > 0) this.failAll(new Error(`the hashing thread stopped (code ${code})`));
    });
    // After the listeners: adding a 'message' listener refs the worker again, and a process
    // that only warmed it up (the CLI's send, failing before its first fax) would never exit.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Starts the thread ahead of the first fax, so that fax does not wait ~30 ms for it. */
  warmUp(): void {
    this.ensureWorker();
  }

  /** Whether the hashing thread was started (tests: small bodies never start it). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  private onMessage(m: WorkerReply): void {
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'hashed') {
      const wake = job.slotWaiters.get(m.slot);
      job.slotWaiters.delete(m.slot);
      wake?.();
    } else {
      this.jobs.delete(m.id);
      this.updateRef();
      job.resolveDigest(m.digest);
    }
  }

  private failAll(e: unknown): void {
    for (const job of this.jobs.values()) {
      job.failed = e;
      job.reject(e);
      for (const wake of job.slotWaiters.values()) wake();
      job.slotWaiters.clear();
    }
    this.jobs.clear();
    this.updateRef();
  }

  /** Keep the process alive only while a job runs. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.jobs.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  /** `inline`: hashed on this thread, as each slot is handed over (small bodies, see INLINE_HASH_MAX_BYTES). */
  begin(opts: { inline?: boolean } = {}): RingHashJob {
    if (opts.inline) return inlineJob(this.pool);
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const ring = this.pool.pop() ?? new SharedArrayBuffer(RING_SLOTS * RING_SLOT_BYTES);
    const slots = Array.from({ length: RING_SLOTS }, (_, i) => new Uint8Array(ring, i * RING_SLOT_BYTES, RING_SLOT_BYTES));
    let settled = false;
    const state: JobState = { slotWaiters: new Map(), resolveDigest: () => {}, reject: () => {} };
    const digest = new Promise<Uint8Array>((resolve, reject) => {
      state.resolveDigest = resolve;
      state.reject = reject;
    });
    digest.catch(() => {}); // surfaced through end()
    this.jobs.set(id, state);
    this.updateRef();
    worker.postMessage({ type: 'begin', id, ring });
    const release = (): void => {
      // The worker handles messages in order: after 'end' / 'abort' it never touches the ring again.
      if (this.pool.length < 2) this.pool.push(ring);
    };
    return {
      slots,
      hashBytes: (data) => {
        if (state.failed) throw state.failed;
        worker.postMessage({ type: 'bytes', id, data: Uint8Array.from(data) });
      },
      hashSlot: (index, length) => {
        if (state.failed) return Promise.reject(state.failed);
        if (state.slotWaiters.has(index)) return Promise.reject(new Error(`ring slot ${index} handed over twice`));
        const done = new Promise<void>((resolve, reject) => {
          state.slotWaiters.set(index, () => (state.failed ? reject(state.failed) : resolve()));
        });
        worker.postMessage({ type: 'slot', id, slot: index, offset: index * RING_SLOT_BYTES, length });
        return done;
      },
      end: () => {
        if (settled) return Promise.reject(new Error('hash job already finished'));
        settled = true;
        worker.postMessage({ type: 'end', id });
        return digest.finally(release);
      },
      abort: () => {
        if (settled) return;
        settled = true;
        this.jobs.delete(id);
        this.updateRef();
        worker.postMessage({ type: 'abort', id });
        state.failed = new Error('hash job aborted');
        for (const wake of state.slotWaiters.values()) wake();
        state.slotWaiters.clear();
        // Slots still queued in the worker would be hashed into a job that no longer exists:
        // the ring is not pooled again, so no later job can see them change under it.
      },
    };
  }
}

/** The same job done on the calling thread: each slot hashed when handed over. */
function inlineJob(pool: SharedArrayBuffer[]): RingHashJob {
  const ring = pool.pop() ?? new SharedArrayBuffer(RING_SLOTS * RING_SLOT_BYTES);
  const slots = Array.from({ length: RING_SLOTS }, (_, i) => new Uint8Array(ring, i * RING_SLOT_BYTES, RING_SLOT_BYTES));
  let hash: ReturnType<typeof createHash> | null = createHash('sha256');
  const live = (): ReturnType<typeof createHash> => {
    if (!hash) throw new Error('hash job already finished');
    return hash;
  };
  const release = (): void => {
    hash = null;
    if (pool.length < 2) pool.push(ring);
  };
  return {
    slots,
    hashBytes: (data) => { live().update(data); },
    hashSlot: (index, length) => {
      try {
        live().update(slots[index]!.subarray(0, length));
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    },
    end: () => {
      try {
        const d = live().digest();
        release();
        return Promise.resolve(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    abort: () => { if (hash) release(); },
  };
}

/** The process's one hashing thread, for streamed and in-memory bodies alike. */
export const ringHasher = new RingHasher();

/**
 * Hashes bytes that are already in memory (the in-memory seal and open) on the hashing
 * thread: each push is copied into the ring's slots (a copy costs a fraction of the hash),
 * a full slot is handed over, and a push waits only when every slot is still being hashed.
 */
export class RingFeeder {
  private readonly job: RingHashJob = ringHasher.begin();
  private readonly busy: (Promise<void> | undefined)[] = Array.from({ length: RING_SLOTS }, () => undefined);
  private slot = 0;
  private fill = 0;
  private settled = false;

  async push(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      await this.busy[this.slot]; // the worker is done with what this slot held before
      const n = Math.min(bytes.length - at, RING_SLOT_BYTES - this.fill);
      this.job.slots[this.slot]!.set(bytes.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === RING_SLOT_BYTES) this.handOver();
    }
  }

  /** The SHA-256 of everything pushed, in order. */
  async end(): Promise<Uint8Array> {
    this.settled = true;
    if (this.fill > 0) this.handOver();
    await Promise.all(this.busy.filter((pending) => pending !== undefined));
    return this.job.end();
  }

  /** Gives up (a failure before end). */
  abort(): void {
    if (this.settled) return;
    this.settled = true;
    this.job.abort();
  }

  private handOver(): void {
    const done = this.job.hashSlot(this.slot, this.fill);
    done.catch(() => undefined); // awaited before the slot is refilled, or in end()
    this.busy[this.slot] = done;
    this.slot = (this.slot + 1) % RING_SLOTS;
    this.fill = 0;
  }
}
