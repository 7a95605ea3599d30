/**
 * FXE1 request signing when the body is a stream (a 100 MiB multipart upload read from disk):
 * the signature covers sha256hex(body), which we compute in one native pass over the file
 * instead of holding the body in memory for shared/protocol's signRequest. Same bytes out:
 * a test checks it against signRequest for a fixed clock and nonce.
 */
import { randomBytes } from 'node:crypto';
import { DOMAIN_REQUEST, b64uEncode, signWithDomain, utf8Encode } from '../../../shared/protocol/index.ts';

export function signRequestForBodyHash(p: {
  method: string;
  path: string;
  /** Lowercase hex SHA-256 of the exact body bytes that will be sent. */
  bodySha256Hex: string;
  keyId: string;
  signingSeed: Uint8Array;
  nowSeconds: number;
  nonce?: Uint8Array;
}): string {
  const ts = String(Math.floor(p.nowSeconds));
  const nonce = b64uEncode(p.nonce ?? new Uint8Array(randomBytes(16)));
  const payload = utf8Encode(`${p.method}\n${p.path}\n${p.bodySha256Hex}\n${ts}\n${nonce}`);
  const sig = signWithDomain(p.signingSeed, DOMAIN_REQUEST, payload);
  return `FXE1 key_id=${p.keyId},ts=${ts},nonce=${nonce},sig=${b64uEncode(sig)}`;
}
