/**
 * 009: the sidebar's counts without counting. The Inbox badge (unread faxes) and the Fax lines
 * (unread faxes per number they came in on) were a scan of every incoming fax at each change:
 * 50–250 ms at 100,000 faxes. One small table keeps them instead, per organisation and number:
 *
 *   faxes    incoming faxes not in the Trash (a row exists while this is above 0, so a number
 *            stays listed for as long as a fax that came in on it is kept)
 *   unread   of those, the ones unread and not archived
 *
 * Triggers keep it in the same transaction as every write to `faxes`: a fax's old share is
 * taken out and its new share put in, so any change (read, archived, Trash, restore, purge,
 * even a changed number) is counted whichever code path made it. The table is filled here
 * from the rows already there. A later step that rebuilds `faxes` must create these triggers
 * again and refill the table.
 */
import type { Migration } from '../migrate.ts';

/** One fax's share of the counts: counted at all, and counted as unread. */
const SHARE = {
  counted: (r: 'new' | 'old') => `${r}.direction = 'in' AND ${r}.deleted_at IS NULL`,
  unread: (r: 'new' | 'old') => `(${r}.read = 0 AND ${r}.archived = 0)`,
};

export const inboxLineCounts: Migration = {
  version: 9,
  name: 'inbox-line-counts',
  up(db) {
    db.exec(`
CREATE TABLE inbox_line_counts (
  org_id TEXT NOT NULL,
  to_number TEXT NOT NULL,
  faxes INTEGER NOT NULL,
  unread INTEGER NOT NULL,
  PRIMARY KEY (org_id, to_number)
) WITHOUT ROWID;

INSERT INTO inbox_line_counts (org_id, to_number, faxes, unread)
  SELECT org_id, to_number, count(*), sum(read = 0 AND archived = 0) FROM faxes
  WHERE direction = 'in' AND deleted_at IS NULL GROUP BY org_id, to_number;

CREATE TRIGGER faxes_line_counts_ins AFTER INSERT ON faxes WHEN ${SHARE.counted('new')} BEGIN
  INSERT INTO inbox_line_counts (org_id, to_number, faxes, unread) VALUES (new.org_id, new.to_number, 1, ${SHARE.unread('new')})
    ON CONFLICT (org_id, to_number) DO UPDATE SET faxes = faxes + 1, unread = unread + excluded.unread;
END;

-- The last fax of a number takes its row with it; otherwise the counts go down by its share.
CREATE TRIGGER faxes_line_counts_del AFTER DELETE ON faxes WHEN ${SHARE.counted('old')} BEGIN
  DELETE FROM inbox_line_counts WHERE org_id = old.org_id AND to_number = old.to_number AND faxes <= 1;
  UPDATE inbox_line_counts SET unread = unread - ${SHARE.unread('old')}, faxes = faxes - 1
    WHERE org_id = old.org_id AND to_number = old.to_number;
END;

-- Only when a column the counts depend on is written; old share out, new share in.
CREATE TRIGGER faxes_line_counts_upd AFTER UPDATE OF org_id, direction, to_number, read, archived, deleted_at ON faxes BEGIN
  DELETE FROM inbox_line_counts
    WHERE ${SHARE.counted('old')} AND org_id = old.org_id AND to_number = old.to_number AND faxes <= 1;
  UPDATE inbox_line_counts SET unread = unread - ${SHARE.unread('old')}, faxes = faxes - 1
    WHERE ${SHARE.counted('old')} AND org_id = old.org_id AND to_number = old.to_number;
  INSERT INTO inbox_line_counts (org_id, to_number, faxes, unread)
    SELECT new.org_id, new.to_number, 1, ${SHARE.unread('new')} WHERE ${SHARE.counted('new')}
    ON CONFLICT (org_id, to_number) DO UPDATE SET faxes = faxes + 1, unread = unread + excluded.unread;
END;
`);
  },
};
