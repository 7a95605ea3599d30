/**
 * A lean, push-driven multipart/form-data parser (RFC 7578 over RFC 2046) for the relay's
 * upload route. The upload is one 100 MiB binary part and a small JSON part, so the work is
 * almost all "find the next delimiter": a native `Buffer#indexOf` over each network chunk, and
 * the bytes between delimiters are handed on as views of that chunk (no copy). Only when a
 * chunk ends in what could be the start of a delimiter are those few bytes kept and joined
 * with the next chunk. Part headers are bounded (size and count), so nothing here grows with
 * what a client sends; what the parts mean (names, sizes, the cap) is the caller's business.
 */

/** Refused input: the message says what was wrong, for the log; the client sees a stable code. */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

export interface MultipartPart {
  /** The `name` of the part's Content-Disposition. */
  name: string;
  /** Present when the part is a file (Content-Disposition has a `filename`). */
  filename: string | undefined;
  /** The part's Content-Type, lower-cased, without parameters; undefined when absent. */
  contentType: string | undefined;
}

export interface MultipartHandler {
  /** A part starts; its bytes follow through onPartData, then onPartEnd. */
  onPartStart(part: MultipartPart): void;
  /** Bytes of the current part: a view into the chunk passed to write(), valid as long as that chunk is. */
  onPartData(bytes: Buffer): void;
  onPartEnd(): void;
}

export interface MultipartLimits {
  /** Bytes of one part's header block. */
  maxHeaderBytes: number;
  /** Header lines of one part. */
  maxHeaderLines: number;
}

/** The boundary of a multipart/form-data Content-Type, or undefined when it has none. */
export function boundaryOf(contentType: string): string | undefined {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  // RFC 2046 allows 70 characters; a little more is tolerated, as busboy did, but not without end.
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;"]{1,200}))(?=\s*(?:;|$))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  return boundary === undefined || boundary.length === 0 ? undefined : boundary;
}

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';

export class MultipartParser {
  /** "\r\n--boundary": what ends every part (the first one is preceded by a virtual CRLF). */
  private readonly delimiter: Buffer;
  private readonly handler: MultipartHandler;
  private readonly limits: MultipartLimits;
  private state: State = 'preamble';
  /** Bytes of the previous chunk still to be looked at together with the next one (short). */
  private carry: Buffer;

  constructor(boundary: string, handler: MultipartHandler, limits: MultipartLimits) {
    if (boundary.length === 0 || boundary.length > 200) throw new MultipartError('the boundary must be 1 to 200 characters');
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.handler = handler;
    this.limits = limits;
    // The body may open directly with "--boundary": pretend a CRLF came before it.
    this.carry = Buffer.from('\r\n', 'latin1');
  }

  /** True once the closing delimiter was seen (anything after it is ignored). */
  get finished(): boolean {
    return this.state === 'done';
  }

  /** Feeds the next bytes of the body. Throws MultipartError on malformed input. */
  write(chunk: Buffer): void {
    if (this.state === 'done' || chunk.length === 0) return;
    let data = chunk;
    if (this.carry.length > 0) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = EMPTY;
    }
    let pos = 0;
    while (pos < data.length && !this.finished) {
      const next = this.step(data, pos);
      if (next < 0) {
        // The rest cannot be decided without more bytes: keep it (always short, see step()).
        this.carry = Buffer.from(data.subarray(pos));
        return;
      }
      pos = next;
    }
  }

  /** The body ended. Throws MultipartError unless the closing delimiter was seen. */
  end(): void {
    if (this.state !== 'done') throw new MultipartError(this.state === 'preamble' ? 'no multipart boundary in the body' : 'the body ended before the closing boundary');
  }

  /** Consumes from `pos`; returns where to go on, or -1 when the rest must wait for more bytes. */
  private step(data: Buffer, pos: number): number {
    switch (this.state) {
      case 'preamble':
      case 'body':
        return this.scanForDelimiter(data, pos);
      case 'after-delimiter':
        return this.afterDelimiter(data, pos);
      case 'headers':
        return this.headers(data, pos);
      default:
        return data.length;
    }
  }

  private scanForDelimiter(data: Buffer, pos: number): number {
    const delimiter = this.delimiter;
    const at = data.indexOf(delimiter, pos);
    if (at >= 0) {
      if (this.state === 'body') {
        if (at > pos) this.handler.onPartData(data.subarray(pos, at));
        this.handler.onPartEnd();
      }
      this.state = 'after-delimiter';
      return at + delimiter.length;
    }
    // No whole delimiter: hand on everything except a tail that could be its beginning.
    const keep = this.delimiterPrefixAtEnd(data, pos);
    const upTo = data.length - keep;
    if (this.state === 'body' && upTo > pos) this.handler.onPartData(data.subarray(pos, upTo));
    // The tail (shorter than the delimiter) is looked at again together with the next chunk.
    if (keep > 0) this.carry = Buffer.from(data.subarray(upTo));
    return data.length;
  }

  /** Length of the longest tail of data[pos..] that is a proper prefix of the delimiter. */
  private delimiterPrefixAtEnd(data: Buffer, pos: number): number {
    const delimiter = this.delimiter;
    const from = Math.max(pos, data.length - (delimiter.length - 1));
    for (let i = data.indexOf(CR, from); i >= 0; i = data.indexOf(CR, i + 1)) {
      const length = data.length - i;
      if (data.compare(delimiter, 0, length, i, data.length) === 0) return length;
    }
    return 0;
  }

  /** After "--boundary": "--" closes the body, otherwise optional blanks and a CRLF open a part. */
  private afterDelimiter(data: Buffer, pos: number): number {
    if (data.length - pos < 2) return -1;
    if (data[pos] === DASH && data[pos + 1] === DASH) {
      this.state = 'done';
      return data.length;
    }
    let i = pos;
    while (i < data.length && (data[i] === 0x20 || data[i] === 0x09)) {
      i++;
      if (i - pos > 64) throw new MultipartError('junk after a boundary');
    }
    if (data.length - i < 2) return -1;
    if (data[i] !== CR || data[i + 1] !== LF) throw new MultipartError('junk after a boundary');
    this.state = 'headers';
    return i + 2;
  }

  private headers(data: Buffer, pos: number): number {
    let end: number;
    let next: number;
    if (data.length - pos >= 2 && data[pos] === CR && data[pos + 1] === LF) {
      end = pos; // no header lines at all
      next = pos + 2;
    } else {
      end = data.indexOf(HEADER_END, pos);
      if (end < 0 || end - pos > this.limits.maxHeaderBytes) {
        if (end >= 0 || data.length - pos > this.limits.maxHeaderBytes) throw new MultipartError('part headers too long');
        return -1;
      }
      next = end + HEADER_END.length;
    }
    const part = parsePartHeaders(data.toString('latin1', pos, end), this.limits.maxHeaderLines);
    this.state = 'body';
    this.handler.onPartStart(part);
    return next;
  }
}

const EMPTY = Buffer.alloc(0);

function parsePartHeaders(block: string, maxLines: number): MultipartPart {
  const lines = block.length === 0 ? [] : block.split('\r\n');
  if (lines.length > maxLines) throw new MultipartError('too many part header lines');
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError('a part header line without a name');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value.split(';')[0]!.trim().toLowerCase();
  }
  if (disposition === undefined) throw new MultipartError('a part without Content-Disposition');
  const params = dispositionParams(disposition);
  const name = params.get('name');
  if (name === undefined) throw new MultipartError('a part without a name');
  return { name, filename: params.get('filename'), contentType };
}

/** `form-data; name="x"; filename="y"` → its parameters; anything else than form-data is refused. */
function dispositionParams(value: string): Map<string, string> {
  const m = /^form-data\s*(;|$)/i.exec(value);
  if (!m) throw new MultipartError('a part that is not form-data');
  const params = new Map<string, string>();
  const param = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]*))/gy;
  let at = m[0].length - (m[1] === ';' ? 1 : 0);
  while (at < value.length) {
    param.lastIndex = at;
    const p = param.exec(value);
    if (!p) {
      if (value.slice(at).trim() === '') break;
      throw new MultipartError('an unreadable Content-Disposition');
    }
    const key = p[1]!.toLowerCase();
    const text = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
    if (!params.has(key)) params.set(key, text);
    at = param.lastIndex;
  }
  return params;
}
