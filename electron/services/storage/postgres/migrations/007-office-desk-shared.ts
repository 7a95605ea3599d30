/**
 * 007: what the desks of an office decide together.
 *  - A fax to a partner whose keys changed waits in the shared outbox, sealed for the keys the
 *    relay showed (held_org_id / held_fingerprint), until someone accepts those keys at any
 *    desk (then it goes, once) or keeps them blocked (then it is not sent). No desk claims it
 *    meanwhile.
 *  - The cover-page templates and the office's logo belong to the office: one set for every
 *    desk, changes live through the change feed. The logo is the bytes that passed the picture
 *    check on the desk that chose it.
 *  - Page turns made in the viewer are the office's too: a page one person turned upright is
 *    upright on every desk, and printed and saved that way.
 */
import type { PgMigration } from '../migrate.ts';

export const officeDeskShared: PgMigration = {
  version: 7,
  name: 'held-sends-cover-templates-page-turns',
  async up(c) {
    await c.query(`
ALTER TABLE fxe.outbox ADD COLUMN held_org_id text, ADD COLUMN held_fingerprint text;
CREATE INDEX outbox_held ON fxe.outbox (held_org_id) WHERE held_org_id IS NOT NULL AND NOT done;

CREATE TABLE fxe.cover_templates (
  id text PRIMARY KEY,
  name text NOT NULL,
  office_name text NOT NULL DEFAULT '',
  from_number text NOT NULL DEFAULT '',
  reply_fax text NOT NULL DEFAULT '',
  reply_phone text NOT NULL DEFAULT '',
  notice text NOT NULL DEFAULT '',
  message text NOT NULL DEFAULT '',
  is_default boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  updated_by text);
CREATE UNIQUE INDEX cover_templates_name ON fxe.cover_templates (lower(name));
-- At most one default template.
CREATE UNIQUE INDEX cover_templates_one_default ON fxe.cover_templates (is_default) WHERE is_default;
CREATE TRIGGER cover_templates_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.cover_templates FOR EACH ROW EXECUTE FUNCTION fxe.record_change('id');

CREATE TABLE fxe.cover_logo (
  id smallint PRIMARY KEY CHECK (id = 1),
  file_name text NOT NULL,
  format text NOT NULL CHECK (format IN ('png', 'jpeg')),
  width integer NOT NULL,
  height integer NOT NULL,
  data bytea NOT NULL,
  updated_at bigint NOT NULL,
  updated_by text);
CREATE TRIGGER cover_logo_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.cover_logo FOR EACH ROW EXECUTE FUNCTION fxe.record_change('id');

CREATE TABLE fxe.page_rotations (
  fax_id text NOT NULL REFERENCES fxe.faxes (id) ON DELETE CASCADE,
  page integer NOT NULL CHECK (page >= 1),
  degrees integer NOT NULL CHECK (degrees IN (90, 180, 270)),
  updated_at bigint NOT NULL,
  updated_by text,
  PRIMARY KEY (fax_id, page));
CREATE TRIGGER page_rotations_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.page_rotations FOR EACH ROW EXECUTE FUNCTION fxe.record_change('fax_id');
`);
  },
};
