/**
 * 008: cover-page templates ("Standard", "Confidential — patient records"): the office's
 * default fields, one template marked as the default; and the office's logo, kept in the
 * database (not a loose file) as the bytes that passed the picture check, with their size.
 */
import type { Migration } from '../migrate.ts';

export const coverTemplates: Migration = {
  version: 8,
  name: 'cover-templates',
  up(db) {
    db.exec(`
CREATE TABLE cover_templates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  office_name TEXT NOT NULL DEFAULT '',
  from_number TEXT NOT NULL DEFAULT '',
  reply_fax TEXT NOT NULL DEFAULT '',
  reply_phone TEXT NOT NULL DEFAULT '',
  notice TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  created_at INTEGER NOT NULL
);
-- At most one default template.
CREATE UNIQUE INDEX cover_templates_one_default ON cover_templates (is_default) WHERE is_default = 1;
CREATE TABLE cover_logo (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  file_name TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('png', 'jpeg')),
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data BLOB NOT NULL,
  updated_at INTEGER NOT NULL
);
`);
  },
};
