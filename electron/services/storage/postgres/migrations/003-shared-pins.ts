/**
 * 003: the trust pins of the office, shared by every desk (services/trust/: the same trust
 * store decides; services/office/office-pins.ts keeps its rows here). An org pinned by one
 * desk is pinned for all, a key change one desk met waits here for whichever desk accepts
 * it, and the change feed tells every desk. Fingerprints of public keys only: nothing secret.
 */
import type { PgMigration } from '../migrate.ts';

export const sharedPins: PgMigration = {
  version: 3,
  name: 'shared-pins',
  async up(c) {
    await c.query(`
CREATE TABLE fxe.key_pins (
  peer_org_id text PRIMARY KEY,
  fingerprint text NOT NULL,
  bundle_fingerprints text[] NOT NULL,
  first_seen_at bigint NOT NULL,
  updated_at bigint NOT NULL);
CREATE TRIGGER key_pins_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.key_pins FOR EACH ROW EXECUTE FUNCTION fxe.record_change('peer_org_id');

CREATE TABLE fxe.number_pins (
  fax_number text PRIMARY KEY,
  peer_org_id text NOT NULL,
  pending_org_id text,
  first_seen_at bigint NOT NULL,
  updated_at bigint NOT NULL);
CREATE INDEX number_pins_pending ON fxe.number_pins (pending_org_id) WHERE pending_org_id IS NOT NULL;

CREATE TABLE fxe.pending_key_changes (
  peer_org_id text PRIMARY KEY,
  fingerprint text NOT NULL,
  bundle_fingerprints text[] NOT NULL,
  at bigint NOT NULL);
CREATE TRIGGER pending_key_changes_changes AFTER INSERT OR UPDATE OR DELETE ON fxe.pending_key_changes FOR EACH ROW EXECUTE FUNCTION fxe.record_change('peer_org_id');
`);
  },
};
