/**
 * The office database connection, from a PostgreSQL URL such as
 *   postgres://desk:secret@db.office.lan:5432/fxe?sslmode=verify-full
 * TLS: `sslmode` in the URL (disable, require, verify-ca, verify-full; `sslrootcert=<file>`),
 * or a CA certificate (PEM) passed in, which then verifies the server against it.
 *
 * The URL's password is a secret: the desk keeps the URL in its vault, and nothing here ever
 * logs or reports it (redactUrl() is what goes into logs and error details).
 */
import pg from 'pg';
import { DeskError, errorDetail } from '../../errors.ts';

export interface OfficeDbOptions {
  url: string;
  /** A CA certificate (PEM) to verify the server with, instead of the system's. */
  caPem?: string | null;
  /** Shown in pg_stat_activity: which desk holds a connection. */
  applicationName?: string;
  /**
   * Pool size (default 10: the UI, the outbox, the receiver's lease and the faxes it receives
   * at once, each of which holds one connection at a time, so the UI never waits behind them).
   */
  max?: number;
  /** How long a connection attempt may take (default 5 s). */
  connectTimeoutMs?: number;
  /** A query that takes longer fails (default 30 s), so a cut network surfaces as an error. */
  queryTimeoutMs?: number;
  log?: (line: string) => void;
}

/** The URL with its password replaced: safe for logs, error details and the UI. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of ['password', 'sslpassword', 'sslkey']) if (u.searchParams.has(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return 'an unreadable database address';
  }
}

/** Checks the address before any connection, with a sentence an office's IT can act on. */
export function parseOfficeUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DeskError('office.url_invalid', 'That is not a database address. It looks like postgres://user:password@server:5432/database.', { detail: 'unparseable URL' });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new DeskError('office.url_invalid', 'The database address must start with postgres:// (a PostgreSQL server).', { detail: `scheme ${u.protocol}` });
  }
  if (!u.hostname && !u.searchParams.get('host')) throw new DeskError('office.url_invalid', 'The database address has no server name.', { detail: redactUrl(url) });
  if (!u.pathname || u.pathname === '/') throw new DeskError('office.url_invalid', 'The database address has no database name (…:5432/fxe).', { detail: redactUrl(url) });
  return u;
}

export function clientConfig(o: OfficeDbOptions): pg.ClientConfig {
  parseOfficeUrl(o.url);
  const cfg: pg.ClientConfig = {
    connectionString: o.url,
    application_name: o.applicationName ?? 'fxe-desk',
    // Every office table lives in the fxe schema; pg_trgm's operators in public.
    options: '-c search_path=fxe,public',
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5_000,
    query_timeout: o.queryTimeoutMs ?? 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
  };
  if (o.caPem) cfg.ssl = { ca: o.caPem, rejectUnauthorized: true };
  return cfg;
}

export function openOfficePool(o: OfficeDbOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(o), max: o.max ?? 10, idleTimeoutMillis: 30_000 });
  // An idle connection the server dropped (a restart, a cut network) must not crash the
  // process: the pool discards it, and the next query opens a fresh one.
  pool.on('error', (e) => o.log?.(`office database: idle connection lost: ${errorDetail(e)}`));
  return pool;
}

/** A single connection outside the pool (the change listener, the leader's session). */
export function openOfficeClient(o: OfficeDbOptions): pg.Client {
  return new pg.Client(clientConfig(o));
}

/** Any error from the database, as a DeskError a person can read; never carries the URL. */
export function officeDbError(e: unknown, what: string): DeskError {
  if (e instanceof DeskError) return e;
  const code = (e as { code?: string }).code ?? '';
  const detail = `${what}: ${errorDetail(e)}`.replace(/postgres(ql)?:\/\/[^\s]+/g, (m) => redactUrl(m));
  if (code === '28P01' || code === '28000') {
    return new DeskError('office.auth_failed', 'The office database refused the user name or password. Check them with whoever runs the database server.', { detail });
  }
  if (code === '3D000') return new DeskError('office.no_database', 'The office database does not exist on that server. Check the database name in the address.', { detail });
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '57P01', '57P03', '08006', '08001'].includes(code) || /timeout|terminat|Connection/i.test(errorDetail(e))) {
    return new DeskError('office.unreachable', 'The office database cannot be reached right now. What is on screen stays; fxe Desk reconnects by itself.', { detail, retryable: true, cause: e });
  }
  return new DeskError('office.db_error', 'The office database reported an error.', { detail, retryable: true, cause: e });
}
