/**
 * Why the office database could not be reached or opened, in a sentence for the person at the
 * desk. The storage layer's officeDbError() names a wrong password, a missing database and an
 * unreachable server; what it cannot tell apart is an encryption (TLS) failure, which needs
 * different help (the certificate or the sslmode, from the office's IT). The detail names
 * the server, never the password.
 */
import { DeskError } from '../errors.ts';
import { officeDbError, redactUrl } from '../storage/postgres/connection.ts';

/** Node's and OpenSSL's certificate and handshake error codes. */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_OSSL|HOSTNAME_MISMATCH)/;
const TLS_TEXT = /does not support SSL|SSL (is )?(off|required)|no encryption|certificate|self[- ]signed|ssl3_|tls|alert handshake|wrong version number/i;

function codeOf(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : '';
}

export const TLS_MESSAGE = 'fxe Desk could not set up an encrypted connection to the office database: its certificate was not trusted, or the server and the address disagree about encryption (sslmode). Ask your IT.';

export function officeError(e: unknown, server: string): DeskError {
  const base = e instanceof DeskError ? e : officeDbError(e, server);
  const cause = e instanceof DeskError ? (e.cause ?? e) : e;
  const text = `${base.detail ?? ''} ${cause instanceof Error ? cause.message : ''}`;
  const connecting = base.code === 'office.unreachable' || base.code === 'office.db_error' || base.code === 'office.auth_failed';
  if (connecting && (TLS_CODES.test(codeOf(cause)) || TLS_TEXT.test(text))) {
    return new DeskError('office.tls', TLS_MESSAGE, { detail: `${server}: ${(base.detail ?? '').replace(/postgres(ql)?:\/\/\S+/g, (m) => redactUrl(m))}` });
  }
  return base;
}
