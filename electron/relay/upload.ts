/**
 * POST /v1/messages: the streaming upload. The body can be 100 MiB, so nothing here holds it
 * in memory: the raw bytes are hashed as they pass (for the FXE1 signature), the multipart is
 * parsed as a stream (busboy), and the ciphertext part goes straight to a temp file under
 * <data>/incoming, hashed on the way. Only when the whole body is in, authenticated and
 * checked is the file moved into the store and the message row committed, in one step; until
 * then there is no message, whatever happens to the process.
 */
import busboy from 'busboy';
import { createHash, randomBytes } from 'node:crypto';
import { renameSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_CIPHERTEXT_BYTES, MAX_ENVELOPE_BYTES, type UploadResponse } from '../../shared/fxe-api/index.ts';
import type { RelayAuth } from './auth.ts';
import { checkEnvelope } from './envelope-checks.ts';
import { fsyncDir } from './fs-util.ts';
import { RelayHttpError } from './http-util.ts';
import type { RelayStore } from './store.ts';

/** Room for the envelope part and multipart framing on top of the ciphertext cap. */
const MAX_UPLOAD_BODY_BYTES = MAX_CIPHERTEXT_BYTES + MAX_ENVELOPE_BYTES + 64 * 1024;

export interface UploadContext {
  store: RelayStore;
  auth: RelayAuth;
  incomingDir: string;
  messagesDir: string;
  now: () => number;
  /** Queues the recipient's `message.received` webhook inside the publishing transaction. */
  onPublished: (row: { message_id: string; sender_org_id: string; recipient_org_id: string; from_number: string; to_number: string; size: number }) => void;
}

interface ReceivedParts {
  envelopeText: string;
  ciphertextSize: number;
  ciphertextSha256Hex: string;
  rawBodySha256Hex: string;
}

/**
 * Returns the 201 body. Throws RelayHttpError; `bodyUnread` on the error tells the caller the
 * request body was not (fully) consumed, so the connection must be closed after answering.
 */
export async function handleUpload(ctx: UploadContext, req: IncomingMessage, target: string): Promise<UploadResponse> {
  // 1. Before reading a byte of the body.
  const pre = ctx.auth.precheck(req.headers.authorization);
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType) || !/boundary=/i.test(contentType)) {
    throw new RelayHttpError('malformed_multipart', { detail: 'content-type is not multipart/form-data with a boundary' });
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_UPLOAD_BODY_BYTES) throw new RelayHttpError('too_large');

  // 2. Stream it.
  const tempPath = join(ctx.incomingDir, `${randomBytes(12).toString('hex')}.part`);
  let published = false;
  try {
    const parts = await receiveParts(req, contentType, tempPath);

    // 3. Authenticate the whole request, then 4-6: check what it says.
    const sender = ctx.auth.verifyStreamed({ pre, method: 'POST', target, bodySha256Hex: parts.rawBodySha256Hex });
    const uploadedAt = ctx.now();
    const { row } = checkEnvelope({
      store: ctx.store,
      sender,
      envelopeText: parts.envelopeText,
      ciphertext: { size: parts.ciphertextSize, sha256Hex: parts.ciphertextSha256Hex },
      uploadedAt,
    });

    // 7. Publish: rename into the store and commit the row together. A crash between the
    // rename and the commit leaves a file without a row, which the next start removes.
    const finalPath = join(ctx.messagesDir, `${row.message_id}.ct`);
    ctx.store.transaction(() => {
      if (ctx.store.messageById(row.message_id)) throw new RelayHttpError('duplicate_message', { field: 'message_id' });
      renameSync(tempPath, finalPath);
      published = true;
      try {
        fsyncDir(ctx.messagesDir);
        ctx.store.insertMessage(row);
        ctx.onPublished(row);
      } catch (e) {
        published = false;
        safeUnlink(finalPath);
        throw e;
      }
    });
    return { message_id: row.message_id };
  } finally {
    if (!published) safeUnlink(tempPath);
  }
}

/** Marks errors raised while the body was still arriving: the rest of it is never read. */
export class UploadAbort extends Error {
  readonly error: RelayHttpError;
  constructor(cause: RelayHttpError) {
    super(cause.message);
    this.error = cause;
  }
}

function receiveParts(req: IncomingMessage, contentType: string, tempPath: string): Promise<ReceivedParts> {
  return new Promise((resolve, reject) => {
    const rawHash = createHash('sha256');
    const ciphertextHash = createHash('sha256');
    let ciphertextSize = 0;
    let envelopeText: string | undefined;
    let ciphertextDone: Promise<void> | undefined;
    let envelopeDone: Promise<void> | undefined;
    let tempFile: Writable | undefined;
    let settled = false;
    let bodyEnded = false;
    let parserClosed = false;

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { ...req.headers, 'content-type': contentType },
        limits: { fieldSize: MAX_ENVELOPE_BYTES, parts: 3, fields: 2, files: 2, headerPairs: 16 },
      });
    } catch (e) {
      reject(new RelayHttpError('malformed_multipart', { detail: String(e) }));
      return;
    }

    const fail = (error: RelayHttpError): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.pause();
      parser.destroy();
      // Answer only once the temp file is closed: the caller deletes it next, and a write
      // stream still open could otherwise outlive the delete.
      const closed = tempFile === undefined || tempFile.closed ? Promise.resolve() : new Promise<void>((r) => tempFile!.once('close', () => r()));
      tempFile?.destroy();
      void closed.then(() => reject(new UploadAbort(error)));
    };
    const malformed = (detail: string): void => fail(new RelayHttpError('malformed_multipart', { detail }));

    const finishIfDone = (): void => {
      if (settled || !bodyEnded || !parserClosed) return;
      void (async () => {
        try {
          if (ciphertextDone) await ciphertextDone;
          if (envelopeDone) await envelopeDone;
        } catch (e) {
          fail(e instanceof RelayHttpError ? e : new RelayHttpError('internal_error', { detail: String(e) }));
          return;
        }
        if (settled) return;
        if (envelopeText === undefined) return malformed('no envelope part');
        if (!ciphertextDone) return malformed('no ciphertext part');
        settled = true;
        resolve({
          envelopeText,
          ciphertextSize,
          ciphertextSha256Hex: ciphertextHash.digest('hex'),
          rawBodySha256Hex: rawHash.digest('hex'),
        });
      })();
    };

    const takeEnvelope = (text: string): void => {
      if (envelopeText !== undefined) return malformed('two envelope parts');
      envelopeText = text;
    };

    parser.on('field', (name, value, info) => {
      if (name !== 'envelope') return malformed(`unexpected field part "${name}" (the ciphertext must be a binary part)`);
      if (info.valueTruncated) return malformed('envelope part over 1 MiB');
      takeEnvelope(value);
    });

    parser.on('file', (name, stream: Readable) => {
      // busboy destroys an unfinished part's stream with an error when the upload is cut off
      // or refused; a part we only drain (a wrong name, a second copy) has no other listener,
      // and an unheard 'error' would take the whole relay down. The failure itself is
      // reported through the parser (fail / malformed), so this listener only absorbs it.
      stream.on('error', () => undefined);
      if (name === 'envelope') {
        if (envelopeDone) {
          stream.resume();
          return malformed('two envelope parts');
        }
        envelopeDone = collectSmall(stream, MAX_ENVELOPE_BYTES).then(takeEnvelope, () => {
          throw new RelayHttpError('malformed_multipart', { detail: 'envelope part over 1 MiB' });
        });
        envelopeDone.catch(() => undefined); // observed in finishIfDone
        return;
      }
      if (name !== 'ciphertext') {
        stream.resume();
        return malformed(`unexpected part "${name}"`);
      }
      if (ciphertextDone) {
        stream.resume();
        return malformed('two ciphertext parts');
      }
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          ciphertextSize += chunk.length;
          if (ciphertextSize > MAX_CIPHERTEXT_BYTES) {
            fail(new RelayHttpError('too_large'));
            done(new RelayHttpError('too_large'));
            return;
          }
          ciphertextHash.update(chunk);
          done(null, chunk);
        },
      });
      tempFile = durableTempFile(tempPath);
      ciphertextDone = pipeline(stream, meter, tempFile);
      ciphertextDone.catch(() => undefined); // observed in finishIfDone / fail
    });

    parser.on('partsLimit', () => malformed('too many parts'));
    parser.on('filesLimit', () => malformed('too many file parts'));
    parser.on('fieldsLimit', () => malformed('too many field parts'));
    parser.on('error', (e: unknown) => malformed(e instanceof Error ? e.message : String(e)));
    parser.on('close', () => {
      parserClosed = true;
      finishIfDone();
    });

    req.on('data', (chunk: Buffer) => rawHash.update(chunk));
    req.on('end', () => {
      bodyEnded = true;
      finishIfDone();
    });
    req.on('aborted', () => fail(new RelayHttpError('malformed_multipart', { detail: 'client went away' })));
    req.on('error', () => fail(new RelayHttpError('malformed_multipart', { detail: 'client went away' })));
    req.pipe(parser);
  });
}

/** Unsynced bytes after which the temp file's data is handed to the disk while more arrives. */
const WRITEBACK_STEP_BYTES = 8 * 1024 * 1024;

/**
 * The ciphertext part's temp file (mode 0600, must not exist yet). It is fsynced before it
 * finishes, so a published file is on disk before its row commits. Waiting for 100 MiB to
 * reach the disk only at the end would add the whole write-back (~0.3 s here) to the upload,
 * so every WRITEBACK_STEP_BYTES a datasync runs while the next bytes are still arriving, and
 * the final fsync only waits for the tail. (A FileHandle closes only after operations on it
 * have finished, so a datasync in flight can never hit a closed or reused descriptor.)
 */
function durableTempFile(path: string): Writable {
  let handle: FileHandle | undefined;
  let unsynced = 0;
  let syncing: Promise<void> | undefined;
  const writeAll = async (h: FileHandle, chunks: Buffer[]): Promise<number> => {
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const { bytesWritten } = await h.writev(chunks);
    if (bytesWritten < total) {
      // A short write (rare on files) continues from where it stopped.
      let rest = Buffer.concat(chunks).subarray(bytesWritten);
      while (rest.length > 0) {
        const { bytesWritten: n } = await h.write(rest);
        if (n === 0) throw new Error('the disk accepted no more bytes');
        rest = rest.subarray(n);
      }
    }
    return total;
  };
  return new Writable({
    highWaterMark: 1024 * 1024,
    construct(done) {
      open(path, 'wx', 0o600).then((h) => { handle = h; done(); }, done);
    },
    writev(chunks, done) {
      const h = handle!;
      writeAll(h, chunks.map((c) => c.chunk as Buffer)).then((n) => {
        unsynced += n;
        if (unsynced >= WRITEBACK_STEP_BYTES && !syncing) {
          unsynced = 0;
          syncing = h.datasync().finally(() => { syncing = undefined; });
          syncing.catch(() => undefined); // a failure surfaces in the final fsync
        }
        done();
      }, done);
    },
    final(done) {
      const h = handle!;
      void (async () => {
        await syncing?.catch(() => undefined);
        await h.sync();
      })().then(() => done(), done);
    },
    destroy(error, done) {
      const h = handle;
      handle = undefined;
      (h ? h.close() : Promise.resolve()).then(() => done(error), () => done(error));
    },
  });
}

function collectSmall(stream: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    stream.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        stream.destroy();
        reject(new Error('too large'));
      } else chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
