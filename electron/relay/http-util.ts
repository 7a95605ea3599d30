/**
 * Small HTTP helpers shared by the relay's handlers: one way to fail (RelayHttpError with a
 * stable code from shared/fxe-api), one way to answer JSON, one bounded body reader.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RELAY_ERRORS, type ErrorBody, type RelayErrorCode } from '../../shared/fxe-api/index.ts';
import { MESSAGE_ID_PATTERN } from '../../shared/protocol/envelope.ts';

/** JSON request bodies (everything except the multipart upload) are small. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** A failure the client should see: the code picks status and sentence; `detail` is for the log only. */
export class RelayHttpError extends Error {
  readonly code: RelayErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly detail: string | undefined;
  constructor(code: RelayErrorCode, opts: { field?: string; detail?: string } = {}) {
    super(RELAY_ERRORS[code].message);
    this.name = 'RelayHttpError';
    this.code = code;
    this.status = RELAY_ERRORS[code].status;
    this.field = opts.field;
    this.detail = opts.detail;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extraHeaders,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: RelayHttpError, extraHeaders: Record<string, string> = {}): void {
  const body: ErrorBody = { error: error.code, message: error.message };
  if (error.field !== undefined) body.field = error.field;
  sendJson(res, error.status, body, extraHeaders);
}

/** Reads the whole body, refusing (and no longer reading) beyond `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_JSON_BODY_BYTES): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > limit) {
      reject(new RelayHttpError('request_too_large'));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new RelayHttpError('request_too_large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** Parses a JSON object body or fails with 422 malformed_request. */
export function parseJsonObject(body: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new RelayHttpError('malformed_request', { detail: 'body is not JSON' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RelayHttpError('malformed_request', { detail: 'body is not a JSON object' });
  }
  return value as Record<string, unknown>;
}

export function requireString(obj: Record<string, unknown>, key: string, maxLength = 4096): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new RelayHttpError('malformed_request', { field: key, detail: `${key} must be a non-empty string` });
  }
  return value;
}

/** E.164: '+', a non-zero digit, then 6 to 14 more digits. */
export const E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;

export function isE164(value: unknown): value is string {
  return typeof value === 'string' && E164_PATTERN.test(value);
}

/** The canonical text form of a uuid (what Python's str(uuid4()) prints). */
export const UUID_PATTERN = MESSAGE_ID_PATTERN;
