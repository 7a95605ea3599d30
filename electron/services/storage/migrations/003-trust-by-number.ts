/**
 * 003: trust keyed by fax number as well as by org. `number_pins` remembers which org each
 * fax number belonged to when we first sent to it or heard from it, so a relay that hands a
 * known number to another org is caught like a key change; `pending_key_changes` holds the
 * keys a held fax or send is waiting on until the user accepts them.
 */
import type { Migration } from '../migrate.ts';

export const trustByNumber: Migration = {
  version: 3,
  name: 'trust-by-number',
  up(db) {
    db.exec(`
CREATE TABLE IF NOT EXISTS number_pins (
  fax_number TEXT PRIMARY KEY,
  peer_org_id TEXT NOT NULL,
  pending_org_id TEXT,
  first_seen_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending_key_changes (
  peer_org_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  bundle_fingerprints TEXT NOT NULL,
  at INTEGER NOT NULL) WITHOUT ROWID;
`);
  },
};
