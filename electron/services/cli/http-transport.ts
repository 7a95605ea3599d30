/**
 * The CLI's transport for the relay client: node:http / node:https instead of fetch. Node's
 * fetch (undici) cost a CLI run that had not used it yet ~0.1 s of CPU to load (its
 * JavaScript, zlib, the llhttp WebAssembly), and moved every body chunk through web streams:
 * ~0.25 s of CPU for a 64 MiB download here. node:http reads with its built-in parser and
 * hands over the socket's own buffers.
 *
 * Only what the relay client uses (RelayFetch): the method, a header record, a body that is
 * bytes or a stream (sent chunked, as fetch sends a stream), an abort signal; the answer's
 * status, headers and body read chunk by chunk. Connections are kept alive between the
 * requests of one run (the global agent), and never keep the process alive while idle.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { RelayBody, RelayFetch, RelayResponse } from '../relay-client/relay-client.ts';

type Body = Uint8Array | ReadableStream<Uint8Array>;

export const nodeHttpTransport: RelayFetch = (input, init = {}) => new Promise<RelayResponse>((resolve, reject) => {
  const url = new URL(input);
  // node:https (with node:tls) only when a relay needs it: ~15 ms to load, for every run otherwise.
  const request = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : url.protocol === 'http:' ? httpRequest : null;
  if (!request) {
    reject(new TypeError(`${url.protocol} is not an address the relay can be reached at`));
    return;
  }
  const body = init.body as Body | null | undefined;
  if (body !== null && body !== undefined && !(body instanceof Uint8Array) && !(body instanceof ReadableStream)) {
    reject(new TypeError('the relay client sends bytes or a stream of bytes'));
    return;
  }
  const headers = { ...(init.headers as Record<string, string> | undefined) };
  if (body instanceof Uint8Array) headers['content-length'] = String(body.length);
  const req = request(url, { method: init.method ?? 'GET', headers, ...(init.signal ? { signal: init.signal } : {}) });
  req.on('error', reject);
  req.once('response', (res) => resolve(answer(res)));
  if (body instanceof ReadableStream) {
    sendStream(req, body).catch((e: unknown) => req.destroy(e instanceof Error ? e : new Error(String(e))));
  } else {
    req.end(body ?? undefined);
  }
});

/**
 * Writes the stream's chunks as they come, waiting for each one that fills the socket's
 * buffer to drain. The relay client's upload stream reuses its read buffers once it is asked
 * for the next chunk: a chunk is asked for only once the previous one left (every 1 MiB
 * chunk fills the buffer, so it drains before the next read).
 */
async function sendStream(req: ReturnType<typeof httpRequest>, stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (req.destroyed) throw new Error('the request was closed while its body was sent');
      if (!req.write(value)) await drained(req);
    }
    req.end();
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
}

function drained(req: ReturnType<typeof httpRequest>): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error): void => {
      req.off('drain', onDrain);
      req.off('close', onClose);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new Error('the connection closed while the body was sent'));
    req.on('drain', onDrain);
    req.on('close', onClose);
  });
}

function answer(res: IncomingMessage): RelayResponse {
  const status = res.statusCode ?? 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: {
      get(name) {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    body: bodyOf(res),
  };
}

/** The answer's body as the relay client reads it: the socket's chunks, one per read. */
function bodyOf(res: IncomingMessage): RelayBody {
  const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const cancel = async (): Promise<void> => { res.destroy(); };
  return {
    getReader: () => ({
      read: async () => {
        const step = await chunks.next();
        return step.done ? { done: true, value: undefined } : { done: false, value: step.value };
      },
      cancel,
      releaseLock: () => undefined,
    }),
    cancel,
  };
}
