/**
 * 001: the office schema of the first release, everything in the `fxe` schema.
 * Frozen once released: a change is a new numbered step, never an edit here.
 *
 * What lives here is metadata and ciphertext only. Fax bodies are blobs encrypted under
 * per-fax keys, which are wrapped under the office key, which is wrapped under a key derived
 * from the org's keys.zip (services/office/office-crypto.ts): the database never sees a key it
 * could open them with. docs/security.md lists what the metadata tells an operator.
 *
 * The change feed: every write to a shared table adds a row to `changes` (kind, key, op) and
 * NOTIFYs `fxe_changes` with its seq, so desks see each change within a second and a desk
 * that was away catches up with `seq > last seen`. Writers take one transaction-scoped
 * advisory lock before drawing a seq, so seqs become visible in the order they were drawn: a
 * reader that saw seq N can never later find a committed N-1 it skipped. Office writes are
 * human-paced (and one receiver), so serialising them costs nothing anyone notices.
 */
import type { PgMigration } from '../migrate.ts';

export const officeInitial: PgMigration = {
  version: 1,
  name: 'office',
  async up(c) {
    await c.query(`
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS fxe;

CREATE TABLE fxe.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL);

-- The one office in this database: which org (keys.zip) it belongs to.
CREATE TABLE fxe.office (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  office_id uuid NOT NULL,
  org_id text NOT NULL,
  name text NOT NULL DEFAULT '',
  created_at bigint NOT NULL);

-- Office data keys (random, 32 bytes) and their wraps: one per key-encryption key, a KEK
-- being derived from an org's long-term secret in keys.zip (kek_id names it without
-- revealing it). A new key each rotation; retired keys still open older faxes.
CREATE TABLE fxe.office_keys (
  key_id text PRIMARY KEY,
  created_at bigint NOT NULL,
  retired_at bigint);
CREATE TABLE fxe.office_key_wraps (
  key_id text NOT NULL REFERENCES fxe.office_keys (key_id),
  kek_id text NOT NULL,
  wrapped bytea NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (key_id, kek_id));

-- The change feed (see the header).
CREATE TABLE fxe.changes (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  key text,
  op text NOT NULL);
CREATE SEQUENCE fxe.change_seq;
CREATE INDEX changes_by_at ON fxe.changes (at);

CREATE FUNCTION fxe.record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
  s bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
  PERFORM pg_advisory_xact_lock(7366200273646914883);
  s := nextval('fxe.change_seq');
  INSERT INTO fxe.changes (seq, kind, key, op) VALUES (s, TG_TABLE_NAME, r ->> TG_ARGV[0], lower(TG_OP));
  PERFORM pg_notify('fxe_changes', s::text);
  RETURN NULL;
END $$;

-- Desks that joined: a name for the audit log and the person working there.
CREATE TABLE fxe.desks (
  id text PRIMARY KEY,
  name text NOT NULL,
  person text NOT NULL DEFAULT '',
  joined_at bigint NOT NULL,
  last_seen bigint NOT NULL,
  left_at bigint);

-- Encrypted bodies: one key per blob (wrapped under an office key, the blob id as associated
-- data), the body in chunks of AEAD ciphertext so a 100 MB fax never sits in one value.
CREATE TABLE fxe.blobs (
  id text PRIMARY KEY,
  office_key_id text NOT NULL REFERENCES fxe.office_keys (key_id),
  wrapped_key bytea NOT NULL,
  size_bytes bigint NOT NULL,
  chunk_count integer NOT NULL,
  created_at bigint NOT NULL);
CREATE TABLE fxe.blob_chunks (
  blob_id text NOT NULL REFERENCES fxe.blobs (id) ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (blob_id, n));

CREATE TABLE fxe.faxes (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('in','out')),
  route text NOT NULL CHECK (route IN ('fxe','pstn')),
  -- The relay's message id: one fax per message and direction, whichever desk received or
  -- sent it (a fax to the org's own number is one 'out' and one 'in' row).
  message_id text,
  peer_number text NOT NULL,
  peer_name text,
  file_name text NOT NULL,
  subject text,
  pages integer,
  size_bytes bigint NOT NULL,
  at bigint NOT NULL,
  state text NOT NULL,
  archived boolean NOT NULL DEFAULT false,
  deleted_at bigint,
  deleted_by text,
  note text NOT NULL DEFAULT '',
  tags text[] NOT NULL DEFAULT '{}',
  sender_org_id text,
  recipient_org_id text,
  from_number text NOT NULL,
  to_number text NOT NULL,
  ciphertext_sha256 text,
  metadata_json text,
  failure_json text,
  receipt_json text,
  progress real,
  blob_id text REFERENCES fxe.blobs (id),
  -- "Handled by": the person a fax is assigned to, and who assigned it from which desk.
  assigned_to text,
  assigned_by text,
  assigned_at bigint,
  created_by_desk text,
  updated_at bigint NOT NULL,
  folder text GENERATED ALWAYS AS (
    CASE WHEN archived THEN 'archive'
         WHEN direction = 'in' THEN 'inbox'
         WHEN state IN ('sent','delivered') THEN 'sent'
         ELSE 'outbox' END) STORED,
  -- What search looks in (sender, number, file name, subject, note), for one trigram index.
  search text GENERATED ALWAYS AS (
    lower(peer_number || ' ' || coalesce(peer_name, '') || ' ' || file_name || ' ' || coalesce(subject, '') || ' ' || note)) STORED,
  UNIQUE (direction, message_id));
CREATE INDEX faxes_by_folder ON fxe.faxes (folder, at DESC, id) WHERE deleted_at IS NULL;
CREATE INDEX faxes_deleted ON fxe.faxes (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX faxes_search_trgm ON fxe.faxes USING gin (search gin_trgm_ops);
CREATE INDEX faxes_tags ON fxe.faxes USING gin (tags);
CREATE INDEX faxes_assigned ON fxe.faxes (assigned_to, at DESC) WHERE assigned_to IS NOT NULL AND deleted_at IS NULL;
CREATE TRIGGER faxes_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.faxes FOR EACH ROW EXECUTE FUNCTION fxe.record_change('id');

-- Read state per person (who read which fax, when, at which desk).
CREATE TABLE fxe.fax_reads (
  fax_id text NOT NULL REFERENCES fxe.faxes (id) ON DELETE CASCADE,
  person text NOT NULL,
  desk_id text,
  read_at bigint NOT NULL,
  PRIMARY KEY (fax_id, person));
CREATE INDEX fax_reads_by_person ON fxe.fax_reads (person);
CREATE TRIGGER fax_reads_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.fax_reads FOR EACH ROW EXECUTE FUNCTION fxe.record_change('fax_id');

-- One audit trail for the office: which desk and person did what to which fax, when.
CREATE TABLE fxe.audit_log (
  seq bigserial PRIMARY KEY,
  at bigint NOT NULL,
  desk_id text,
  person text,
  org_id text,
  action text NOT NULL,
  fax_id text,
  detail text NOT NULL DEFAULT '');
CREATE INDEX audit_by_fax ON fxe.audit_log (fax_id, seq) WHERE fax_id IS NOT NULL;
CREATE TRIGGER audit_changes AFTER INSERT ON fxe.audit_log FOR EACH ROW EXECUTE FUNCTION fxe.record_change('seq');

CREATE TABLE fxe.contacts (
  id text PRIMARY KEY,
  name text NOT NULL,
  organisation text NOT NULL DEFAULT '',
  fax_number text NOT NULL,
  updated_at bigint NOT NULL);
CREATE INDEX contacts_by_number ON fxe.contacts (fax_number);
CREATE TRIGGER contacts_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.contacts FOR EACH ROW EXECUTE FUNCTION fxe.record_change('id');

-- Settings that belong to the office (not to one desk): JSON values by key.
CREATE TABLE fxe.office_settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  updated_at bigint NOT NULL,
  updated_by text);
CREATE TRIGGER office_settings_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.office_settings FOR EACH ROW EXECUTE FUNCTION fxe.record_change('key');

-- The shared outbox: sealed once by the desk that queued it (envelope + end-to-end
-- ciphertext, which only the recipient can open), then claimed by whichever desk is free.
CREATE TABLE fxe.outbox (
  fax_id text PRIMARY KEY REFERENCES fxe.faxes (id) ON DELETE CASCADE,
  org_id text NOT NULL,
  envelope_json text NOT NULL,
  ciphertext bytea NOT NULL,
  recipient_org_id text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL DEFAULT 0,
  claimed_by text,
  lease_until timestamptz,
  done boolean NOT NULL DEFAULT false,
  sent_by text,
  sent_at bigint,
  last_error text);
CREATE INDEX outbox_due ON fxe.outbox (next_attempt_at) WHERE NOT done;
CREATE TRIGGER outbox_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.outbox FOR EACH ROW EXECUTE FUNCTION fxe.record_change('fax_id');

-- The receiver's per-message state, shared: 'stored' (fax committed, receipt owed: whoever
-- leads next re-sends it), 'receipted', 'rejected', 'gone'.
CREATE TABLE fxe.receive_jobs (
  org_id text NOT NULL,
  message_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('stored','receipted','rejected','gone')),
  fax_id text,
  receipt_json text,
  sender_org_id text,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  receipted_by text,
  updated_at bigint NOT NULL,
  PRIMARY KEY (org_id, message_id));
CREATE INDEX receive_jobs_owed ON fxe.receive_jobs (updated_at) WHERE state = 'stored';

-- Leases: who leads the receiver (and any other one-at-a-time duty), until when (server time).
CREATE TABLE fxe.leases (
  name text PRIMARY KEY,
  holder text,
  holder_desk text,
  until timestamptz NOT NULL DEFAULT '-infinity',
  epoch bigint NOT NULL DEFAULT 0);
`);
  },
};
