/**
 * Canonical JSON = Python's `json.dumps`, byte for byte, because every signature on the wire
 * is computed by a Python client over `json.dumps(..., sort_keys=True)` text. The quirks that
 * matter (and that JavaScript's JSON.stringify gets wrong):
 * - `ensure_ascii`: everything outside U+0020..U+007E (DEL included) becomes `\uXXXX` with
 *   lowercase hex; astral characters become a surrogate pair of escapes;
 * - keys sorted by Unicode code point, not by UTF-16 unit (JS's default sort puts '😀'
 *   before '\uffff', Python the other way round);
 * - numbers printed as Python prints them: ints exactly (arbitrary size), floats as
 *   `repr(float)` (`1e+21`, `1e-07`, `-0.0`, `3.0`).
 * Numbers received from the wire are kept as their lexeme (`JsonNumber`) through a lossless
 * parse, so `3.0` from a Python sender is re-signed as `3.0`, not `3`.
 */
import { ProtocolError } from './errors.ts';
import { hexEncode, utf8Encode } from './encoding.ts';
import type { CryptoBackend } from './crypto-backend.ts';
import { nobleBackend } from './crypto-backend.ts';

const JSON_NUMBER_RE = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const JSON_INTEGER_RE = /^-?(?:0|[1-9][0-9]*)$/;

/** A JSON number kept as text. `lexeme` is normalised to how Python would print the value. */
export class JsonNumber {
  readonly lexeme: string;
  constructor(lexeme: string) {
    this.lexeme = normaliseNumberLexeme(lexeme);
  }
  /** True for integer lexemes (no '.', no exponent): Python parsed them as `int`. */
  get isInteger(): boolean {
    return JSON_INTEGER_RE.test(this.lexeme);
  }
  /** The nearest JS number (lossy for big integers: use `lexeme` when exactness matters). */
  toNumber(): number {
    return Number(this.lexeme);
  }
  toString(): string {
    return this.lexeme;
  }
  /** Lets JSON.stringify emit the exact lexeme where the runtime offers JSON.rawJSON (Node 21+). */
  toJSON(): unknown {
    const raw = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;
    return raw ? raw(this.lexeme) : Number(this.lexeme);
  }
}

export type JsonValue = null | boolean | string | number | JsonNumber | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Python's `int(text)` / `float(text)` followed by `repr`, for a JSON number lexeme. */
function normaliseNumberLexeme(lexeme: string): string {
  if (lexeme === 'NaN' || lexeme === 'Infinity' || lexeme === '-Infinity') return lexeme;
  if (!JSON_NUMBER_RE.test(lexeme)) throw new ProtocolError('malformed', `"${lexeme.slice(0, 40)}" is not a JSON number.`);
  if (JSON_INTEGER_RE.test(lexeme)) return lexeme === '-0' ? '0' : lexeme;
  return pythonFloatRepr(Number(lexeme));
}

/**
 * `repr(float)` in Python 3: the shortest digits that round-trip (the same digits JS's
 * toExponential() picks), in positional form when the decimal exponent is in [-4, 16),
 * otherwise `d.ddde±XX` with at least two exponent digits. Integral floats keep `.0`.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expAbs = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${body}e${exp < 0 ? '-' : '+'}${expAbs}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Compares two strings by Unicode code point, as Python's `sorted()` on `str` does. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j) === 0 ? 0 : i < a.length ? 1 : -1;
}

const PRINTABLE_ASCII_NO_ESCAPES = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

/** A JSON string literal with Python's `ensure_ascii=True` escaping. */
export function pythonStringLiteral(text: string): string {
  if (PRINTABLE_ASCII_NO_ESCAPES.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined) out += short;
    else if (unit < 0x20 || unit > 0x7e) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += text[i];
  }
  return out + '"';
}

function numberLiteral(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  return pythonFloatRepr(value);
}

export interface DumpOptions {
  sortKeys: boolean;
  /** true → separators (",", ":"); false → Python's defaults (", ", ": "). */
  compact: boolean;
}

/** Python `json.dumps(value, sort_keys=…, separators=…)` with `ensure_ascii=True`. */
export function pythonDumps(value: JsonValue, opts: DumpOptions): string {
  const itemSep = opts.compact ? ',' : ', ';
  const keySep = opts.compact ? ':' : ': ';
  const write = (v: JsonValue | undefined, depth: number): string => {
    if (depth > MAX_DEPTH) throw new ProtocolError('malformed', 'The JSON value is nested too deeply.');
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'string') return pythonStringLiteral(v);
    if (typeof v === 'number') return numberLiteral(v);
    if (v instanceof JsonNumber) return v.lexeme;
    if (Array.isArray(v)) return `[${v.map((item) => write(item, depth + 1)).join(itemSep)}]`;
    if (typeof v === 'object') {
      let keys = Object.keys(v).filter((k) => v[k] !== undefined);
      if (opts.sortKeys) keys = keys.sort(compareCodePoints);
      return `{${keys.map((k) => pythonStringLiteral(k) + keySep + write(v[k], depth + 1)).join(itemSep)}}`;
    }
    throw new ProtocolError('malformed', `A value of type ${typeof v} cannot be written as JSON.`);
  };
  return write(value, 0);
}

/** The form every signature payload uses: `json.dumps(v, sort_keys=True, separators=(",", ":"))`. */
export function signingForm(value: JsonValue): string {
  return pythonDumps(value, { sortKeys: true, compact: true });
}

/** The form the metadata hash uses: `json.dumps(v, sort_keys=True)` (default separators). */
export function metadataForm(value: JsonValue): string {
  return pythonDumps(value, { sortKeys: true, compact: false });
}

/** Raw SHA-256 of the metadata form (the AAD carries these 32 bytes). */
export function metadataSha256(metadata: JsonValue, backend: CryptoBackend = nobleBackend): Uint8Array {
  return backend.sha256(utf8Encode(metadataForm(metadata)));
}

/** Hex SHA-256 of the metadata form (the envelope signature carries this). */
export function metadataSha256Hex(metadata: JsonValue, backend: CryptoBackend = nobleBackend): string {
  return hexEncode(metadataSha256(metadata, backend));
}

const MAX_DEPTH = 256;

/**
 * Parses JSON the way Python's `json.loads` accepts it (including NaN / Infinity and lone
 * surrogate escapes), but keeps every number as a `JsonNumber` lexeme. Duplicate keys: the
 * last value wins, as in Python. Throws ProtocolError('malformed') with the position.
 */
export function parseJsonLossless(text: string): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new ProtocolError('malformed', `The JSON text is not valid: ${what} at character ${pos + 1}.`);
  };
  const skipWhitespace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };
  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    let runStart = pos;
    while (true) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(runStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(runStart, pos);
      const esc = text[pos + 1];
      pos += 2;
      switch (esc) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          pos -= 2;
          fail('bad escape');
      }
      runStart = pos;
    }
  };
  const parseNumber = (): JsonNumber => {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = pos;
    const found = m.exec(text);
    if (!found || found[0] === '-' || found[0].length === 0) return fail('bad number');
    pos += found[0].length;
    return new JsonNumber(found[0]);
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    skipWhitespace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: JsonObject = {};
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      while (true) {
        skipWhitespace();
        if (text[pos] !== '"') fail('expected a key');
        const key = parseString();
        skipWhitespace();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        const value = parseValue(depth + 1);
        // defineProperty: a key named "__proto__" must be data, never the prototype.
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      while (true) {
        arr.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', pos)) { pos += 4; return true; }
    if (text.startsWith('false', pos)) { pos += 5; return false; }
    if (text.startsWith('null', pos)) { pos += 4; return null; }
    if (text.startsWith('NaN', pos)) { pos += 3; return new JsonNumber('NaN'); }
    if (text.startsWith('Infinity', pos)) { pos += 8; return new JsonNumber('Infinity'); }
    if (text.startsWith('-Infinity', pos)) { pos += 9; return new JsonNumber('-Infinity'); }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    return fail(c === undefined ? 'unexpected end' : 'unexpected character');
  };
  const value = parseValue(0);
  skipWhitespace();
  if (pos !== text.length) fail('extra data after the value');
  return value;
}

/** A plain JSON object (not array, not null, not a JsonNumber)? */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}
