// The relay's multipart/form-data parser on its own: every chunk seam, malformed bodies, limits.
// (The upload route on top of it is covered by conformance.test.ts and security/relay-fuzz.test.ts.)
import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartError, MultipartParser, type MultipartPart } from '../../electron/relay/multipart.ts';

interface Parsed extends MultipartPart { bytes: Buffer }

const LIMITS = { maxHeaderBytes: 1024, maxHeaderLines: 8 };

function parse(boundary: string, chunks: Buffer[], limits = LIMITS): { parts: Parsed[]; finished: boolean } {
  const parts: Parsed[] = [];
  let current: { part: MultipartPart; data: Buffer[] } | undefined;
  const parser = new MultipartParser(boundary, {
    onPartStart: (part) => { current = { part, data: [] }; },
    // Copied at once: the test then reuses nothing, but a view must be right when handed out.
    onPartData: (bytes) => { current!.data.push(Buffer.from(bytes)); },
    onPartEnd: () => { parts.push({ ...current!.part, bytes: Buffer.concat(current!.data) }); current = undefined; },
  }, limits);
  for (const chunk of chunks) parser.write(chunk);
  const finished = parser.finished;
  parser.end();
  return { parts, finished };
}

const BOUNDARY = 'xYz-42';
/** Ciphertext-like bytes full of near-delimiters: CRs, CRLFs, "--", the boundary without its CRLF. */
const TRICKY = Buffer.concat([
  Buffer.from('\r\r\n\r\n-\r\n--\r\n--xYz-4\r\n--xYz\r--xYz-42'.replace(/--xYz-42$/, '-xYz-42'), 'latin1'),
  Buffer.from([0, 13, 10, 45, 45, 120, 89, 122, 45, 52, 13, 255]),
  Buffer.from('tail\r', 'latin1'),
]);

function body(parts: { headers: string; bytes: Buffer }[], opts: { preamble?: string; close?: boolean; epilogue?: string } = {}): Buffer {
  const pieces: Buffer[] = [Buffer.from(opts.preamble ?? '', 'latin1')];
  for (const [i, p] of parts.entries()) {
    pieces.push(Buffer.from(`${i === 0 && !opts.preamble ? '' : '\r\n'}--${BOUNDARY}\r\n${p.headers}\r\n\r\n`, 'latin1'), p.bytes);
  }
  if (opts.close !== false) pieces.push(Buffer.from(`\r\n--${BOUNDARY}--\r\n${opts.epilogue ?? ''}`, 'latin1'));
  return Buffer.concat(pieces);
}

const ENVELOPE = { headers: 'Content-Disposition: form-data; name="envelope"\r\nContent-Type: application/json', bytes: Buffer.from('{"a":"é"}') };
const CIPHERTEXT = { headers: 'Content-Disposition: form-data; name="ciphertext"; filename="ct.bin"\r\nContent-Type: application/octet-stream', bytes: TRICKY };

function expectSeedParts(parts: Parsed[]): void {
  expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
    ['envelope', undefined, 'application/json'],
    ['ciphertext', 'ct.bin', 'application/octet-stream'],
  ]);
  expect(parts[0]!.bytes.equals(ENVELOPE.bytes)).toBe(true);
  expect(parts[1]!.bytes.equals(TRICKY)).toBe(true);
}

describe('relay multipart parser', () => {
  const whole = body([ENVELOPE, CIPHERTEXT]);

  it('parses the seed layout in one chunk', () => {
    const { parts, finished } = parse(BOUNDARY, [whole]);
    expect(finished).toBe(true);
    expectSeedParts(parts);
  });

  it('gives the same parts whatever the chunk seam: split at every offset', () => {
    for (let at = 0; at <= whole.length; at++) {
      expectSeedParts(parse(BOUNDARY, [whole.subarray(0, at), whole.subarray(at)]).parts);
    }
  });

  it('gives the same parts split at every pair of offsets and one byte at a time', () => {
    for (let a = 0; a <= whole.length; a += 3) {
      for (let b = a; b <= whole.length; b += 5) {
        expectSeedParts(parse(BOUNDARY, [whole.subarray(0, a), whole.subarray(a, b), whole.subarray(b)]).parts);
      }
    }
    expectSeedParts(parse(BOUNDARY, [...whole].map((byte) => Buffer.from([byte]))).parts);
  });

  it('hands the bytes of a large part on as views, without holding them', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x0d); // all CRs: the worst case for the seam check
    const payload = body([ENVELOPE, { headers: CIPHERTEXT.headers, bytes: big }]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < payload.length; at += 65536) chunks.push(payload.subarray(at, at + 65536));
    const { parts } = parse(BOUNDARY, chunks);
    expect(parts[1]!.bytes.equals(big)).toBe(true);
  });

  it('skips a preamble and an epilogue, and reads a quoted boundary', () => {
    const withExtras = body([ENVELOPE, CIPHERTEXT], { preamble: 'This is a preamble.\r\n--not-it\r\n', epilogue: 'bye\r\n--xYz-42\r\njunk' });
    expectSeedParts(parse(BOUNDARY, [withExtras]).parts);
    expect(boundaryOf(`multipart/form-data; boundary="${BOUNDARY}"`)).toBe(BOUNDARY);
    expect(boundaryOf(`Multipart/Form-Data;charset=utf-8; Boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
    expect(boundaryOf('text/plain; boundary=x')).toBeUndefined();
    expect(boundaryOf(`multipart/form-data; boundary=${'b'.repeat(201)}`)).toBeUndefined();
  });

  it('reports every part, also extra ones (the upload route refuses those)', () => {
    const extra = { headers: 'Content-Disposition: form-data; name="other"', bytes: Buffer.from('x') };
    const { parts } = parse(BOUNDARY, [body([ENVELOPE, CIPHERTEXT, extra])]);
    expect(parts.map((p) => p.name)).toEqual(['envelope', 'ciphertext', 'other']);
  });

  it('refuses a body without the closing boundary, or without any boundary', () => {
    const open = body([ENVELOPE, CIPHERTEXT], { close: false });
    for (let at = 0; at <= open.length; at += 7) {
      expect(() => parse(BOUNDARY, [open.subarray(0, at)]), `cut at ${at}`).toThrow(MultipartError);
    }
    expect(() => parse(BOUNDARY, [whole.subarray(0, whole.length - 5)])).toThrow(/before the closing boundary/);
    expect(() => parse(BOUNDARY, [Buffer.from('garbage without boundaries')])).toThrow(/no multipart boundary/);
    expect(() => parse(BOUNDARY, [])).toThrow(MultipartError);
  });

  it('refuses oversized part headers without waiting for their end, and too many header lines', () => {
    const long = { headers: `Content-Disposition: form-data; name="envelope"\r\nX-Pad: ${'p'.repeat(2000)}`, bytes: Buffer.from('{}') };
    expect(() => parse(BOUNDARY, [body([long])])).toThrow(/part headers too long/);
    // Never finished: refused as soon as more than the limit arrived, whatever the seams.
    const endless = Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="e"\r\n`), Buffer.alloc(4096, 0x61)]);
    const parser = new MultipartParser(BOUNDARY, { onPartStart: () => undefined, onPartData: () => undefined, onPartEnd: () => undefined }, LIMITS);
    expect(() => { for (let at = 0; at < endless.length; at += 100) parser.write(endless.subarray(at, at + 100)); }).toThrow(/part headers too long/);
    const many = { headers: ['Content-Disposition: form-data; name="envelope"', ...Array.from({ length: 8 }, (_, i) => `X-${i}: y`)].join('\r\n'), bytes: Buffer.from('{}') };
    expect(() => parse(BOUNDARY, [body([many])])).toThrow(/too many part header lines/);
  });

  it('refuses parts that are not named form-data, and junk after a boundary', () => {
    const cases = [
      'Content-Type: text/plain',
      'Content-Disposition: attachment; name="envelope"',
      'Content-Disposition: form-data; filename="a"',
      'Content-Disposition: form-data; name="a" junk',
      'no colon here',
    ];
    for (const headers of cases) expect(() => parse(BOUNDARY, [body([{ headers, bytes: Buffer.from('x') }])]), headers).toThrow(MultipartError);
    expect(() => parse(BOUNDARY, [Buffer.from(`--${BOUNDARY}junk\r\n\r\nx\r\n--${BOUNDARY}--`)])).toThrow(/junk after a boundary/);
  });

  it('takes a part without headers lines apart from the missing name, and escaped quotes in a name', () => {
    const quoted = { headers: 'content-disposition: FORM-DATA; name="a\\"b"; filename=plain', bytes: Buffer.from('v') };
    const { parts } = parse(BOUNDARY, [body([quoted])]);
    expect(parts[0]).toMatchObject({ name: 'a"b', filename: 'plain', contentType: undefined });
    expect(() => parse(BOUNDARY, [Buffer.from(`--${BOUNDARY}\r\n\r\nx\r\n--${BOUNDARY}--`)])).toThrow(/without Content-Disposition/);
  });
});
