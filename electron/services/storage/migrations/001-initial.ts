/**
 * 001: the schema of the first release (faxes with their FTS index, tags, audit log, the
 * outbox and receive queues, webhook event ids, key pins, contacts, kv). Frozen: a change is
 * a new numbered migration, never an edit here, because installs already ran this one.
 */
import type { Migration } from '../migrate.ts';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
CREATE TABLE IF NOT EXISTS faxes (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('in','out')),
  route TEXT NOT NULL CHECK (route IN ('fxe','pstn')),
  peer_number TEXT NOT NULL,
  peer_name TEXT,
  file_name TEXT NOT NULL,
  pages INTEGER,
  size_bytes INTEGER NOT NULL,
  at INTEGER NOT NULL,
  read INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  deleted_at INTEGER,
  undo_token TEXT,
  state TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '',
  sender_org_id TEXT,
  recipient_org_id TEXT,
  from_number TEXT NOT NULL,
  to_number TEXT NOT NULL,
  ciphertext_sha256 TEXT,
  metadata_json TEXT,
  failure_json TEXT,
  receipt_json TEXT,
  pstn_json TEXT,
  progress REAL,
  blob_id TEXT,
  blob_key BLOB,
  folder TEXT GENERATED ALWAYS AS (
    CASE WHEN archived = 1 THEN 'archive'
         WHEN direction = 'in' THEN 'inbox'
         WHEN state IN ('sent','delivered') THEN 'sent'
         ELSE 'outbox' END) VIRTUAL
);
CREATE INDEX IF NOT EXISTS faxes_by_folder ON faxes (folder, at DESC) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS faxes_by_org_folder ON faxes (org_id, folder, at DESC) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS faxes_unread ON faxes (direction, read) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS faxes_deleted ON faxes (deleted_at) WHERE deleted_at IS NOT NULL;

-- Trigram tokens so a search for "5551" or "ndrew" finds numbers and names mid-word.
CREATE VIRTUAL TABLE IF NOT EXISTS faxes_fts USING fts5(
  peer_number, peer_name, file_name, note, tags,
  content='faxes', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS faxes_fts_ins AFTER INSERT ON faxes BEGIN
  INSERT INTO faxes_fts(rowid, peer_number, peer_name, file_name, note, tags)
  VALUES (new.rowid, new.peer_number, coalesce(new.peer_name,''), new.file_name, new.note, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS faxes_fts_del AFTER DELETE ON faxes BEGIN
  INSERT INTO faxes_fts(faxes_fts, rowid, peer_number, peer_name, file_name, note, tags)
  VALUES ('delete', old.rowid, old.peer_number, coalesce(old.peer_name,''), old.file_name, old.note, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS faxes_fts_upd AFTER UPDATE OF peer_number, peer_name, file_name, note, tags ON faxes BEGIN
  INSERT INTO faxes_fts(faxes_fts, rowid, peer_number, peer_name, file_name, note, tags)
  VALUES ('delete', old.rowid, old.peer_number, coalesce(old.peer_name,''), old.file_name, old.note, old.tags);
  INSERT INTO faxes_fts(rowid, peer_number, peer_name, file_name, note, tags)
  VALUES (new.rowid, new.peer_number, coalesce(new.peer_name,''), new.file_name, new.note, new.tags);
END;

CREATE TABLE IF NOT EXISTS fax_tags (
  fax_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (fax_id, tag)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fax_tags_by_tag ON fax_tags (tag, fax_id);

CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  org_id TEXT,
  action TEXT NOT NULL,
  fax_id TEXT,
  detail TEXT NOT NULL DEFAULT '');

-- The outbox queue: one row per outgoing fxe fax until it is delivered or failed for good.
CREATE TABLE IF NOT EXISTS outbox_jobs (
  fax_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  recipient_org_id TEXT,
  envelope_json TEXT,
  ciphertext_file TEXT,
  held_json TEXT,
  from_name TEXT,
  done INTEGER NOT NULL DEFAULT 0);

-- The receiver's per-message state machine: 'stored' (fax committed, receipt owed),
-- 'receipted' (done), 'rejected' (failed verification, never stored as a fax).
CREATE TABLE IF NOT EXISTS receive_jobs (
  org_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  state TEXT NOT NULL,
  fax_id TEXT,
  receipt_json TEXT,
  sender_org_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, message_id)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS webhook_events (
  event_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL) WITHOUT ROWID;

-- Trust on first use: the keys we saw for each recipient org.
CREATE TABLE IF NOT EXISTS key_pins (
  peer_org_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  bundle_fingerprints TEXT NOT NULL,
  pending_fingerprint TEXT,
  first_seen_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS contacts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  organisation TEXT NOT NULL DEFAULT '',
  fax_number TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contacts_by_number ON contacts (fax_number);

CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`);
  },
};
