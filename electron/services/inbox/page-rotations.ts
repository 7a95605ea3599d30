/**
 * Pages the user turned in the viewer, per fax, remembered across restarts (table
 * page_rotations, migration 005). The fax's stored document is never touched: the viewer
 * draws the pages turned, and Print and Save produce a turned copy (../compose/rotate.ts).
 * In an office the turns are the office's (office/office-page-turns.ts): the same on every desk.
 */
import type { FaxId } from '../../../shared/domain/ids.ts';
import type Database from 'better-sqlite3';
import type { PageRotation } from '../../../shared/ipc/contract.ts';

export function readPageRotations(db: Database.Database, faxId: FaxId): PageRotation[] {
  return db.prepare('SELECT page, degrees FROM page_rotations WHERE fax_id = ? ORDER BY page').all(faxId) as PageRotation[];
}

/** 0 puts the page back upright (and forgets it). */
export function setPageRotation(db: Database.Database, faxId: FaxId, page: number, degrees: 0 | 90 | 180 | 270): void {
  if (degrees === 0) db.prepare('DELETE FROM page_rotations WHERE fax_id = ? AND page = ?').run(faxId, page);
  else db.prepare('INSERT INTO page_rotations (fax_id, page, degrees) VALUES (?, ?, ?) ON CONFLICT (fax_id, page) DO UPDATE SET degrees = excluded.degrees').run(faxId, page, degrees);
}

/** Where page turns are kept: this desk's SQLite, or in an office the office's database. */
export interface PageTurns {
  read(faxId: FaxId): Promise<PageRotation[]>;
  /** Throws `fax.not_found` for a fax that is not there. 0 puts the page back upright. */
  set(faxId: FaxId, page: number, degrees: 0 | 90 | 180 | 270): Promise<void>;
}

/** A desk's own page turns; `assertFax` gives the plain "not found" for a fax that is not here. */
export function sqlitePageTurns(db: Database.Database, assertFax: (id: FaxId) => void): PageTurns {
  return {
    read: (faxId) => Promise.resolve(readPageRotations(db, faxId)),
    // async: a refusal is a rejected promise, as from the office's engine.
    async set(faxId, page, degrees) {
      assertFax(faxId);
      setPageRotation(db, faxId, page, degrees);
    },
  };
}
