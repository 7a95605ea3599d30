// Strict encodings: one spelling per byte string.
import { describe, expect, it } from 'vitest';
import { b64uDecode, b64uEncode, concatBytes, hexDecode, hexEncode, isProtocolError, utf8Decode, utf8Encode } from '../../shared/protocol/index.ts';

describe('base64url', () => {
  it('matches Node for every length 0..64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = Buffer.from(bytes).toString('base64url');
      expect(b64uEncode(bytes)).toBe(text);
      expect(b64uDecode(text)).toEqual(bytes);
    }
  });

  it.each(['AAAA=', 'AA==', 'a+b/', 'AA AA', 'A', 'AAAAA', 'AB', 'AAB', 'é'])('refuses %j', (text) => {
    let err: unknown;
    try {
      b64uDecode(text, 'nonce');
    } catch (e) {
      err = e;
    }
    expect(isProtocolError(err, 'malformed')).toBe(true);
    expect((err as { field?: string }).field).toBe('nonce');
  });
});

describe('hex, utf8, concat', () => {
  it('hex is lowercase both ways', () => {
    expect(hexEncode(Uint8Array.of(0, 171, 255))).toBe('00abff');
    expect(hexDecode('00abff')).toEqual(Uint8Array.of(0, 171, 255));
    for (const bad of ['0', 'AB', 'zz', '0x00']) expect(() => hexDecode(bad)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('utf8 decoding is fatal on invalid bytes', () => {
    expect(utf8Decode(utf8Encode('Ü📠'))).toBe('Ü📠');
    expect(() => utf8Decode(Uint8Array.of(0xc3))).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('concatenates', () => {
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  });
});
