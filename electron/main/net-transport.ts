// The app's HTTP transport: Chromium's network stack (Electron's net module), so an office's
// system proxy settings (PAC, WPAD, authenticating proxies) and the OS certificate store (a
// TLS-inspecting proxy's root CA) apply, as they do in the browser.
//
// Two paths, because net.fetch cannot stream an upload: it gathers a request body whole in
// main-process memory before the first byte leaves (its ClientRequest is not chunked), and it
// refuses a Content-Length header (net::ERR_INVALID_ARGUMENT: Chromium sets that header
// itself). So:
//  - a body given as a ReadableStream (a fax upload) goes through net.request with
//    chunkedEncoding, one chunk at a time: the next chunk is read only once Chromium has taken
//    the previous one, which bounds memory and makes upload progress mean bytes handed to
//    the network;
//  - everything else (small JSON requests, every GET) goes through net.fetch, whose answers
//    stream as they arrive.
import { net } from 'electron';
import { Readable } from 'node:stream';
import type { FetchLike } from '../services/relay-client/relay-client.ts';

export function createNetTransport(): FetchLike {
  return (input, init) => {
    const body = init?.body;
    if (body instanceof ReadableStream) return streamingUpload(input, init ?? {}, body as ReadableStream<Uint8Array>);
    return net.fetch(input, init);
  };
}

function streamingUpload(url: string, init: RequestInit, body: ReadableStream<Uint8Array>): Promise<Response> {
  const signal = init.signal ?? null;
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    // Chromium computes these itself and refuses the request if the app sets them.
    if (name !== 'content-length' && name !== 'transfer-encoding') headers[name] = value;
  });
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const request = net.request({ method: init.method ?? 'POST', url, headers, redirect: 'error' });
    request.chunkedEncoding = true;
    const reader = body.getReader();
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      request.abort();
      void reader.cancel().catch(() => undefined);
      reject(e instanceof Error && e.message.startsWith('net::') ? new TypeError('fetch failed', { cause: e }) : e);
    };
    const onAbort = (): void => fail(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', fail);
    request.on('response', (res) => {
      settled = true;
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
      }
      const status = res.statusCode;
      const nullBody = [101, 204, 205, 304].includes(status);
      (res as unknown as Readable).once('end', () => signal?.removeEventListener('abort', onAbort));
      resolve(new Response(nullBody ? null : (Readable.toWeb(res as unknown as Readable) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers: responseHeaders }));
    });
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          // Answered (or failed) before the body was all sent, e.g. a refusal: stop reading.
          if (settled) { void reader.cancel().catch(() => undefined); return; }
          // Wait until Chromium has the chunk before reading the next one (back-pressure).
          await new Promise<void>((done) => request.write(Buffer.from(value.buffer, value.byteOffset, value.byteLength), undefined, done));
        }
        if (!settled) request.end();
      } catch (e) {
        fail(e);
      }
    })();
  });
}
