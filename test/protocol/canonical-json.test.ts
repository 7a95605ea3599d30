// Canonical JSON must equal CPython's json.dumps byte for byte (expected outputs were printed
// by CPython into data/python-dumps.json), including ensure_ascii, code-point key order and
// Python's number printing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  JsonNumber, compareCodePoints, isProtocolError, metadataForm, parseJsonLossless, pythonDumps, pythonFloatRepr, signingForm,
} from '../../shared/protocol/index.ts';

const table = JSON.parse(readFileSync(new URL('./data/python-dumps.json', import.meta.url), 'utf8')) as {
  cases: { json: string; compact: string; spaced: string; unsorted: string }[];
};

/** JS objects list integer-like keys first whatever the insertion order: only sorted output is exact there. */
const hasIntegerLikeKeys = (json: string): boolean => /"\d+":/.test(json);

describe('canonical JSON against CPython json.dumps', () => {
  for (const c of table.cases) {
    it(`${c.json.slice(0, 70)}`, () => {
      const value = parseJsonLossless(c.json);
      expect(signingForm(value)).toBe(c.compact);
      expect(metadataForm(value)).toBe(c.spaced);
      if (!hasIntegerLikeKeys(c.json)) expect(pythonDumps(value, { sortKeys: false, compact: false })).toBe(c.unsorted);
    });
  }
});

describe('numbers', () => {
  it.each([
    [0.1, '0.1'], [1 / 3, '0.3333333333333333'], [1e22, '1e+22'], [1e-5, '1e-05'], [123e-20, '1.23e-18'],
    [2.0 ** 70, '1.1805916207174113e+21'], [1e16, '1e+16'], [0.0001, '0.0001'], [0.00011, '0.00011'], [1.5, '1.5'],
    [-2.5e-8, '-2.5e-08'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [-0, '-0.0'], [3, '3.0'],
    [1e15, '1000000000000000.0'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
  ])('repr(float(%s)) = %s', (x, expected) => {
    expect(pythonFloatRepr(x)).toBe(expected);
  });

  it('keeps integer lexemes exact, however big', () => {
    const big = '123456789012345678901234567890123456789';
    expect(signingForm(parseJsonLossless(`{"n": ${big}}`))).toBe(`{"n":${big}}`);
    expect(new JsonNumber(big).isInteger).toBe(true);
  });

  it('keeps 3.0 from a Python sender as 3.0 (a JS round trip would print 3 and break the signature)', () => {
    expect(signingForm(parseJsonLossless('{"pages": 3.0}'))).toBe('{"pages":3.0}');
    expect(JSON.stringify(JSON.parse('{"pages": 3.0}'))).toBe('{"pages":3}');
  });

  it('prints plain JS numbers: integers as ints, others as repr(float)', () => {
    expect(signingForm({ a: 3, b: 0.5, c: 1e21, d: -7, e: 2 ** 60 })).toBe('{"a":3,"b":0.5,"c":1000000000000000000000,"d":-7,"e":1152921504606846976}');
  });

  it('JSON.stringify of a parsed value keeps the exact lexeme (JsonNumber.toJSON)', () => {
    expect(JSON.stringify(parseJsonLossless('{"x": 1.0, "y": 12345678901234567890}'))).toBe('{"x":1.0,"y":12345678901234567890}');
  });
});

describe('strings and keys', () => {
  it('escapes as ensure_ascii: lowercase hex, DEL escaped, astral as surrogate pairs, "/" left alone', () => {
    expect(signingForm('é\u007f😀/\u0001')).toBe('"\\u00e9\\u007f\\ud83d\\ude00/\\u0001"');
  });

  it('sorts keys by code point, not UTF-16 unit', () => {
    const keys = ['😀', '\uffff', 'a', '\ue000', 'Z'];
    expect([...keys].sort(compareCodePoints)).toEqual(['Z', 'a', '\ue000', '\uffff', '😀']);
    expect([...keys].sort()).not.toEqual(['Z', 'a', '\ue000', '\uffff', '😀']); // the trap this avoids
    expect(compareCodePoints('ab', 'a')).toBe(1);
    expect(compareCodePoints('a', 'ab')).toBe(-1);
    expect(compareCodePoints('a', 'a')).toBe(0);
  });

  it('treats "__proto__" as an ordinary key', () => {
    const v = parseJsonLossless('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(signingForm(v as never)).toBe('{"__proto__":{"polluted":true}}');
  });
});

describe('lossless parser rejects what Python rejects', () => {
  it.each(['', '{', '[1,]', '{"a":1,}', '01', '1.', '.5', '-', '+1', '"\u0001"', '"\\x"', '"\\u12"', '{"a" 1}', '[1] 2', 'tru', "{'a': 1}"])(
    '%j is malformed',
    (text) => {
      let err: unknown;
      try {
        parseJsonLossless(text);
      } catch (e) {
        err = e;
      }
      expect(isProtocolError(err, 'malformed')).toBe(true);
    },
  );

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(() => parseJsonLossless('['.repeat(100000))).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});
