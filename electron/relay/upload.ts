/**
 * POST /v1/messages: the streaming upload. The body can be 100 MiB, so nothing here holds it
 * in memory: the raw bytes are hashed as they pass (for the FXE1 signature), the multipart is
 * parsed as it arrives (multipart.ts), and the ciphertext part goes straight to a temp file under
 * <data>/incoming, hashed on the way. Only when the whole body is in, authenticated and
 * checked is the file moved into the store and the message row committed, in one step; until
 * then there is no message, whatever happens to the process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { renameSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { MAX_CIPHERTEXT_BYTES, MAX_ENVELOPE_BYTES, type UploadResponse } from '../../shared/fxe-api/index.ts';
import type { RelayAuth } from './auth.ts';
import { checkEnvelope } from './envelope-checks.ts';
import { fsyncDir } from './fs-util.ts';
import { RelayHttpError } from './http-util.ts';
import { boundaryOf, MultipartError, MultipartParser } from './multipart.ts';
import type { RelayStore } from './store.ts';

/** Room for the envelope part and multipart framing on top of the ciphertext cap. */
const MAX_UPLOAD_BODY_BYTES = MAX_CIPHERTEXT_BYTES + MAX_ENVELOPE_BYTES + 64 * 1024;
/** A part's header block: a Content-Disposition and a Content-Type fit many times over. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
const MAX_PART_HEADER_LINES = 16;

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
  const boundary = boundaryOf(req.headers['content-type'] ?? '');
  if (boundary === undefined) {
    throw new RelayHttpError('malformed_multipart', { detail: 'content-type is not multipart/form-data with a boundary' });
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_UPLOAD_BODY_BYTES) throw new RelayHttpError('too_large');

  // 2. Stream it.
  const tempPath = join(ctx.incomingDir, `${randomBytes(12).toString('hex')}.part`);
  let published = false;
  try {
    const parts = await receiveParts(req, boundary, tempPath);

    // 3. Authenticate the whole request, then 4-6: check what it says.
    const sender = ctx.auth.verifyStreamed({ pre, method: 'POST', target, bodySha256Hex: parts.rawBodySha256Hex });
    const uploadedAt = ctx.now();
    const { row } = checkEnvelope({
      store: ctx.store,
      sender,
      envelopeText: parts.envelopeText,
      ciphertext: { size: parts.ciphertextSize, sha256Hex: parts.ciphertextSha256Hex },
      uploadedAt,
      crypto: ctx.auth.crypto,
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

function receiveParts(req: IncomingMessage, boundary: string, tempPath: string): Promise<ReceivedParts> {
  return new Promise((resolve, reject) => {
    const rawHash = createHash('sha256');
    const ciphertextHash = createHash('sha256');
    let bodyBytes = 0;
    let ciphertextSize = 0;
    let envelopeSeen = false;
    let envelopeChunks: Buffer[] = [];
    let envelopeSize = 0;
    let envelopeText: string | undefined;
    let current: 'envelope' | 'ciphertext' | undefined;
    let tempFile: Writable | undefined;
    let ciphertextDone: Promise<void> | undefined;
    let waitingForDrain = false;
    let settled = false;

    const detach = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.pause();
    };
    const fail = (error: RelayHttpError): void => {
      if (settled) return;
      settled = true;
      detach();
      // Answer only once the temp file is closed: the caller deletes it next, and a write
      // stream still open could otherwise outlive the delete.
      const closed = tempFile === undefined || tempFile.closed ? Promise.resolve() : new Promise<void>((r) => tempFile!.once('close', () => r()));
      tempFile?.destroy();
      void closed.then(() => reject(new UploadAbort(error)));
    };
    const refused = (e: unknown): void => {
      if (e instanceof RelayHttpError) fail(e);
      else if (e instanceof MultipartError) fail(new RelayHttpError('malformed_multipart', { detail: e.message }));
      else fail(new RelayHttpError('internal_error', { detail: String(e) }));
    };

    const parser = new MultipartParser(boundary, {
      onPartStart(part) {
        if (part.name === 'envelope') {
          if (envelopeSeen) throw new MultipartError('two envelope parts');
          envelopeSeen = true;
          current = 'envelope';
          return;
        }
        if (part.name !== 'ciphertext') throw new MultipartError(`unexpected ${part.filename === undefined ? 'field ' : ''}part "${part.name}"`);
        if (part.filename === undefined) throw new MultipartError('unexpected field part "ciphertext" (the ciphertext must be a binary part)');
        if (tempFile) throw new MultipartError('two ciphertext parts');
        current = 'ciphertext';
        const file = durableTempFile(tempPath);
        tempFile = file;
        ciphertextDone = new Promise<void>((done, failed) => {
          file.once('close', () => (file.errored ? failed(file.errored) : file.writableFinished ? done() : failed(new Error('the temp file closed early'))));
        });
        ciphertextDone.catch(() => undefined); // observed in onEnd / fail
        file.on('error', (e) => fail(new RelayHttpError('internal_error', { detail: `temp file: ${e.message}` })));
        file.on('drain', () => {
          if (waitingForDrain && !settled) {
            waitingForDrain = false;
            req.resume();
          }
        });
      },
      onPartData(bytes) {
        if (current === 'envelope') {
          envelopeSize += bytes.length;
          if (envelopeSize > MAX_ENVELOPE_BYTES) throw new MultipartError('envelope part over 1 MiB');
          envelopeChunks.push(Buffer.from(bytes));
          return;
        }
        ciphertextSize += bytes.length;
        if (ciphertextSize > MAX_CIPHERTEXT_BYTES) throw new RelayHttpError('too_large');
        ciphertextHash.update(bytes);
        // The view stays valid: the HTTP parser hands every chunk out once and never reuses it.
        if (!tempFile!.write(bytes) && !waitingForDrain) {
          waitingForDrain = true;
          req.pause();
        }
      },
      onPartEnd() {
        if (current === 'envelope') {
          envelopeText = Buffer.concat(envelopeChunks).toString('utf8');
          envelopeChunks = [];
        } else {
          tempFile!.end();
          // An ended file never emits 'drain': if it had pushed back, the rest of the body
          // (a boundary, maybe the small envelope part) must still be read.
          if (waitingForDrain) {
            waitingForDrain = false;
            req.resume();
          }
        }
        current = undefined;
      },
    }, { maxHeaderBytes: MAX_PART_HEADER_BYTES, maxHeaderLines: MAX_PART_HEADER_LINES });

    function onData(chunk: Buffer): void {
      if (settled) return;
      bodyBytes += chunk.length;
      if (bodyBytes > MAX_UPLOAD_BODY_BYTES) return fail(new RelayHttpError('too_large'));
      rawHash.update(chunk);
      try {
        parser.write(chunk);
      } catch (e) {
        refused(e);
      }
    }

    function onEnd(): void {
      if (settled) return;
      try {
        parser.end();
      } catch (e) {
        return refused(e);
      }
      void (async () => {
        try {
          if (ciphertextDone) await ciphertextDone;
        } catch (e) {
          return refused(e);
        }
        if (settled) return;
        if (envelopeText === undefined) return refused(new MultipartError('no envelope part'));
        if (!ciphertextDone) return refused(new MultipartError('no ciphertext part'));
        settled = true;
        resolve({
          envelopeText,
          ciphertextSize,
          ciphertextSha256Hex: ciphertextHash.digest('hex'),
          rawBodySha256Hex: rawHash.digest('hex'),
        });
      })();
    }

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', () => fail(new RelayHttpError('malformed_multipart', { detail: 'client went away' })));
    req.on('error', () => fail(new RelayHttpError('malformed_multipart', { detail: 'client went away' })));
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

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
