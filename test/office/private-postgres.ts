/**
 * A private PostgreSQL server for tests: Debian's binaries (/usr/lib/postgresql/<n>/bin), a
 * fresh cluster in a temporary folder, listening on a free 127.0.0.1 port and on a unix socket
 * in that folder, never a system service. `initdb` refuses to run as root, so as root the
 * folder is handed to the package's `postgres` user and every server command runs through
 * `runuser -u postgres --`; as any other user they run directly.
 *
 * fsync is off: a test server's data dies with the test anyway, and start-up plus the many
 * small commits of the fault tests get several times faster. Never a setting for an office.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  /** postgres://fxe:…@127.0.0.1:<port>/office: a role that owns its database (not a superuser). */
  readonly url: string;
  /** The superuser's URL (the trust-authenticated local account), for checks the test makes. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dir: string;
  /** Stop the server, keeping its data (fast shutdown: sessions are cut, like a restart). */
  stop(): void;
  start(): void;
  restart(): void;
  /** Stop it and remove every file. */
  destroy(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error('PostgreSQL is not installed: apt-get install postgresql (see .ci/run); the office tests need its initdb and pg_ctl');
}

function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error('running as root but there is no postgres user to run initdb as (apt-get install postgresql)');
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startPrivatePostgres(opts: { password?: string } = {}): Promise<PrivatePostgres> {
  const bin = binDir();
  const owner = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'fxe-pg-'));
  const data = join(dir, 'data');
  const run = (tool: string, args: string[], input?: string): string => {
    const full = join(bin, tool);
    const [cmd, argv] = owner ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
    try {
      return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}), cwd: dir });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${tool} failed: ${err.stderr ?? ''}${err.stdout ?? ''}${err.message}`);
    }
  };
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const port = await freePort();
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}`;
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  writeFileSync(join(data, 'postgresql.auto.conf'), [
    `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`,
    'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 200',
    "shared_buffers = '128MB'", 'logging_collector = off',
  ].join('\n') + '\n');
  // Password authentication over TCP for the office role, as an office's server would have.
  writeFileSync(join(data, 'pg_hba.conf'), [
    'local all all trust',
    'host all postgres 127.0.0.1/32 trust',
    'host all all 127.0.0.1/32 scram-sha-256',
  ].join('\n') + '\n');
  if (owner) for (const f of ['postgresql.auto.conf', 'pg_hba.conf']) chownSync(join(data, f), owner.uid, owner.gid);
  const logFile = join(dir, 'server.log');
  const start = (): void => { run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', 'start']); };
  const stop = (): void => { run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']); };
  start();
  const psql = (sql: string): void => { run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q'], sql); };
  psql(`CREATE ROLE fxe LOGIN PASSWORD '${password}'; CREATE DATABASE office OWNER fxe;`);
  let destroyed = false;
  return {
    url: `postgres://fxe:${encodeURIComponent(password)}@127.0.0.1:${port}/office`,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/office`,
    port, dir,
    stop, start,
    restart: () => { stop(); start(); },
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      try { stop(); } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
