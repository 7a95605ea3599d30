/**
 * Numbered, forward-only schema migrations (the way Signal Desktop keeps its schema): each
 * step is its own file in migrations/, applied in order inside one transaction per step, and
 * the database's `user_version` says which steps it has. A database never skips a step, so
 * every install (and a second storage engine following the same history) ends up with the
 * same schema. A database newer than this build is refused rather than guessed at.
 */
import type Database from 'better-sqlite3';
import { DeskError } from '../errors.ts';
import { MIGRATIONS } from './migrations/index.ts';

export interface Migration {
  /** 1, 2, 3…: the user_version the database has after this step. */
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` up to `target` (default: the latest); returns the versions it applied. */
export function migrate(db: Database.Database, target = LATEST_SCHEMA_VERSION): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > LATEST_SCHEMA_VERSION) {
    throw new DeskError('storage.schema_too_new', 'This fax database was written by a newer version of fxe Desk. Please update fxe Desk to open it.', {
      detail: `database schema ${current}, this build knows up to ${LATEST_SCHEMA_VERSION}`,
    });
  }
  const applied: number[] = [];
  for (const step of MIGRATIONS) {
    if (step.version <= current || step.version > target) continue;
    db.transaction(() => {
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    })();
    applied.push(step.version);
  }
  return applied;
}
