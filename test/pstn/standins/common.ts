/**
 * Plumbing shared by the provider stand-ins: a real HTTP server on 127.0.0.1 (ephemeral
 * port), body and multipart reading (busboy), JSON answers, fault injection (429 with
 * Retry-After, 5xx) and webhook delivery to a callback URL.
 *
 * Magic destination numbers choose the scenario, after mintfax's sandbox table (the same
 * numbers are used for the Telnyx stand-in, which has no documented sandbox numbers).
 */
import busboy from 'busboy';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const MAGIC = {
  success: '+15005550001',
  busy: '+15005550002',
  noAnswer: '+15005550003',
  transient: '+15005550004',
  permanent: '+15005550005',
  insufficientBalance: '+15005550006',
  invalid: '+15005550099',
} as const;

export type Scenario = 'success' | 'busy' | 'no_answer' | 'transient' | 'permanent';

export function scenarioFor(to: string): Scenario {
  switch (to) {
    case MAGIC.busy:
      return 'busy';
    case MAGIC.noAnswer:
      return 'no_answer';
    case MAGIC.transient:
      return 'transient';
    case MAGIC.permanent:
      return 'permanent';
    default:
      return 'success';
  }
}

export const E164 = /^\+[1-9]\d{1,14}$/;

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  idempotencyKey: string | undefined;
}

export interface UploadedFile {
  field: string;
  fileName: string;
  mimeType: string;
  data: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseMultipart(req: IncomingMessage, body: Buffer): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    const result: MultipartBody = { fields: {}, files: [] };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: 64 * 1024 * 1024 } });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    parser.on('field', (name, value) => {
      result.fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => result.files.push({ field, fileName: info.filename ?? '', mimeType: info.mimeType, data: Buffer.concat(chunks) }));
    });
    parser.on('close', () => resolve(result));
    parser.on('error', reject);
    parser.end(body);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Faults to answer with before serving normally, consumed one request at a time. */
export interface FaultQueue {
  /** The next `count` API requests get 429 with this Retry-After value (seconds or an HTTP date). */
  rateLimit(count: number, retryAfter: string): void;
  /** The next `count` API requests get this 5xx status. */
  serverError(count: number, status?: number): void;
}

export interface Fault {
  status: number;
  retryAfter?: string;
}

export function makeFaultQueue(): FaultQueue & { next(): Fault | undefined } {
  const queue: Fault[] = [];
  return {
    rateLimit(count, retryAfter) {
      for (let i = 0; i < count; i++) queue.push({ status: 429, retryAfter });
    },
    serverError(count, status = 503) {
      for (let i = 0; i < count; i++) queue.push({ status });
    },
    next() {
      return queue.shift();
    },
  };
}

export interface Delivery {
  url: string;
  eventType: string;
  status: number | 'network-error';
}

/**
 * POST one signed event; re-deliver on a non-2xx answer a couple of times, as providers do.
 * Returns the last answer.
 */
export async function deliverWebhook(url: string, headers: Record<string, string>, body: string): Promise<number | 'network-error'> {
  let last: number | 'network-error' = 'network-error';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      await res.arrayBuffer();
      last = res.status;
      if (res.status >= 200 && res.status < 300) return last;
    } catch {
      last = 'network-error';
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return last;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>;

/** A server that records every request, answers faults first, and turns handler errors into 500s. */
export function makeServer(
  handle: Handler,
  faults: { next(): Fault | undefined },
  recorded: RecordedRequest[],
  faultBody: (fault: Fault) => unknown,
): Server {
  return createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      res.on('finish', () => recorded.push({ method: req.method ?? '', path: url.pathname, status: res.statusCode, idempotencyKey }));
      const fault = faults.next();
      if (fault) {
        sendJson(res, fault.status, faultBody(fault), fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
        return;
      }
      try {
        await handle(req, res, body);
      } catch (e) {
        if (!res.headersSent) sendJson(res, 500, { error: 'stand_in_bug', message: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
}

export function randomId(prefix = ''): string {
  return `${prefix}${crypto.randomUUID()}`;
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * What every provider stand-in keeps while it runs: the faults to inject, every request and
 * webhook delivery seen, and the event sequences of the faxes it accepted, which run in the
 * background (settled() waits for them; close() stops new events, then waits).
 */
export interface StandInCore {
  faults: FaultQueue & { next(): Fault | undefined };
  requests: RecordedRequest[];
  deliveries: Delivery[];
  /** True once close() began: sequences emit nothing more. */
  readonly closed: boolean;
  /** Runs one fax's event sequence in the background. */
  track(sequence: Promise<void>): void;
  /** One event, delivered once or (duplicateDeliveries) twice, signed afresh each time; records each answer. */
  deliverCopies(target: string, eventType: string, body: string, copies: number, headersFor: () => Record<string, string>): Promise<void>;
  /** Starts the HTTP server on 127.0.0.1 (makeServer); the answers become the stand-in's own url/settled/close. */
  serve(handle: Handler, faultBody: (fault: Fault) => unknown): Promise<{ url: string; settled(): Promise<void>; close(): Promise<void> }>;
}

export function makeStandInCore(): StandInCore {
  const faults = makeFaultQueue();
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  const sequences: Promise<void>[] = [];
  let closed = false;
  return {
    faults,
    requests,
    deliveries,
    get closed() {
      return closed;
    },
    track(sequence) {
      sequences.push(sequence);
    },
    async deliverCopies(target, eventType, body, copies, headersFor) {
      for (let i = 0; i < copies; i++) {
        const status = await deliverWebhook(target, headersFor(), body);
        deliveries.push({ url: target, eventType, status });
      }
    },
    async serve(handle, faultBody) {
      const server = makeServer(handle, faults, requests, faultBody);
      const url = await listen(server);
      return {
        url,
        async settled() {
          await Promise.all(sequences);
        },
        async close() {
          closed = true;
          await Promise.allSettled(sequences);
          await closeServer(server);
        },
      };
    },
  };
}
