/**
 * Everything after an upload: the recipient fetches (JSON as the seed expects, or raw bytes),
 * signs a receipt (verified against its bundle key; then the ciphertext is deleted), polls
 * the pending list; the sender reads the status with the recipient's signed receipt.
 */
import { createReadStream, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { b64uDecode, isProtocolError, parseReceipt, verifyReceipt, type Receipt } from '../../shared/protocol/index.ts';
import {
  CIPHERTEXT_SHA256_HEADER,
  PENDING_PAGE_DEFAULT,
  PENDING_PAGE_MAX,
  type MessageStatusResponse,
  type PendingListResponse,
  type ReceiptResponse,
} from '../../shared/fxe-api/index.ts';
import type { RelayContext } from './context.ts';
import { fsyncDir } from './fs-util.ts';
import { RelayHttpError } from './http-util.ts';
import type { MessageRow, OrgRow } from './store.ts';

function ciphertextFile(ctx: RelayContext, messageId: string): string {
  return join(ctx.messagesDir, `${messageId}.ct`);
}

/** The message, if the caller is its recipient and its ciphertext is still held. */
function messageForRecipient(ctx: RelayContext, org: OrgRow, messageId: string): MessageRow {
  const row = ctx.store.messageById(messageId);
  if (!row) throw new RelayHttpError('message_not_found');
  if (row.recipient_org_id !== org.org_id) throw new RelayHttpError('not_recipient');
  if (row.delivered_at !== null) throw new RelayHttpError('message_delivered');
  return row;
}

/** Length of unpadded base64url for n bytes. */
function b64uLength(n: number): number {
  const rest = n % 3;
  return Math.floor(n / 3) * 4 + (rest === 0 ? 0 : rest + 1);
}

/** base64url of a byte stream, carrying the 0-2 bytes that do not fill a 3-byte group. */
function base64urlStream(): Transform {
  let carry = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const whole = data.length - (data.length % 3);
      carry = Buffer.from(data.subarray(whole));
      done(null, data.subarray(0, whole).toString('base64url'));
    },
    flush(done) {
      done(null, carry.length > 0 ? carry.toString('base64url') : undefined);
    },
  });
}

/**
 * GET /v1/messages/{id}: `{"envelope": <uploaded text>, "ciphertext": "<b64u>"}`, streamed so
 * a 100 MiB message never sits in memory as one 133 MiB string.
 */
export async function sendMessageJson(ctx: RelayContext, org: OrgRow, messageId: string, res: ServerResponse): Promise<void> {
  const row = messageForRecipient(ctx, org, messageId);
  const prefix = Buffer.from(`{"envelope": ${row.envelope_json}, "ciphertext": "`, 'utf8');
  const suffix = Buffer.from('"}', 'utf8');
  const file = createReadStream(ciphertextFile(ctx, row.message_id), { highWaterMark: 3 * 64 * 1024 });
  await openOrFail(file);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': prefix.length + b64uLength(row.size) + suffix.length,
    'cache-control': 'no-store',
  });
  res.write(prefix);
  await pipeline(file, base64urlStream(), res, { end: false });
  res.end(suffix);
}

/** GET /v1/messages/{id}/envelope: the envelope alone, as uploaded. */
export function sendEnvelopeJson(ctx: RelayContext, org: OrgRow, messageId: string, res: ServerResponse): void {
  const row = messageForRecipient(ctx, org, messageId);
  const text = `{"envelope": ${row.envelope_json}}`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** Read size of the raw download: two of these per download in flight, whatever its size. */
const RAW_CHUNK_BYTES = 1024 * 1024;

/**
 * GET /v1/messages/{id}/ciphertext: the raw bytes. Double-buffered: the next 1 MiB is read
 * from the file while the previous one is being written to the socket, through two buffers
 * reused for the whole download (a read stream would allocate a fresh buffer per read, and
 * 100 MiB of them would wait for the garbage collector). A buffer is refilled only once the
 * socket has taken its bytes (the write callback), so a slow reader holds the relay back.
 */
export async function sendCiphertext(ctx: RelayContext, org: OrgRow, messageId: string, res: ServerResponse): Promise<void> {
  const row = messageForRecipient(ctx, org, messageId);
  let file: FileHandle;
  try {
    file = await open(ciphertextFile(ctx, row.message_id), 'r');
  } catch (e) {
    // A missing ciphertext for an undelivered row is our fault: 500, before any header.
    throw new RelayHttpError('internal_error', { detail: `ciphertext unreadable: ${e instanceof Error ? e.message : String(e)}` });
  }
  try {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': row.size,
      [CIPHERTEXT_SHA256_HEADER]: row.ciphertext_sha256,
      'cache-control': 'no-store',
    });
    const buffers = [new Uint8Array(Math.min(RAW_CHUNK_BYTES, row.size)), new Uint8Array(Math.min(RAW_CHUNK_BYTES, row.size))];
    let writing: Promise<void> = Promise.resolve();
    for (let position = 0, turn = 0; position < row.size; turn++) {
      const buffer = buffers[turn % 2]!;
      const want = Math.min(buffer.length, row.size - position);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await file.read(buffer, got, want - got, position + got);
        if (bytesRead === 0) throw new Error('the ciphertext file is shorter than its row says');
        got += bytesRead;
      }
      await writing; // the other buffer's bytes are with the socket: this one may go next
      writing = socketWrite(res, buffer.subarray(0, want));
      writing.catch(() => undefined); // awaited next round or below
      position += want;
    }
    await writing;
    res.end();
  } finally {
    await file.close();
  }
}

/** Resolves once the socket took `chunk` (it may be reused then); rejects if the client left. */
function socketWrite(res: ServerResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed) { reject(new Error('the client went away')); return; }
    const onClose = (): void => reject(new Error('the client went away'));
    res.once('close', onClose);
    res.write(chunk, (err) => {
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    });
  });
}

/** A missing ciphertext for an undelivered row is our fault: answer 500 before any header. */
function openOrFail(file: ReturnType<typeof createReadStream>): Promise<void> {
  return new Promise((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (e) => reject(new RelayHttpError('internal_error', { detail: `ciphertext unreadable: ${e.message}` })));
  });
}

function receiptsEqual(a: Receipt, b: Receipt): boolean {
  return (
    a.message_id === b.message_id &&
    a.ciphertext_sha256 === b.ciphertext_sha256 &&
    a.recipient_bundle_id === b.recipient_bundle_id &&
    a.signed_at === b.signed_at &&
    a.recipient_sig === b.recipient_sig
  );
}

/** POST /v1/messages/{id}/receipt. */
export function acceptReceipt(ctx: RelayContext, org: OrgRow, messageId: string, body: Uint8Array): ReceiptResponse {
  const row = ctx.store.messageById(messageId);
  if (!row) throw new RelayHttpError('message_not_found');
  if (row.recipient_org_id !== org.org_id) throw new RelayHttpError('not_recipient');

  let receipt: Receipt;
  try {
    receipt = parseReceipt(Buffer.from(body).toString('utf8'));
  } catch (e) {
    if (isProtocolError(e)) throw new RelayHttpError('malformed_request', { field: e.field, detail: e.message });
    throw e;
  }
  if (receipt.message_id !== row.message_id) throw new RelayHttpError('receipt_mismatch', { field: 'message_id' });
  if (receipt.ciphertext_sha256 !== row.ciphertext_sha256) throw new RelayHttpError('receipt_mismatch', { field: 'ciphertext_sha256' });
  const bundle = ctx.store.bundleById(receipt.recipient_bundle_id);
  if (!bundle || bundle.org_id !== row.recipient_org_id) throw new RelayHttpError('receipt_mismatch', { field: 'recipient_bundle_id' });
  try {
    verifyReceipt(receipt, { recipientOrgId: row.recipient_org_id, recipientBundleEd25519Pub: b64uDecode(bundle.ed25519_pub), backend: ctx.auth.crypto });
  } catch (e) {
    if (isProtocolError(e, 'bad_signature')) throw new RelayHttpError('receipt_forged', { field: 'recipient_sig' });
    if (isProtocolError(e)) throw new RelayHttpError('malformed_request', { field: e.field, detail: e.message });
    throw e;
  }

  if (row.delivered_at !== null) {
    // Idempotent for the same receipt (a retry after a lost answer); a different one is a conflict.
    const stored = row.receipt_json === null ? undefined : (JSON.parse(row.receipt_json) as Receipt);
    if (stored && receiptsEqual(stored, receipt)) return { message_id: row.message_id, status: 'delivered', delivered_at: row.delivered_at };
    throw new RelayHttpError('receipt_conflict');
  }

  const deliveredAt = ctx.now();
  const normalized: Receipt = {
    message_id: receipt.message_id,
    ciphertext_sha256: receipt.ciphertext_sha256,
    recipient_bundle_id: receipt.recipient_bundle_id,
    signed_at: receipt.signed_at,
    recipient_sig: receipt.recipient_sig,
  };
  ctx.store.transaction(() => {
    ctx.store.markDelivered(row.message_id, JSON.stringify(normalized), deliveredAt);
    // The delivery event is our extension; the reference relay only deletes the ciphertext.
    if (ctx.profile !== 'reference') {
      ctx.webhooks.enqueue(row.sender_org_id, 'message.delivered', {
        message_id: row.message_id,
        recipient_org_id: row.recipient_org_id,
        to_number: row.to_number,
        delivered_at: deliveredAt,
        receipt: normalized,
      });
    }
  });
  // After the commit: a crash here leaves a file the next start sweeps away.
  try {
    unlinkSync(ciphertextFile(ctx, row.message_id));
    fsyncDir(ctx.messagesDir);
  } catch (e) {
    ctx.log.warn('ciphertext delete failed', { message_id: row.message_id, error: e instanceof Error ? e.message : String(e) });
  }
  ctx.webhooks.kick();
  ctx.log.info('message delivered', { message_id: row.message_id });
  return { message_id: row.message_id, status: 'delivered', delivered_at: deliveredAt };
}

/** GET /v1/messages/{id}/status. */
export function messageStatus(ctx: RelayContext, org: OrgRow, messageId: string): MessageStatusResponse {
  const row = ctx.store.messageById(messageId);
  if (!row) throw new RelayHttpError('message_not_found');
  if (row.sender_org_id !== org.org_id && row.recipient_org_id !== org.org_id) throw new RelayHttpError('not_party');
  return {
    message_id: row.message_id,
    status: row.delivered_at === null ? 'pending' : 'delivered',
    sender_org_id: row.sender_org_id,
    recipient_org_id: row.recipient_org_id,
    from_number: row.from_number,
    to_number: row.to_number,
    size: row.size,
    ciphertext_sha256: row.ciphertext_sha256,
    uploaded_at: row.uploaded_at,
    delivered_at: row.delivered_at,
    receipt: row.receipt_json === null ? null : (JSON.parse(row.receipt_json) as Receipt),
  };
}

/** GET /v1/messages?status=pending&after=&limit=. */
export function pendingList(ctx: RelayContext, org: OrgRow, query: Map<string, string>): PendingListResponse {
  for (const key of query.keys()) {
    if (key !== 'status' && key !== 'after' && key !== 'limit') throw new RelayHttpError('malformed_request', { field: key, detail: 'unknown parameter' });
  }
  if (query.get('status') !== 'pending') throw new RelayHttpError('malformed_request', { field: 'status', detail: 'status must be "pending"' });
  const after = query.get('after');
  if (after !== undefined && !/^(0|[1-9][0-9]{0,14})$/.test(after)) throw new RelayHttpError('malformed_request', { field: 'after' });
  const limitText = query.get('limit');
  if (limitText !== undefined && !/^[1-9][0-9]{0,3}$/.test(limitText)) throw new RelayHttpError('malformed_request', { field: 'limit' });
  const limit = limitText === undefined ? PENDING_PAGE_DEFAULT : Number(limitText);
  if (limit > PENDING_PAGE_MAX) throw new RelayHttpError('malformed_request', { field: 'limit', detail: `at most ${PENDING_PAGE_MAX}` });
  const rows = ctx.store.pendingFor(org.org_id, after === undefined ? 0 : Number(after), limit);
  const last = rows[rows.length - 1];
  return {
    messages: rows.map((r) => ({
      message_id: r.message_id,
      sender_org_id: r.sender_org_id,
      from_number: r.from_number,
      to_number: r.to_number,
      size: r.size,
      created_at: r.created_at,
      uploaded_at: r.uploaded_at,
    })),
    // A full page may have more behind it; a short page is the end for now.
    next_cursor: rows.length === limit && last ? String(last.seq) : null,
  };
}
