/**
 * Byte encodings the wire uses: base64url without padding for binary inside JSON, lowercase
 * hex for hashes, UTF-8 for text. Decoders are strict (one spelling per value) because a
 * lenient decoder lets two different strings mean the same bytes, which breaks signatures
 * and tamper checks that compare text.
 */
import { ProtocolError } from './errors.ts';

const B64U_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64U_LOOKUP = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64U_ALPHABET.length; i++) table[B64U_ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** base64url without padding (RFC 4648 §5), as Python's `urlsafe_b64encode(b).rstrip(b"=")`. */
export function b64uEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64U_ALPHABET[(n >> 18) & 63]! + B64U_ALPHABET[(n >> 12) & 63]! + B64U_ALPHABET[(n >> 6) & 63]! + B64U_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64U_ALPHABET[(n >> 18) & 63]! + B64U_ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64U_ALPHABET[(n >> 18) & 63]! + B64U_ALPHABET[(n >> 12) & 63]! + B64U_ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Strict base64url decode: no padding, no `+` `/`, no whitespace, and the unused low bits of
 * the last character must be zero (so every byte string has exactly one spelling).
 */
export function b64uDecode(text: string, field?: string): Uint8Array {
  const label = field ?? 'value';
  if (typeof text !== 'string') throw new ProtocolError('malformed', `${label} is not a base64url string.`, field);
  if (text.length % 4 === 1) throw new ProtocolError('malformed', `${label} is not valid base64url (bad length).`, field);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? B64U_LOOKUP[code]! : -1;
    if (v < 0) throw new ProtocolError('malformed', `${label} is not valid base64url (character ${i + 1}).`, field);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) {
    throw new ProtocolError('malformed', `${label} is not valid base64url (non-canonical ending).`, field);
  }
  return out;
}

const HEX = '0123456789abcdef';

/** Lowercase hex, as Python's `bytes.hex()`. */
export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return out;
}

/** Strict lowercase hex decode (hashes on the wire are lowercase; uppercase is a different string). */
export function hexDecode(text: string, field?: string): Uint8Array {
  const label = field ?? 'value';
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new ProtocolError('malformed', `${label} is not lowercase hex.`, field);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Fatal on invalid UTF-8: a corrupted byte must not silently turn into U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ProtocolError('malformed', 'The text is not valid UTF-8.');
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Compares without an early exit, so the time taken does not reveal where two MACs differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
