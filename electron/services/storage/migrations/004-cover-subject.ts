/**
 * 004: the cover page's subject, shown in the fax lists and searchable. The full-text index
 * gains the column, so it is recreated and rebuilt from the rows.
 */
import type { Migration } from '../migrate.ts';

export const coverSubject: Migration = {
  version: 4,
  name: 'cover-subject',
  up(db) {
    db.exec(`
ALTER TABLE faxes ADD COLUMN subject TEXT;
DROP TRIGGER IF EXISTS faxes_fts_ins;
DROP TRIGGER IF EXISTS faxes_fts_del;
DROP TRIGGER IF EXISTS faxes_fts_upd;
DROP TABLE IF EXISTS faxes_fts;
CREATE VIRTUAL TABLE faxes_fts USING fts5(
  peer_number, peer_name, file_name, note, tags, subject,
  content='faxes', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER faxes_fts_ins AFTER INSERT ON faxes BEGIN
  INSERT INTO faxes_fts(rowid, peer_number, peer_name, file_name, note, tags, subject)
  VALUES (new.rowid, new.peer_number, coalesce(new.peer_name,''), new.file_name, new.note, new.tags, coalesce(new.subject,''));
END;
CREATE TRIGGER faxes_fts_del AFTER DELETE ON faxes BEGIN
  INSERT INTO faxes_fts(faxes_fts, rowid, peer_number, peer_name, file_name, note, tags, subject)
  VALUES ('delete', old.rowid, old.peer_number, coalesce(old.peer_name,''), old.file_name, old.note, old.tags, coalesce(old.subject,''));
END;
CREATE TRIGGER faxes_fts_upd AFTER UPDATE OF peer_number, peer_name, file_name, note, tags, subject ON faxes BEGIN
  INSERT INTO faxes_fts(faxes_fts, rowid, peer_number, peer_name, file_name, note, tags, subject)
  VALUES ('delete', old.rowid, old.peer_number, coalesce(old.peer_name,''), old.file_name, old.note, old.tags, coalesce(old.subject,''));
  INSERT INTO faxes_fts(rowid, peer_number, peer_name, file_name, note, tags, subject)
  VALUES (new.rowid, new.peer_number, coalesce(new.peer_name,''), new.file_name, new.note, new.tags, coalesce(new.subject,''));
END;
INSERT INTO faxes_fts(faxes_fts) VALUES ('rebuild');
`);
  },
};
