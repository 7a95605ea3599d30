/**
 * 004: the phone book's groups ("All pharmacies"), shared like the contacts they hold. Members
 * are kept by contact id and go with their contact (ON DELETE CASCADE), as on a single desk;
 * the change feed tells every desk.
 */
import type { PgMigration } from '../migrate.ts';

export const contactGroups: PgMigration = {
  version: 4,
  name: 'contact-groups',
  async up(c) {
    await c.query(`
CREATE TABLE fxe.contact_groups (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at bigint NOT NULL);
CREATE UNIQUE INDEX contact_groups_name ON fxe.contact_groups (lower(name));
CREATE TRIGGER contact_groups_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.contact_groups FOR EACH ROW EXECUTE FUNCTION fxe.record_change('id');
CREATE TABLE fxe.contact_group_members (
  group_id text NOT NULL REFERENCES fxe.contact_groups (id) ON DELETE CASCADE,
  contact_id text NOT NULL REFERENCES fxe.contacts (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, contact_id));
CREATE INDEX contact_group_members_by_contact ON fxe.contact_group_members (contact_id);
CREATE TRIGGER contact_group_members_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.contact_group_members FOR EACH ROW EXECUTE FUNCTION fxe.record_change('group_id');
`);
  },
};
