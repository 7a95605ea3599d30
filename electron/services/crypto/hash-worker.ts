/**
 * A long-lived worker thread that hashes byte chunks with SHA-256, so the main thread can
 * encrypt (or decrypt) chunk i+1 while chunk i is being hashed: two cores instead of one.
 *
 * The worker is created from inline source (`eval: true`), so it works the same under plain
 * Node, vitest and the electron-vite bundle (no separate file to locate at run time).
 * Chunks are transferred (zero copy); each is acknowledged once hashed, and `push` waits when
 * too many are in flight, which bounds the memory held in the queue.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'begin') jobs.set(m.id, createHash('sha256'));
  else if (m.type === 'chunk') {
    jobs.get(m.id).update(m.data);
    if (m.recycle) {
      // A pooled copy buffer: hand it back so the next chunk reuses memory already paged in.
      parentPort.postMessage({ type: 'ack', id: m.id, spare: m.data.buffer }, [m.data.buffer]);
      return;
    }
    // Detach the chunk's memory now instead of waiting for this isolate's GC: otherwise up to
    // ~100 MiB of hashed chunks can pile up as garbage during a large seal.
    if (typeof m.data.buffer.transfer === 'function') m.data.buffer.transfer(0);
    parentPort.postMessage({ type: 'ack', id: m.id });
  }
  else if (m.type === 'end') {
    const digest = jobs.get(m.id).digest();
    jobs.delete(m.id);
    const out = new Uint8Array(digest);
    parentPort.postMessage({ type: 'digest', id: m.id, digest: out }, [out.buffer]);
  }
});
`;

type WorkerReply = { type: 'ack'; id: number; spare?: ArrayBuffer } | { type: 'digest'; id: number; digest: Uint8Array };

interface JobState {
  inFlight: number;
  waiters: (() => void)[];
  resolveDigest?: (digest: Uint8Array) => void;
  reject: (e: unknown) => void;
  failed?: unknown;
}

export interface HashJob {
  /**
   * Hands a chunk to the worker. With `transfer`, the chunk's whole ArrayBuffer is moved to the
   * worker (zero copy; the caller must own it and never touch it again); otherwise it is copied.
   */
  push(chunk: Uint8Array, transfer?: boolean): Promise<void>;
  /** Finishes and returns the SHA-256 of everything pushed. */
  end(): Promise<Uint8Array>;
}

/** Size of the pooled copy buffers (the backends' chunk size). */
const SPARE_BYTES = 1024 * 1024;
/** Smaller chunks (a nonce, a tag) are simply copied. */
const SPARE_MIN_BYTES = 64 * 1024;

/** One worker, shared by every job of one backend; kept unref'd while idle. */
export class HashWorker {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, JobState>();
  private nextId = 1;
  private readonly maxInFlight: number;
  /**
   * Copy buffers the worker has handed back. A chunk that cannot be transferred (the caller's
   * buffer) is copied into one of these: fresh memory costs a page fault per 4 KiB, which
   * on this kind of machine is as slow as hashing it; reused memory costs only the copy.
   */
  private readonly spares: ArrayBuffer[] = [];

  constructor(maxInFlight = 8) {
    this.maxInFlight = maxInFlight;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (m: WorkerReply) => this.onMessage(m));
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => {
      this.worker = undefined;
      if (this.jobs.size > 0) this.failAll(new Error(`hash worker exited (code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(m: WorkerReply): void {
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'ack') {
      if (m.spare && this.spares.length <= this.maxInFlight) this.spares.push(m.spare);
      job.inFlight--;
      job.waiters.shift()?.();
    } else {
      this.jobs.delete(m.id);
      this.updateRef();
      job.resolveDigest?.(m.digest);
    }
  }

  private failAll(e: unknown): void {
    for (const job of this.jobs.values()) {
      job.failed = e;
      job.reject(e);
      for (const w of job.waiters.splice(0)) w();
    }
    this.jobs.clear();
    this.updateRef();
  }

  /** Keep the process alive only while a job is running. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.jobs.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  begin(): HashJob {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const state: JobState = { inFlight: 0, waiters: [], reject: () => {} };
    const digest = new Promise<Uint8Array>((resolve, reject) => {
      state.resolveDigest = resolve;
      state.reject = reject;
    });
    digest.catch(() => {}); // surfaced through end()
    this.jobs.set(id, state);
    this.updateRef();
    worker.postMessage({ type: 'begin', id });
    return {
      push: async (chunk, transfer = false) => {
        if (state.failed) throw state.failed;
        // Transfer only a buffer the chunk spans exactly (Node pools small Buffers: moving a pool would detach strangers).
        const movable = transfer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
        let data: Uint8Array;
        let recycle = false;
        if (movable) data = chunk;
        else if (chunk.length >= SPARE_MIN_BYTES && chunk.length <= SPARE_BYTES) {
          data = new Uint8Array(this.spares.pop() ?? new ArrayBuffer(SPARE_BYTES), 0, chunk.length);
          data.set(chunk);
          recycle = true;
        } else data = new Uint8Array(chunk); // new Uint8Array(view) copies; Buffer#slice would not
        state.inFlight++;
        worker.postMessage({ type: 'chunk', id, data, recycle }, [data.buffer as ArrayBuffer]);
        while (state.inFlight >= this.maxInFlight && !state.failed) {
          await new Promise<void>((resolve) => state.waiters.push(resolve));
        }
        if (state.failed) throw state.failed;
      },
      end: () => {
        worker.postMessage({ type: 'end', id });
        return digest;
      },
    };
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
