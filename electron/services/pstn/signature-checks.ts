/**
 * Small checks shared by every webhook scheme: strict decoding, constant-time comparison,
 * timestamp parsing and the freshness window. Each failure is a PstnError with a stable code
 * and a detail naming the header at fault (never the secret).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PstnError } from './errors.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, or undefined. (Buffer.from would silently skip bad characters.) */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  return BASE64.test(text) ? new Uint8Array(Buffer.from(text, 'base64')) : undefined;
}

export function decodeHexStrict(text: string): Uint8Array | undefined {
  return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined;
}

/** Constant time for equal lengths; different lengths are simply unequal (length is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function malformed(detail: string): PstnError {
  return new PstnError('webhook_malformed', { detail });
}

export function badSignature(detail: string): PstnError {
  return new PstnError('webhook_bad_signature', { detail });
}

/** Unix seconds as ASCII decimal digits, nothing else. */
export function parseUnixSeconds(value: string | undefined, header: string): number {
  if (value === undefined) throw malformed(`missing ${header} header`);
  if (!/^\d{1,12}$/.test(value.trim())) throw malformed(`${header} is not Unix seconds`);
  return Number.parseInt(value.trim(), 10);
}

/**
 * Refuse a signature made more than `toleranceSeconds` before now (a replay) or after now
 * (a future-dated signature would stay replayable for longer than the window).
 */
export function assertFresh(signedAt: number, nowSeconds: number, toleranceSeconds: number, header: string): void {
  const skew = nowSeconds - signedAt;
  if (skew > toleranceSeconds) {
    throw new PstnError('webhook_stale', { detail: `${header} is ${skew} s old (allowed ${toleranceSeconds} s)` });
  }
  if (-skew > toleranceSeconds) {
    throw new PstnError('webhook_stale', { detail: `${header} is ${-skew} s in the future (allowed ${toleranceSeconds} s)` });
  }
}

/** HMAC-SHA256 over the concatenation of the parts, raw body bytes included as they came. */
export function hmacSha256(key: Uint8Array | string, ...parts: (string | Uint8Array)[]): Uint8Array {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return new Uint8Array(mac.digest());
}

/** The body as JSON, or a malformed error: a signed body we cannot read is still useless. */
export function parseJsonBody(rawBody: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(rawBody).toString('utf8'));
  } catch {
    throw malformed('body is not JSON');
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(obj: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}
