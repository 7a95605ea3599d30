/**
 * 006: sending to several recipients at once, contact groups, and sending later.
 * - `faxes.send_group`: the faxes made by one send to several recipients share this id (each
 *   recipient still has its own row, envelope and outbox job), so the send can be shown whole.
 * - `faxes.send_at`: when a scheduled fax is due (unix ms, UTC); null for "send now".
 * - `contact_groups` and their members: a group typed in "To" expands to its members. Members
 *   go with their contact (ON DELETE CASCADE; the connection runs with foreign_keys on).
 */
import type { Migration } from '../migrate.ts';

export const sendGroupsAndSchedule: Migration = {
  version: 6,
  name: 'send-groups-and-schedule',
  up(db) {
    db.exec(`
ALTER TABLE faxes ADD COLUMN send_group TEXT;
ALTER TABLE faxes ADD COLUMN send_at INTEGER;
CREATE INDEX IF NOT EXISTS faxes_by_send_group ON faxes (send_group) WHERE send_group IS NOT NULL;

CREATE TABLE IF NOT EXISTS contact_groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contact_group_members (
  group_id TEXT NOT NULL REFERENCES contact_groups (id) ON DELETE CASCADE,
  contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, contact_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contact_group_members_by_contact ON contact_group_members (contact_id);
`);
  },
};
