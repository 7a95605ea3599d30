/**
 * FXE1 request authentication for the relay, on top of shared/protocol. Two paths share one
 * nonce memory:
 *  - JSON requests have their (small) body in hand: shared/protocol verifyRequest;
 *  - uploads stream up to 100 MiB and only keep the body's SHA-256: the header alone is
 *    checked before the body is read (checkRequestHeader: reject early and stop reading),
 *    then verifyRequest runs on the body's hash (bodySha256Hex) once it is all in.
 * Accepted nonces are also written to the database, so a replay is refused after a restart.
 */
import { b64uDecode, checkRequestHeader, isProtocolError, nobleBackend, NonceCache, parseAuthorization, verifyRequest, type CryptoBackend, type RequestBodyProof } from '../../shared/protocol/index.ts';
import { nativeAsymmetric } from '../services/crypto/native-asymmetric.ts';
import { AUTH_MAX_SKEW_SECONDS, AUTH_NONCE_WINDOW_SECONDS } from '../../shared/fxe-api/index.ts';
import { RelayHttpError } from './http-util.ts';
import type { OrgRow, RelayStore } from './store.ts';

export class RelayAuth {
  private readonly store: RelayStore;
  private readonly now: () => number;
  private readonly nonces = new NonceCache(AUTH_NONCE_WINDOW_SECONDS);
  /**
   * Every request's signature is checked with node:crypto's Ed25519 (probed once against
   * noble's answers; noble where it is missing): noble took ~2-4 ms a request, ten requests
   * a fax. The envelope, receipt and bundle checks use it too (`crypto`): noble's first
   * verify in a process also built its tables (~0.2 s of a fresh relay's first receipt).
   */
  private readonly verifier: CryptoBackend;

  /** The relay's crypto for signature checks: noble, with node:crypto's Ed25519 where it works. */
  get crypto(): CryptoBackend {
    return this.verifier;
  }

  constructor(store: RelayStore, now: () => number) {
    this.store = store;
    this.now = now;
    const native = nativeAsymmetric();
    this.verifier = native.ed25519Verify ? { ...nobleBackend, name: 'noble+node-ed25519', ed25519Verify: native.ed25519Verify } : nobleBackend;
    // Refill the in-memory window from the database (oldest first: the cache prunes in order).
    const since = now() - AUTH_NONCE_WINDOW_SECONDS;
    const rows = store.recentNonces(since).sort((a, b) => a.seen_at - b.seen_at);
    for (const row of rows) this.nonces.seen(row.key_id, row.nonce, row.seen_at);
    store.pruneNonces(since);
  }

  /** A JSON request with its whole body. Returns the calling org. */
  verify(p: { header: string | undefined; method: string; target: string; body: Uint8Array }): OrgRow {
    if (p.header === undefined) throw new RelayHttpError('auth_missing');
    return this.verifyAndRecord(p.header, p.method, p.target, { body: p.body });
  }

  /**
   * Upload, step 1 (before reading the body): parse, skew and key, so a bad request is refused
   * before 100 MiB are read. Nothing is recorded; step 2 repeats these checks.
   */
  precheck(header: string | undefined): { header: string } {
    if (header === undefined) throw new RelayHttpError('auth_missing');
    try {
      checkRequestHeader({ header, nowSeconds: this.now(), publicKeyFor: (id) => this.signingKeyOf(id), maxSkewSeconds: AUTH_MAX_SKEW_SECONDS });
    } catch (e) {
      throw toHttpError(e);
    }
    return { header };
  }

  /**
   * Upload, step 2 (after the whole body): the same verifyRequest as JSON requests, given the
   * streamed body's hash instead of the body. The skew is checked again at completion, and
   * the nonce is recorded only now that the request is proven authentic.
   */
  verifyStreamed(p: { pre: ReturnType<RelayAuth['precheck']>; method: string; target: string; bodySha256Hex: string }): OrgRow {
    return this.verifyAndRecord(p.pre.header, p.method, p.target, { bodySha256Hex: p.bodySha256Hex });
  }

  /** Both paths' verdict: shared/protocol verifyRequest, then the nonce goes to the database too. */
  private verifyAndRecord(header: string, method: string, target: string, body: RequestBodyProof): OrgRow {
    const nowSeconds = this.now();
    let keyId: string;
    try {
      ({ keyId } = verifyRequest({
        ...body,
        header,
        method,
        path: target,
        nowSeconds,
        publicKeyFor: (id) => this.signingKeyOf(id),
        nonces: this.nonces,
        maxSkewSeconds: AUTH_MAX_SKEW_SECONDS,
        backend: this.verifier,
      }));
    } catch (e) {
      throw toHttpError(e);
    }
    return this.accepted(keyId, header, nowSeconds);
  }

  private accepted(keyId: string, header: string, nowSeconds: number): OrgRow {
    const org = this.store.orgByKeyId(keyId);
    if (!org) throw new RelayHttpError('auth_unknown_key');
    this.store.recordNonce(keyId, parseAuthorization(header).nonce, nowSeconds);
    return org;
  }

  private signingKeyOf(keyId: string): Uint8Array | undefined {
    const org = this.store.orgByKeyId(keyId);
    return org ? decodeKey(org.signing_pub) : undefined;
  }
}

function decodeKey(b64u: string): Uint8Array | undefined {
  try {
    return b64uDecode(b64u);
  } catch {
    return undefined;
  }
}

const AUTH_CODES = ['auth_malformed', 'auth_stale', 'auth_unknown_key', 'bad_signature', 'auth_replayed'] as const;

function toHttpError(e: unknown): RelayHttpError {
  if (isProtocolError(e)) {
    for (const code of AUTH_CODES) if (e.code === code) return new RelayHttpError(code, { detail: e.message });
    return new RelayHttpError('auth_malformed', { detail: e.message });
  }
  throw e;
}
