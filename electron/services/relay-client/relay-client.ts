/**
 * The signed HTTP client of one org on its relay. The transport is injected: Electron's
 * net.fetch in the app (OS proxy settings and certificate store), Node's fetch in the CLI and
 * tests. Every request is FXE1-signed afresh per attempt (new nonce and time), bounded by a
 * timeout, retried with jittered backoff on network errors and 5xx (never on 4xx: those are
 * answers, and repeating them changes nothing), and every failure is a DeskError.
 */
import type { MessageId } from '../../../shared/domain/ids.ts';
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type {
  BundleView, HealthResponse, LookupResponse, MessageStatusResponse, OrgResponse, PendingListResponse,
  ReceiptResponse, UploadResponse, WebhookSecretResponse,
} from '../../../shared/fxe-api/types.ts';
import { CIPHERTEXT_SHA256_HEADER } from '../../../shared/fxe-api/types.ts';
import {
  ciphertextPath, envelopePath, HEALTH_PATH, keyBundlePath, lookupPath, messagePath, ORG_ME_PATH, pendingPath, receiptPath, statusPath,
  UPLOAD_PATH, WEBHOOK_ENDPOINT_PATH,
} from '../../../shared/fxe-api/paths.ts';
import type { RelayExtension } from '../../../shared/fxe-api/types.ts';
import { MAX_CIPHERTEXT_BYTES, signRequest, type CryptoBackend } from '../../../shared/protocol/index.ts';
import { exponentialDelayMs } from '../backoff.ts';
import { releaseChunk } from '../chunk-memory.ts';
import { DeskError, errorDetail } from '../errors.ts';
import { fromHttpStatus, garbage, unreachable } from './relay-errors.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * What the relay client needs of an HTTP answer. fetch's Response has it, and so does the
 * CLI's node:http transport (cli/http-transport.ts), which hands over the socket's own
 * buffers instead of loading undici and passing every chunk through web streams.
 */
export interface RelayResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: RelayBody | null;
}

/** The part of a ReadableStream<Uint8Array> the relay client reads an answer's body through. */
export interface RelayBody {
  getReader(): { read(): Promise<ReadableStreamReadResult<Uint8Array>>; cancel(): Promise<void>; releaseLock(): void };
  cancel(): Promise<void>;
}

/** The transport of the relay client: fetch, Electron's net.fetch, or the CLI's node:http one. */
export type RelayFetch = (input: string, init?: RequestInit) => Promise<RelayResponse>;

/** A raw ciphertext download in progress (RelayClient.openCiphertext). */
export interface CiphertextDownload extends AsyncIterable<Uint8Array> {
  /** The Content-Length the relay announced, if any. */
  readonly declaredSize: number | null;
  /** The hash the relay says it holds (informative only: the envelope's signed hash decides). */
  readonly relaySha256Hex: string | null;
  /** Stops the download (nothing happens when it already ended). */
  cancel(): Promise<void>;
}

export interface RelayIdentity {
  keyId: string;
  signingSeed: Uint8Array;
}

export interface RelayClientOptions {
  baseUrl: string;
  /** null for the unauthenticated calls (health, redeem). */
  identity: RelayIdentity | null;
  fetch: RelayFetch;
  nowMs?: () => number;
  /** Per-attempt timeout for small requests; uploads and downloads add time per MiB. */
  timeoutMs?: number;
  /** Attempts after the first one, for retryable failures. */
  retries?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Signs requests with its native Ed25519 when it has one (noble's takes ~2 ms a request). */
  backend?: CryptoBackend;
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: Uint8Array;
  contentType?: string;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  signed?: boolean;
  /** Extra time allowed for big bodies. */
  bytesHint?: number;
  /** A body too big to hold: re-opened for every attempt, signed by its precomputed hash. */
  streamBody?: StreamBody;
  /** Stops the request (and any retry of it): the caller no longer wants it sent. */
  signal?: AbortSignal;
}

interface StreamBody {
  length: number;
  sha256Hex: string;
  open(): ReadableStream<Uint8Array>;
}

/** How long a relay's /v1/health extension list is trusted before asking again. */
const EXTENSIONS_TTL_MS = 10 * 60_000;

export interface UploadProgress {
  (sentBytes: number, totalBytes: number): void;
}

const STREAM_CHUNK = 1 << 20;
/** Every JSON answer but a whole message is small (bundles, lists of at most 1000 ids). */
const MAX_JSON_ANSWER_BYTES = 8 * 1024 * 1024;
/** GET /v1/messages/{id}: the ciphertext in base64url (4/3) plus the envelope and some slack. */
const MAX_MESSAGE_ANSWER_BYTES = Math.ceil((MAX_CIPHERTEXT_BYTES * 4) / 3) + 2 * 1024 * 1024;
const te = new TextEncoder();

export class RelayClient {
  readonly baseUrl: string;
  private readonly opts: RelayClientOptions;
  private readonly nowMs: () => number;
  private extensionsCache: { at: number; list: ReadonlySet<string> } | null = null;

  constructor(opts: RelayClientOptions) {
    this.opts = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.nowMs = opts.nowMs ?? Date.now;
  }

  async health(): Promise<HealthResponse> {
    const j = await this.json<HealthResponse>({ method: 'GET', path: HEALTH_PATH, signed: false });
    if (j.ok !== true) throw garbage('health: ok is not true');
    return j;
  }

  async me(): Promise<OrgResponse> {
    const j = await this.json<OrgResponse>({ method: 'GET', path: ORG_ME_PATH });
    if (typeof j.org_id !== 'string' || !Array.isArray(j.fax_numbers)) throw garbage('orgs/me: missing org_id or fax_numbers');
    return j;
  }

  /** 404 → DeskError relay.not_on_fxe (the caller offers the PSTN route). */
  async lookup(faxNumber: string): Promise<LookupResponse> {
    const j = await this.json<LookupResponse>({ method: 'GET', path: lookupPath(faxNumber) });
    if (typeof j.org_id !== 'string' || !Array.isArray(j.bundles) || j.bundles.length === 0) throw garbage('lookup: missing org_id or bundles');
    for (const b of j.bundles) {
      if (typeof b?.bundle_id !== 'string' || typeof b.ml_kem_pub !== 'string' || typeof b.x25519_pub !== 'string') throw garbage('lookup: a bundle lacks its keys');
    }
    return j;
  }

  async keyBundle(bundleId: string): Promise<BundleView> {
    const j = await this.json<BundleView>({ method: 'GET', path: keyBundlePath(bundleId) });
    if (typeof j.bundle_id !== 'string' || typeof j.ed25519_pub !== 'string') throw garbage('key-bundle: missing bundle_id or ed25519_pub');
    return j;
  }

  /**
   * Upload envelope + ciphertext. A 409 duplicate for our own message id means an earlier
   * attempt got through (the answer was lost): that is success, not failure.
   */
  async upload(envelopeJson: string, messageId: MessageId, ciphertext: Uint8Array, onProgress?: UploadProgress, signal?: AbortSignal): Promise<UploadResponse & { alreadyUploaded: boolean }> {
    const { head, tail, contentType } = uploadFrame(envelopeJson);
    return this.postMessage(messageId, {
      body: concat([head, ciphertext, tail]),
      contentType,
      ...(onProgress ? { onProgress } : {}),
      bytesHint: ciphertext.length,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * The same upload with the ciphertext streamed from a file (the big-fax path): the body is
   * never in memory; its hash (for FXE1) comes from one pass over the file, and every retry
   * re-reads the file. With `ciphertextSha256Hex` (the envelope's), the same pass checks the
   * file against it: a file a power cut damaged is never sent (DeskError outbox.spool_damaged,
   * retryable: the caller seals the fax again).
   */
  async uploadFile(envelopeJson: string, messageId: MessageId, spoolPath: string, onProgress?: UploadProgress, ciphertextSha256Hex?: string, signal?: AbortSignal): Promise<UploadResponse & { alreadyUploaded: boolean }> {
    const { head, tail, contentType } = uploadFrame(envelopeJson);
    const hash = createHash('sha256').update(head);
    const ciphertextHash = ciphertextSha256Hex === undefined ? null : createHash('sha256');
    let ciphertextLength = 0;
    try {
      const handle = await open(spoolPath, 'r');
      try {
        // Two buffers: the next chunk is read (on libuv's threads) while this one is hashed.
        const bufs = [new Uint8Array(STREAM_CHUNK), new Uint8Array(STREAM_CHUNK)];
        let turn = 0;
        let reading = handle.read(bufs[0]!, 0, STREAM_CHUNK, 0);
        for (;;) {
          const { bytesRead, buffer } = await reading;
          if (bytesRead === 0) break;
          ciphertextLength += bytesRead;
          turn ^= 1;
          reading = handle.read(bufs[turn]!, 0, STREAM_CHUNK, ciphertextLength);
          hash.update(buffer.subarray(0, bytesRead));
          ciphertextHash?.update(buffer.subarray(0, bytesRead));
        }
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw new DeskError('outbox.spool_unreadable', 'fxe Desk could not read the encrypted fax it prepared. It will encrypt it again.', { detail: errorDetail(e), cause: e });
    }
    if (ciphertextHash && ciphertextSha256Hex !== undefined && ciphertextHash.digest('hex') !== ciphertextSha256Hex.toLowerCase()) {
      throw new DeskError('outbox.spool_damaged', 'The encrypted copy of this fax prepared for sending was damaged on this computer. fxe Desk encrypts it again and sends it.', {
        detail: `${spoolPath}: ${ciphertextLength} bytes that do not match the envelope's ciphertext_sha256`, retryable: true,
      });
    }
    const length = head.length + ciphertextLength + tail.length;
    const streamBody: StreamBody = { length, sha256Hex: hash.update(tail).digest('hex'), open: () => fileBodyStream(head, spoolPath, ciphertextLength, tail, onProgress) };
    return this.postMessage(messageId, { streamBody, contentType, bytesHint: length, ...(signal ? { signal } : {}) });
  }

  /**
   * POST /v1/messages with a multipart body made by uploadFrame. A 409 duplicate for our own
   * message id means an earlier attempt got through (the answer was lost): success.
   */
  private async postMessage(messageId: MessageId, body: Omit<RequestSpec, 'method' | 'path'>): Promise<UploadResponse & { alreadyUploaded: boolean }> {
    try {
      const j = await this.json<UploadResponse>({ method: 'POST', path: UPLOAD_PATH, ...body });
      if (typeof j.message_id !== 'string') throw garbage('upload: no message_id');
      return { message_id: j.message_id, alreadyUploaded: false };
    } catch (e) {
      if (e instanceof DeskError && e.code === 'relay.duplicate_message') return { message_id: messageId, alreadyUploaded: true };
      throw e;
    }
  }

  /**
   * Whether the relay's /v1/health lists an extension (cached). A relay that answers without
   * a usable health (the reference relay has none) offers no extension; one that cannot be
   * reached right now throws, so a passing outage never looks like a relay without features.
   */
  async hasExtension(name: RelayExtension): Promise<boolean> {
    const now = this.nowMs();
    if (!this.extensionsCache || now - this.extensionsCache.at > EXTENSIONS_TTL_MS) {
      let list: string[] = [];
      try {
        const h = await this.health();
        list = Array.isArray(h.extensions) ? h.extensions.filter((x): x is RelayExtension => typeof x === 'string') : [];
      } catch (e) {
        if (e instanceof DeskError && e.retryable) throw e;
        // A relay without /v1/health is a seed-only relay: no extensions.
      }
      this.extensionsCache = { at: now, list: new Set(list) };
    }
    return this.extensionsCache.list.has(name);
  }

  /** Forget the cached extension list (after a route the relay claimed turned out missing). */
  forgetExtensions(): void {
    this.extensionsCache = null;
  }

  /** The envelope alone (extension), as the same `{"envelope": …}` text fetchMessage returns. */
  async fetchEnvelope(messageId: MessageId): Promise<{ envelopeText: string }> {
    const res = await this.send({ method: 'GET', path: envelopePath(messageId) });
    const text = await this.readText(res, 'envelope');
    let shape: { envelope?: unknown };
    try { shape = JSON.parse(text) as typeof shape; } catch { throw garbage('envelope: not JSON'); }
    if (typeof shape.envelope !== 'object' || shape.envelope === null) throw garbage('envelope: missing envelope');
    return { envelopeText: text };
  }

  /**
   * The raw ciphertext (extension), as a stream the caller reads at its own pace: the next
   * chunk is taken from the transport only when asked for, so a slow consumer slows the
   * download instead of filling memory. Never more than MAX_CIPHERTEXT_BYTES, and never other
   * than the length the relay announced; a connection that breaks is relay-unreachable, like a
   * failed request. Ending the iteration early (or `cancel`) cancels the download. Each
   * chunk is valid only until the next one is asked for: it is freed then (the transport
   * hands over chunks of its own, and 100 MiB of spent ones would otherwise wait for the GC).
   */
  async openCiphertext(messageId: MessageId): Promise<CiphertextDownload> {
    const path = ciphertextPath(messageId);
    const res = await this.send({ method: 'GET', path, bytesHint: MAX_CIPHERTEXT_BYTES });
    const declared = await refuseOversizedAnswer(res, 'ciphertext', MAX_CIPHERTEXT_BYTES);
    if (!res.body) throw garbage('ciphertext: no body');
    const reader = res.body.getReader();
    const baseUrl = this.baseUrl;
    let size = 0;
    let reading = true;
    let previous: Uint8Array | null = null;
    const cancel = async (): Promise<void> => {
      if (!reading) return;
      reading = false;
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    };
    const chunks: AsyncIterator<Uint8Array> = {
      async next() {
        if (previous) releaseChunk(previous);
        previous = null;
        if (!reading) return { done: true, value: undefined };
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (e) {
          await cancel();
          throw unreachable(baseUrl, `reading ${path}: ${errorDetail(e)}`, e);
        }
        if (step.done) {
          reading = false;
          reader.releaseLock();
          if (declared !== null && declared !== size) throw unreachable(baseUrl, `reading ${path}: got ${size} of ${declared} bytes`);
          return { done: true, value: undefined };
        }
        size += step.value.length;
        if (size > MAX_CIPHERTEXT_BYTES || (declared !== null && size > declared)) {
          await cancel();
          throw garbage(`ciphertext: answer over the ${declared ?? MAX_CIPHERTEXT_BYTES}-byte ${declared === null ? 'cap' : 'length it announced'}`);
        }
        previous = step.value;
        return { done: false, value: step.value };
      },
      async return() {
        await cancel();
        return { done: true, value: undefined };
      },
    };
    return {
      declaredSize: declared,
      relaySha256Hex: res.headers.get(CIPHERTEXT_SHA256_HEADER),
      [Symbol.asyncIterator]: () => chunks,
      cancel,
    };
  }

  /** Pending messages addressed to us (polling extension). */
  async pending(after: string | null, limit = 100): Promise<PendingListResponse> {
    const j = await this.json<PendingListResponse>({ method: 'GET', path: pendingPath({ after, limit }) });
    if (!Array.isArray(j.messages)) throw garbage('pending: messages is not a list');
    for (const m of j.messages) if (typeof m?.message_id !== 'string') throw garbage('pending: an entry lacks message_id');
    return j;
  }

  /** The message as JSON text (envelope parsed losslessly by the caller) plus the ciphertext. */
  async fetchMessage(messageId: MessageId): Promise<{ envelopeText: string; ciphertextB64u: string }> {
    const res = await this.send({ method: 'GET', path: messagePath(messageId) });
    // The one JSON answer that carries a whole fax: base64url of up to MAX_CIPHERTEXT_BYTES.
    const text = await this.readText(res, 'message', MAX_MESSAGE_ANSWER_BYTES);
    // Extract the envelope object's exact text so numbers keep their lexemes; the protocol
    // core's parseEnvelope does the lossless parse. A plain JSON.parse just checks the shape.
    let shape: { envelope?: unknown; ciphertext?: unknown };
    try { shape = JSON.parse(text) as typeof shape; } catch { throw garbage('message: not JSON'); }
    if (typeof shape.envelope !== 'object' || shape.envelope === null || typeof shape.ciphertext !== 'string') throw garbage('message: missing envelope or ciphertext');
    return { envelopeText: text, ciphertextB64u: shape.ciphertext };
  }

  async postReceipt(messageId: MessageId, receipt: object): Promise<ReceiptResponse> {
    return this.json<ReceiptResponse>({
      method: 'POST',
      path: receiptPath(messageId),
      body: te.encode(JSON.stringify(receipt)),
      contentType: 'application/json',
    });
  }

  async status(messageId: MessageId): Promise<MessageStatusResponse> {
    const j = await this.json<MessageStatusResponse>({ method: 'GET', path: statusPath(messageId) });
    if (typeof j.status !== 'string') throw garbage('status: no status');
    return j;
  }

  async registerWebhook(url: string): Promise<WebhookSecretResponse> {
    const j = await this.json<WebhookSecretResponse>({ method: 'PUT', path: WEBHOOK_ENDPOINT_PATH, body: te.encode(JSON.stringify({ url })), contentType: 'application/json' });
    if (typeof j.secret !== 'string') throw garbage('webhook: no secret');
    return j;
  }

  /** Unauthenticated POST (redeem). */
  async postUnsigned<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>({ method: 'POST', path, body: te.encode(JSON.stringify(body)), contentType: 'application/json', signed: false });
  }

  async signedJson<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.json<T>({ method, path, ...(body === undefined ? {} : { body: te.encode(JSON.stringify(body)), contentType: 'application/json' }) });
  }

  // --- transport -------------------------------------------------------------------------

  private async json<T>(spec: RequestSpec): Promise<T> {
    const res = await this.send(spec);
    const text = await this.readText(res, spec.path);
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v !== 'object' || v === null) throw new Error('not an object');
      return v as T;
    } catch {
      throw garbage(`${spec.method} ${spec.path}: the answer is not a JSON object (${text.slice(0, 80).replace(/[^\x20-\x7e]/g, '?')})`);
    }
  }

  /**
   * The answer as text, never more than `maxBytes`: a broken or hostile relay that streams
   * an endless answer gets `relay.garbage` instead of filling the memory of the desk.
   */
  private async readText(res: RelayResponse, what: string, maxBytes = MAX_JSON_ANSWER_BYTES): Promise<string> {
    await refuseOversizedAnswer(res, what, maxBytes);
    if (!res.body) return '';
    const parts: Uint8Array[] = [];
    await this.readCapped(res.body, what, maxBytes, (chunk) => { parts.push(chunk); });
    return new TextDecoder().decode(concat(parts));
  }

  /**
   * Hands the body to `onChunk` as it arrives and returns its length. More than `maxBytes`
   * stops the read (relay.garbage); a broken connection is relay-unreachable, like a failed
   * request, so the caller's retry rules apply.
   */
  private async readCapped(body: RelayBody, what: string, maxBytes: number, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<number> {
    let size = 0;
    const reader = body.getReader();
    try {
      for (;;) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (e) {
          throw unreachable(this.baseUrl, `reading ${what}: ${errorDetail(e)}`, e);
        }
        if (step.done) break;
        size += step.value.length;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw garbage(`${what}: answer over the ${maxBytes}-byte cap`);
        }
        await onChunk(step.value);
      }
    } finally {
      reader.releaseLock();
    }
    return size;
  }

  /** One logical request: attempts with backoff; returns a 2xx Response or throws. */
  private async send(spec: RequestSpec): Promise<RelayResponse> {
    const retries = this.opts.retries ?? 3;
    let last: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      if (spec.signal?.aborted) throw stopped(spec);
      try {
        return await this.attempt(spec);
      } catch (e) {
        last = e;
        if (spec.signal?.aborted) throw stopped(spec);
        if (!(e instanceof DeskError) || !e.retryable) throw e;
      }
    }
    throw last;
  }

  private async backoff(attempt: number): Promise<void> {
    const base = this.opts.backoffBaseMs ?? 400;
    const cap = this.opts.backoffCapMs ?? 8_000;
    // Full jitter: many desks retrying after one relay hiccup should not arrive in lockstep.
    const ms = Math.random() * exponentialDelayMs(attempt - 1, base, cap);
    await (this.opts.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms);
  }

  private async attempt(spec: RequestSpec): Promise<RelayResponse> {
    const { method, path } = spec;
    const whole = spec.body ?? new Uint8Array(0);
    const headers: Record<string, string> = {};
    if (spec.contentType) headers['content-type'] = spec.contentType;
    if (spec.signed !== false) {
      if (!this.opts.identity) throw new DeskError('internal', 'fxe Desk tried to talk to the relay without keys.', { detail: `${method} ${path} without identity` });
      // A streamed body is signed by its precomputed hash: the same header, without holding it.
      headers['authorization'] = signRequest({
        ...(spec.streamBody ? { bodySha256Hex: spec.streamBody.sha256Hex } : { body: whole }),
        method, path, keyId: this.opts.identity.keyId, signingSeed: this.opts.identity.signingSeed,
        nowSeconds: Math.floor(this.nowMs() / 1000),
        ...(this.opts.backend ? { backend: this.opts.backend } : {}),
      });
    }
    const timeoutMs = (this.opts.timeoutMs ?? 30_000) + Math.ceil((spec.bytesHint ?? 0) / (256 * 1024)) * 1000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: spec.signal ? AbortSignal.any([timeout, spec.signal]) : timeout };
    if (method !== 'GET') {
      if (spec.streamBody) {
        // No content-length: a streamed body goes out chunked. (Electron's net refuses the
        // header, Chromium sets it itself; Node's fetch computes nothing for a stream.)
        init.body = spec.streamBody.open();
        init.duplex = 'half';
      } else if (spec.onProgress) {
        init.body = progressStream(whole, spec.onProgress);
        init.duplex = 'half';
      } else {
        init.body = whole as Uint8Array<ArrayBuffer>;
      }
    }
    let res: RelayResponse;
    try {
      res = await this.opts.fetch(this.baseUrl + path, init);
    } catch (e) {
      throw unreachable(this.baseUrl, `${method} ${path}: ${errorDetail(e)}${e instanceof Error && e.cause ? ` (${errorDetail(e.cause)})` : ''}`, e);
    }
    if (res.ok) return res;
    let code: string | null = null;
    let relayMessage: string | null = null;
    try {
      const body = JSON.parse(await this.readText(res, 'error answer', 64 * 1024)) as { error?: unknown; message?: unknown };
      if (typeof body.error === 'string') code = body.error;
      if (typeof body.message === 'string') relayMessage = body.message;
    } catch {
      // A non-JSON error body (a proxy's HTML page): the status still tells us enough.
    }
    throw fromHttpStatus({ status: res.status, code, relayMessage, method, path: path.split('?')[0] ?? path, dateHeader: res.headers.get('date'), localNowMs: this.nowMs() });
  }
}

/**
 * An answer that announces more than `maxBytes` is refused before a byte of it is read (and
 * its body released). Returns the announced length, or null when there is none.
 */
async function refuseOversizedAnswer(res: RelayResponse, what: string, maxBytes: number): Promise<number | null> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (!Number.isFinite(declared)) return null;
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw garbage(`${what}: answer of ${declared} bytes is over the ${maxBytes}-byte cap`);
  }
  return declared;
}

/**
 * The multipart/form-data frame of an upload, as the seed sends it: the envelope part, then the
 * ciphertext part's header (head), the ciphertext itself (not here: held or streamed by the
 * caller), and the closing boundary (tail).
 */
function uploadFrame(envelopeJson: string): { head: Uint8Array; tail: Uint8Array; contentType: string } {
  const boundary = `----fxedesk${randomBytes(12).toString('hex')}`;
  const head = te.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="envelope"\r\nContent-Type: application/json\r\n\r\n${envelopeJson}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="ciphertext"; filename="ct.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = te.encode(`\r\n--${boundary}--\r\n`);
  return { head, tail, contentType: `multipart/form-data; boundary=${boundary}` };
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * Read buffers an upload cycles through. A transport asks for the next chunk only once it has
 * written the previous one (Node's fetch waits for the socket to drain, the Electron transport
 * for Chromium to take it), so a buffer is free again long before it comes round: four fixed
 * buffers instead of a fresh 1 MiB per chunk, which would be garbage by the hundred MiB.
 */
const UPLOAD_BUFFERS = 4;

/** head ‖ the file's bytes ‖ tail, read 1 MiB at a time as the transport pulls; reports progress. */
/** The caller stopped a request (RequestSpec.signal): not a failure to retry or report. */
function stopped(spec: RequestSpec): DeskError {
  return new DeskError('relay.request_stopped', 'The transfer was stopped.', { detail: `${spec.method} ${spec.path.split('?')[0] ?? spec.path} stopped by the caller` });
}

function fileBodyStream(head: Uint8Array, filePath: string, fileLength: number, tail: Uint8Array, onProgress?: UploadProgress): ReadableStream<Uint8Array> {
  const total = head.length + fileLength + tail.length;
  const buffers: Uint8Array[] = [];
  let turn = 0;
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  let stage: 'head' | 'file' | 'tail' | 'done' = 'head';
  let filePos = 0;
  let sent = 0;
  const closeFile = async (): Promise<void> => {
    const h = handle;
    handle = null;
    await h?.close().catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let chunk: Uint8Array;
        if (stage === 'head') {
          chunk = head;
          stage = fileLength > 0 ? 'file' : 'tail';
        } else if (stage === 'file') {
          handle ??= await open(filePath, 'r');
          const slot = turn++ % UPLOAD_BUFFERS;
          buffers[slot] ??= new Uint8Array(Math.min(STREAM_CHUNK, fileLength));
          const buf = buffers[slot].subarray(0, Math.min(STREAM_CHUNK, fileLength - filePos));
          const { bytesRead } = await handle.read(buf, 0, buf.length, filePos);
          if (bytesRead === 0) throw new Error('the encrypted fax file shrank while it was being uploaded');
          chunk = buf.subarray(0, bytesRead);
          filePos += bytesRead;
          if (filePos >= fileLength) { stage = 'tail'; await closeFile(); }
        } else if (stage === 'tail') {
          chunk = tail;
          stage = 'done';
        } else {
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.length;
        onProgress?.(sent, total);
      } catch (e) {
        await closeFile();
        controller.error(e);
      }
    },
    async cancel() {
      await closeFile();
    },
  }, { highWaterMark: 0 });
}

/** A body stream that reports how much of it the transport has pulled. */
function progressStream(bytes: Uint8Array, onProgress: UploadProgress): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) { controller.close(); return; }
      const end = Math.min(bytes.length, offset + STREAM_CHUNK);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
      onProgress(offset, bytes.length);
    },
  }, { highWaterMark: 0 });
}
