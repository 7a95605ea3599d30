/**
 * 002: the PSTN lane's tables. `pstn_jobs` holds one row per fax sent over the phone network
 * until the provider reports its end; `pstn_kv` the adapters' idempotency records and webhook
 * event ids (ids and fingerprints only, never a secret). They were once created on first
 * use; IF NOT EXISTS keeps installs that already have them working.
 */
import type { Migration } from '../migrate.ts';

export const pstnJobs: Migration = {
  version: 2,
  name: 'pstn-jobs',
  up(db) {
    db.exec(`
CREATE TABLE IF NOT EXISTS pstn_jobs (
  fax_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  provider_fax_id TEXT,
  submit_attempts INTEGER NOT NULL DEFAULT 0,
  polls INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pstn_jobs_due ON pstn_jobs (done, next_attempt_at);
CREATE INDEX IF NOT EXISTS pstn_jobs_by_provider_fax ON pstn_jobs (provider, provider_fax_id);

CREATE TABLE IF NOT EXISTS pstn_kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL) WITHOUT ROWID;
`);
  },
};
