/**
 * The one SQLite database of an install (better-sqlite3, WAL). Metadata only: PDF bodies
 * live encrypted in the blob store, secrets in the vault. `synchronous = FULL` because a
 * committed "stored" row is the promise we make before sending a delivery receipt. The schema
 * is the sum of the numbered migrations in storage/migrations/.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from './migrate.ts';

export type Db = Database.Database;

export function openDatabase(dataDir: string, fileName = 'desk.sqlite'): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * Runs `write` as a commit that is not flushed to disk by itself (`synchronous = NORMAL` for
 * it alone): for what only the screen needs ("encrypting", "uploading", upload progress),
 * which a crash may lose without harm since the job restarts from its last durable step. The
 * next ordinary (FULL) commit flushes the WAL, these frames with it. About 1-10 ms less per
 * write on the send path. Inside a transaction it simply joins it.
 */
export function relaxedCommit<T>(db: Db, write: () => T): T {
  if (db.inTransaction) return write();
  db.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

export function kvGet(db: Db, key: string): string | null {
  const row = db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? row.value : null;
}

export function kvSet(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
