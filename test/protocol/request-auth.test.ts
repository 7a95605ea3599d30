// FXE1 request signing and server-side verification: skew window, nonce replay window with an
// injected clock, nonce recorded only after the signature verifies, raw '+' in the query.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { NonceCache, ProtocolError, b64uEncode, checkRequestHeader, parseAuthorization, signRequest, utf8Encode, verifyRequest } from '../../shared/protocol/index.ts';
import type { ProtocolErrorCode } from '../../shared/protocol/index.ts';
import { orgKeys, vectors } from './fixtures.ts';
import { ed25519PublicKey } from '../../shared/protocol/ed25519-domain.ts';

const T0 = 1_767_225_600;
const seed = new Uint8Array(32).fill(7);
const pub = ed25519PublicKey(seed);
const keyFor = (id: string): Uint8Array | undefined => (id === 'key_t' ? pub : undefined);

function sign(over: Partial<Parameters<typeof signRequest>[0]> = {}): string {
  return signRequest({ method: 'POST', path: '/v1/messages', body: utf8Encode('{"a":1}'), keyId: 'key_t', signingSeed: seed, nowSeconds: T0, ...over });
}

function verify(header: string | undefined, over: Partial<Parameters<typeof verifyRequest>[0]> = {}): { keyId: string } {
  return verifyRequest({ header, method: 'POST', path: '/v1/messages', body: utf8Encode('{"a":1}'), nowSeconds: T0, publicKeyFor: keyFor, nonces: new NonceCache(), ...over });
}

function codeOf(fn: () => unknown): ProtocolErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
}

describe('FXE1 signing', () => {
  it('floors a fractional clock and formats the header like the reference', () => {
    const h = sign({ nowSeconds: T0 + 0.99, nonce: new Uint8Array(16) });
    expect(h).toMatch(/^FXE1 key_id=key_t,ts=1767225600,nonce=AAAAAAAAAAAAAAAAAAAAAA,sig=[A-Za-z0-9_-]{86}$/);
    const parsed = parseAuthorization(h);
    expect(parsed).toMatchObject({ keyId: 'key_t', ts: T0, nonce: 'AAAAAAAAAAAAAAAAAAAAAA' });
  });

  it('uses a fresh random nonce per request', () => {
    expect(parseAuthorization(sign()).nonce).not.toBe(parseAuthorization(sign()).nonce);
  });

  it('signs the query string exactly as sent (raw "+", not %2B, not a space)', async () => {
    const alice = await orgKeys('alice');
    const c = vectors.requests.cases[0]!;
    const h = signRequest({ method: 'GET', path: c.path, body: new Uint8Array(), keyId: 'key_alice', signingSeed: alice.signingSeed, nowSeconds: vectors.requests.clock });
    const alicePub = ed25519PublicKey(alice.signingSeed);
    const opts = { method: 'GET', body: new Uint8Array(), nowSeconds: vectors.requests.clock, publicKeyFor: () => alicePub };
    expect(codeOf(() => verifyRequest({ ...opts, header: h, path: c.path, nonces: new NonceCache() }))).toBe('no error');
    expect(codeOf(() => verifyRequest({ ...opts, header: h, path: c.path.replace('+', '%2B'), nonces: new NonceCache() }))).toBe('bad_signature');
    expect(codeOf(() => verifyRequest({ ...opts, header: h, path: c.path.replace('+', ' '), nonces: new NonceCache() }))).toBe('bad_signature');
  });
});

describe('FXE1 with a native Ed25519 (the desk signs, the relay verifies, through node:crypto)', () => {
  it('gives the same header as noble and the same verdicts', async () => {
    const { createNodeBackend } = await import('../../electron/services/crypto/node-backend.ts');
    const node = createNodeBackend();
    let signs = 0;
    let verifies = 0;
    const backend = {
      ...node,
      ed25519Sign: (s: Uint8Array, m: Uint8Array) => { signs++; return node.ed25519Sign!(s, m); },
      ed25519Verify: (p: Uint8Array, m: Uint8Array, g: Uint8Array) => { verifies++; return node.ed25519Verify!(p, m, g); },
    };
    const nonce = new Uint8Array(16).fill(1);
    const header = sign({ nonce, backend });
    expect(header).toBe(sign({ nonce }));
    expect(verify(header, { backend })).toEqual({ keyId: 'key_t' });
    expect(codeOf(() => verify(header, { backend, body: utf8Encode('{"a":2}') }))).toBe('bad_signature');
    expect({ signs, verifies }).toEqual({ signs: 1, verifies: 2 });
  });
});

describe('FXE1 verification', () => {
  it('accepts a good request and names its key', () => {
    expect(verify(sign())).toEqual({ keyId: 'key_t' });
  });

  it.each([
    [-300, 'no error'], [300, 'no error'], [-301, 'auth_stale'], [301, 'auth_stale'], [-86400, 'auth_stale'],
  ] as const)('clock skew of %i s → %s', (skew, expected) => {
    expect(codeOf(() => verify(sign({ nowSeconds: T0 + skew })))).toBe(expected);
  });

  it('honours a custom skew', () => {
    expect(codeOf(() => verify(sign({ nowSeconds: T0 - 61 }), { maxSkewSeconds: 60 }))).toBe('auth_stale');
  });

  it.each([
    ['method', { method: 'GET' }],
    ['path', { path: '/v1/messages?x=1' }],
    ['body', { body: utf8Encode('{"a":2}') }],
  ])('a request with a different %s fails the signature', (_label, over) => {
    expect(codeOf(() => verify(sign(), over))).toBe('bad_signature');
  });

  it('rejects an unknown key id', () => {
    expect(codeOf(() => verify(sign({ keyId: 'key_other' })))).toBe('auth_unknown_key');
  });

  it('rejects a header whose ts was changed (signature covers ts)', () => {
    const h = sign().replace(`ts=${T0}`, `ts=${T0 + 1}`);
    expect(codeOf(() => verify(h))).toBe('bad_signature');
  });

  it('rejects a replayed nonce inside 600 s and forgets it after', () => {
    const nonces = new NonceCache(600);
    const h = sign({ nowSeconds: T0 });
    expect(codeOf(() => verify(h, { nonces, nowSeconds: T0 }))).toBe('no error');
    expect(codeOf(() => verify(h, { nonces, nowSeconds: T0 + 1 }))).toBe('auth_replayed');
    expect(codeOf(() => verify(h, { nonces, nowSeconds: T0 + 299 }))).toBe('auth_replayed');
    // Same nonce, same key, new timestamp: still a replay while inside the window.
    const again = sign({ nowSeconds: T0 + 200, nonce: new Uint8Array(Buffer.from(parseAuthorization(h).nonce, 'base64url')) });
    expect(codeOf(() => verify(again, { nonces, nowSeconds: T0 + 200 }))).toBe('auth_replayed');
    expect(nonces.seen('key_t', parseAuthorization(h).nonce, T0 + 601)).toBe(false);
  });

  it('prunes expired nonces so memory stays bounded', () => {
    const nonces = new NonceCache(600);
    for (let i = 0; i < 100; i++) nonces.seen('k', `n${i}`, T0 + i);
    expect(nonces.size).toBe(100);
    nonces.seen('k', 'late', T0 + 10_000);
    expect(nonces.size).toBe(1);
  });

  it('keeps nonces per key: the same nonce under another key is not a replay', () => {
    const nonces = new NonceCache();
    expect(nonces.seen('a', 'n', T0)).toBe(false);
    expect(nonces.seen('b', 'n', T0)).toBe(false);
    expect(nonces.seen('a', 'n', T0)).toBe(true);
  });

  it('does not record the nonce of a forged request, so the real one still goes through', () => {
    const nonces = new NonceCache();
    const real = sign();
    const nonce = parseAuthorization(real).nonce;
    const forged = `FXE1 key_id=key_t,ts=${T0},nonce=${nonce},sig=${b64uEncode(new Uint8Array(64).fill(9))}`;
    expect(codeOf(() => verify(forged, { nonces }))).toBe('bad_signature');
    expect(codeOf(() => verify(forged, { nonces }))).toBe('bad_signature');
    expect(codeOf(() => verify(real, { nonces }))).toBe('no error');
  });

  it('does not record the nonce of a stale request', () => {
    const nonces = new NonceCache();
    const h = sign({ nowSeconds: T0 - 1000 });
    expect(codeOf(() => verify(h, { nonces }))).toBe('auth_stale');
    expect(nonces.size).toBe(0);
  });

  const good = sign({ nonce: new Uint8Array(16) });
  const sig = good.slice(good.indexOf('sig=') + 4);
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['wrong scheme', good.replace('FXE1 ', 'Bearer ')],
    ['lowercase scheme', good.replace('FXE1', 'fxe1')],
    ['spaces after commas', good.replaceAll(',', ', ')],
    ['fields reordered', `FXE1 ts=${T0},key_id=key_t,nonce=AAAAAAAAAAAAAAAAAAAAAA,sig=${sig}`],
    ['a field missing', `FXE1 key_id=key_t,ts=${T0},sig=${sig}`],
    ['an extra field', `${good},x=1`],
    ['ts not a number', good.replace(`ts=${T0}`, 'ts=abc')],
    ['ts fractional', good.replace(`ts=${T0}`, `ts=${T0}.5`)],
    ['ts negative', good.replace(`ts=${T0}`, `ts=-${T0}`)],
    ['nonce not base64url', good.replace('nonce=AAAAAAAAAAAAAAAAAAAAAA', 'nonce=AAAA+AAAAAAAAAAAAAAAAA')],
    ['nonce too short', good.replace('nonce=AAAAAAAAAAAAAAAAAAAAAA', 'nonce=AAAA')],
    ['sig truncated', good.slice(0, -4)],
    ['sig padded', `${good}==`],
    ['key_id with a comma trick', good.replace('key_id=key_t', 'key_id=key t')],
    ['huge', `FXE1 key_id=${'k'.repeat(5000)}`],
  ])('%s header → auth_malformed', (_label, header) => {
    expect(codeOf(() => verify(header))).toBe('auth_malformed');
  });
});

describe('FXE1 verification of a streamed body (bodySha256Hex)', () => {
  const body = utf8Encode('--boundary\r\nstreamed multipart body\r\n--boundary--\r\n');
  const bodyHex = createHash('sha256').update(body).digest('hex');
  const signed = (): string => sign({ body, path: '/v1/messages?x=a+b' });
  const verifyByHash = (header: string | undefined, bodySha256Hex: string, nonces = new NonceCache(), nowSeconds = T0): { keyId: string } =>
    verifyRequest({ header, method: 'POST', path: '/v1/messages?x=a+b', bodySha256Hex, nowSeconds, publicKeyFor: keyFor, nonces });

  it('accepts the hash of the signed body, in lowercase or uppercase hex', () => {
    expect(verifyByHash(signed(), bodyHex)).toEqual({ keyId: 'key_t' });
    expect(verifyByHash(signed(), bodyHex.toUpperCase())).toEqual({ keyId: 'key_t' });
  });

  it('gives the same verdict as passing the body itself', () => {
    const header = signed();
    expect(verifyRequest({ header, method: 'POST', path: '/v1/messages?x=a+b', body, nowSeconds: T0, publicKeyFor: keyFor, nonces: new NonceCache() })).toEqual(
      verifyByHash(header, bodyHex),
    );
  });

  it('rejects the hash of any other body as bad_signature, without recording the nonce', () => {
    const nonces = new NonceCache();
    const other = createHash('sha256').update(body.subarray(1)).digest('hex');
    expect(codeOf(() => verifyByHash(signed(), other, nonces))).toBe('bad_signature');
    expect(nonces.size).toBe(0);
  });

  it('refuses a value that is not a SHA-256 in hex (a server bug) before checking the signature', () => {
    for (const bad of ['', bodyHex.slice(2), `${bodyHex}00`, `${bodyHex.slice(0, 62)}zz`, ` ${bodyHex.slice(1)}`]) {
      expect(codeOf(() => verifyByHash(signed(), bad))).toBe('malformed');
    }
  });

  it('runs the same header, skew and replay checks as for a whole body', () => {
    const nonces = new NonceCache();
    const header = signed();
    expect(verifyByHash(header, bodyHex, nonces)).toEqual({ keyId: 'key_t' });
    expect(codeOf(() => verifyByHash(header, bodyHex, nonces))).toBe('auth_replayed');
    expect(codeOf(() => verifyByHash(header, bodyHex, new NonceCache(), T0 + 301))).toBe('auth_stale');
    expect(codeOf(() => verifyByHash(header.replace('key_id=key_t', 'key_id=key_u'), bodyHex))).toBe('auth_unknown_key');
    expect(codeOf(() => verifyByHash(undefined, bodyHex))).toBe('auth_malformed');
  });
});

describe('checkRequestHeader (the early check before a streamed body is read)', () => {
  it('passes a fresh header for a known key and records nothing', () => {
    const { auth, publicKey } = checkRequestHeader({ header: sign(), nowSeconds: T0, publicKeyFor: keyFor });
    expect(auth.keyId).toBe('key_t');
    expect(publicKey).toEqual(pub);
  });

  it('refuses malformed, stale and unknown-key headers', () => {
    expect(codeOf(() => checkRequestHeader({ header: 'FXE1 nope', nowSeconds: T0, publicKeyFor: keyFor }))).toBe('auth_malformed');
    expect(codeOf(() => checkRequestHeader({ header: sign(), nowSeconds: T0 + 301, publicKeyFor: keyFor }))).toBe('auth_stale');
    expect(codeOf(() => checkRequestHeader({ header: sign(), nowSeconds: T0, publicKeyFor: () => undefined }))).toBe('auth_unknown_key');
  });
});

describe('verifyRequest needs exactly one of body and bodySha256Hex', () => {
  it('refuses both or neither (a server bug) as malformed', () => {
    const header = sign();
    const base = { header, method: 'POST', path: '/v1/messages', nowSeconds: T0, publicKeyFor: keyFor, nonces: new NonceCache() };
    const body = utf8Encode('{"a":1}');
    expect(codeOf(() => verifyRequest(base))).toBe('malformed');
    expect(codeOf(() => verifyRequest({ ...base, body, bodySha256Hex: createHash('sha256').update(body).digest('hex') }))).toBe('malformed');
    expect(verifyRequest({ ...base, body })).toEqual({ keyId: 'key_t' });
  });
});

describe('signRequest by body hash (bodySha256Hex, for a body streamed from disk)', () => {
  const body = utf8Encode('--boundary\r\na body too big to hold, in principle\r\n--boundary--\r\n');
  const bodyHex = createHash('sha256').update(body).digest('hex');
  const common = { method: 'POST', path: '/v1/messages?x=a+b', keyId: 'key_t', signingSeed: seed, nowSeconds: T0 + 0.7, nonce: new Uint8Array(16).fill(9) };

  it('gives the very header signing the body gives, for the same clock and nonce, in either hex case', () => {
    const expected = signRequest({ ...common, body });
    expect(signRequest({ ...common, bodySha256Hex: bodyHex })).toBe(expected);
    expect(signRequest({ ...common, bodySha256Hex: bodyHex.toUpperCase() })).toBe(expected);
  });

  it('verifies as a request for that body', () => {
    const header = signRequest({ method: 'POST', path: '/v1/messages', keyId: 'key_t', signingSeed: seed, nowSeconds: T0, bodySha256Hex: bodyHex });
    expect(verify(header, { body })).toEqual({ keyId: 'key_t' });
    expect(codeOf(() => verify(header, { body: body.subarray(1) }))).toBe('bad_signature');
  });

  it('refuses both or neither of body and bodySha256Hex, and a value that is not a SHA-256 in hex, as malformed', () => {
    expect(codeOf(() => signRequest(common))).toBe('malformed');
    expect(codeOf(() => signRequest({ ...common, body, bodySha256Hex: bodyHex }))).toBe('malformed');
    for (const bad of ['', bodyHex.slice(2), `${bodyHex}00`, `${bodyHex.slice(0, 62)}zz`]) {
      expect(codeOf(() => signRequest({ ...common, bodySha256Hex: bad }))).toBe('malformed');
    }
  });
});
