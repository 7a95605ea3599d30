/**
 * Pages the user turned in the viewer, per fax, remembered across restarts (table
 * page_rotations, migration 005). The fax's stored document is never touched: the viewer
 * draws the pages turned, and Print and Save produce a turned copy (../compose/rotate.ts).
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
