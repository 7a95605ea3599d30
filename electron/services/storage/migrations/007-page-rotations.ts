/**
 * 007: how the user turned single pages of a fax in the viewer (a scan that came in
 * sideways). Only the view, print and save honour it: the stored fax is never rewritten. A
 * fax removed for good takes its rotations with it.
 */
import type { Migration } from '../migrate.ts';

export const pageRotations: Migration = {
  version: 7,
  name: 'page-rotations',
  up(db) {
    db.exec(`
CREATE TABLE page_rotations (
  fax_id TEXT NOT NULL REFERENCES faxes(id) ON DELETE CASCADE,
  page INTEGER NOT NULL CHECK (page >= 1),
  degrees INTEGER NOT NULL CHECK (degrees IN (90, 180, 270)),
  PRIMARY KEY (fax_id, page)
) WITHOUT ROWID;
`);
  },
};
