/**
 * The office database's numbered, forward-only migrations: the same discipline as the desk's
 * SQLite schema (../migrate.ts), one file per step in migrations/, each applied in its own
 * transaction and recorded in fxe.schema_migrations.
 *
 * Several desks may open a brand-new office at the same moment: every run holds one
 * session-level advisory lock from reading the version to the last step, so exactly one desk
 * creates the schema and the others wait, then find it done. An office database newer than
 * this build is refused (an older desk must not write into a schema it does not know).
 */
import type pg from 'pg';
import { DeskError, errorDetail } from '../../errors.ts';
import { PG_MIGRATIONS } from './migrations/index.ts';

export interface PgMigration {
  /** 1, 2, 3…: the version the office database has after this step. */
  readonly version: number;
  readonly name: string;
  up(client: pg.ClientBase): Promise<void>;
}

export const LATEST_OFFICE_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** The advisory lock key every desk's migration run takes (any fixed 64-bit number). */
export const MIGRATION_LOCK_KEY = 0x66_78_65_5f_6d_69_67n; // "fxe_mig"

export async function officeSchemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('fxe.schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM fxe.schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/** Brings the office database up to `target` (default: the latest); returns the versions applied. */
export async function migrateOffice(client: pg.ClientBase, target = LATEST_OFFICE_SCHEMA_VERSION): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  try {
    const current = await officeSchemaVersion(client);
    if (current > LATEST_OFFICE_SCHEMA_VERSION) {
      throw new DeskError('office.schema_too_new', 'This office database was set up by a newer version of fxe Desk. Please update fxe Desk on this computer to join it.', {
        detail: `office schema ${current}, this build knows up to ${LATEST_OFFICE_SCHEMA_VERSION}`,
      });
    }
    const applied: number[] = [];
    for (const step of PG_MIGRATIONS) {
      if (step.version <= current || step.version > target) continue;
      await client.query('BEGIN');
      try {
        await step.up(client);
        await client.query('INSERT INTO fxe.schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [step.version, step.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (e instanceof DeskError) throw e;
        throw new DeskError('office.migration_failed', 'fxe Desk could not prepare the office database. Ask whoever runs the database server to check that the account may create tables and the pg_trgm extension.', {
          detail: `step ${step.version} (${step.name}): ${errorDetail(e)}`, cause: e,
        });
      }
      applied.push(step.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
  }
}
