/**
 * The one place that talks HTTP to a fax provider and owns the retry rules:
 *  - 429: wait what `Retry-After` says (seconds or an HTTP date), if that is reasonable;
 *  - 5xx: exponential backoff;
 *  - network failures: retried only when the request is safe to repeat (the caller says so);
 *  - everything else goes back to the adapter, which maps it to a PstnError.
 * Retries are bounded; when they run out the last response is returned for the adapter to map
 * (so a 429 becomes `rate_limited` with the provider's Retry-After, a 5xx `provider_unavailable`).
 */
import { PstnError } from './errors.ts';
import type { FetchLike } from './types.ts';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** First backoff delay for 5xx / network failures; doubled each time. */
  baseDelayMs: number;
  /** Ceiling for one backoff delay. */
  maxDelayMs: number;
  /** A 429 asking us to wait longer than this is not waited for: the outbox retries later instead. */
  maxRetryAfterSeconds: number;
  /** One request may take this long before it counts as a network failure. */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterSeconds: 120,
  requestTimeoutMs: 60_000,
};

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Built afresh for every attempt (a FormData or a JSON string). */
  body?: () => FormData | string;
  /**
   * True when repeating the request cannot do harm (GET, or a POST the provider dedupes by
   * Idempotency-Key). A network failure mid-request is only retried then: otherwise we cannot
   * know whether the provider acted on it.
   */
  safeToRepeat: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface HttpContext {
  fetch: FetchLike;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  nowSeconds: () => number;
  policy: RetryPolicy;
  /** Provider name for error details. */
  provider: string;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function defaultNowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns whole
 * seconds to wait (never negative), or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowSeconds: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10);
  // All three HTTP-date forms start with a day name; Date.parse alone would take "-5" or "1.5".
  if (!/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil(at / 1000 - nowSeconds));
}

export function backoffDelayMs(policy: RetryPolicy, retryNumber: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
}

function abortedError(): PstnError {
  return new PstnError('aborted', { detail: 'the caller aborted the request' });
}

async function readResponse(res: Response): Promise<HttpResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Describe a request for error details without its headers (they carry the API key). */
function describe(req: HttpRequest): string {
  return `${req.method} ${new URL(req.url).pathname}`;
}

export async function requestWithRetry(ctx: HttpContext, req: HttpRequest): Promise<HttpResponse> {
  const { policy } = ctx;
  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw abortedError();
    const timeout = AbortSignal.timeout(policy.requestTimeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const init: RequestInit = { method: req.method, headers: req.headers, signal };
    if (req.body) init.body = req.body();

    let res: HttpResponse;
    try {
      res = await readResponse(await ctx.fetch(req.url, init));
    } catch (e) {
      if (req.signal?.aborted) throw abortedError();
      const detail = `${describe(req)}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      if (!req.safeToRepeat || attempt >= policy.maxAttempts) {
        throw new PstnError('provider_unavailable', { detail: `${ctx.provider} ${detail} (attempt ${attempt})`, cause: e });
      }
      await ctx.sleep(backoffDelayMs(policy, attempt), req.signal);
      continue;
    }

    const lastAttempt = attempt >= policy.maxAttempts;
    if (res.status === 429) {
      const wait = parseRetryAfter(res.headers.get('retry-after'), ctx.nowSeconds());
      if (lastAttempt || (wait !== undefined && wait > policy.maxRetryAfterSeconds)) return res;
      await ctx.sleep(wait !== undefined ? wait * 1000 : backoffDelayMs(policy, attempt), req.signal);
      continue;
    }
    if (res.status >= 500) {
      if (lastAttempt) return res;
      // A 503 may say when to come back; honour it the same way as on a 429.
      const wait = parseRetryAfter(res.headers.get('retry-after'), ctx.nowSeconds());
      const delayMs = wait !== undefined && wait <= policy.maxRetryAfterSeconds ? wait * 1000 : backoffDelayMs(policy, attempt);
      await ctx.sleep(delayMs, req.signal);
      continue;
    }
    return res;
  }
}

/** Retry-After of a final 429, for the rate_limited error. */
export function retryAfterOf(ctx: HttpContext, res: HttpResponse): number | undefined {
  return parseRetryAfter(res.headers.get('retry-after'), ctx.nowSeconds());
}

/** Case-insensitive single header value from node:http style headers. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    // A signature header sent twice is suspicious; refuse rather than guess which one counts.
    if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
    return value;
  }
  return undefined;
}

/**
 * The PstnError for a non-2xx response, by HTTP status. Adapters first look at the provider's
 * own error code for finer reasons (invalid number, idempotency conflict) and fall back here.
 */
export function errorForStatus(
  ctx: HttpContext,
  res: HttpResponse,
  provider: { code: string | undefined; message: string | undefined },
): PstnError {
  const detail = `${ctx.provider} HTTP ${res.status}${provider.code ? ` ${provider.code}` : ''}${provider.message ? `: ${provider.message}` : ''}`;
  const common = { detail, httpStatus: res.status, ...(provider.code === undefined ? {} : { providerCode: provider.code }) };
  if (res.status === 401 || res.status === 403) return new PstnError('auth_failed', common);
  if (res.status === 402) return new PstnError('insufficient_balance', common);
  if (res.status === 404) return new PstnError('not_found', common);
  if (res.status === 413) return new PstnError('file_too_large', common);
  if (res.status === 429) {
    const retryAfterSeconds = retryAfterOf(ctx, res);
    return new PstnError('rate_limited', { ...common, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
  }
  if (res.status >= 500) return new PstnError('provider_unavailable', common);
  return new PstnError('request_rejected', common);
}

/** E.164 as both providers document it: `+`, then 2 to 15 digits, no leading zero. */
export const E164 = /^\+[1-9]\d{1,14}$/;
