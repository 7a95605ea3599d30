/**
 * 009: the shared outbox's phone-network (PSTN) lane. A fax an office desk sends over the phone
 * network has its row in `fxe.faxes` (route 'pstn') and its job here: which provider it goes
 * through, the provider's fax id once one desk submitted it, and the provider's last word.
 * Any desk set up with that provider claims the job (`FOR UPDATE SKIP LOCKED` and a lease, as
 * in the fxe outbox), submits it under the fax id as idempotency key, and later asks for its
 * status; a provider's status event that reaches any such desk updates the same row.
 *
 * Where the fax goes is not taken from the plain columns, which the database's operator could
 * change (and so have a desk fax any body, opened, to a number of their choosing): the desk that
 * queues it writes a small sealed "order" (number, caller ID, file name, which body), encrypted
 * under the office key like a body and bound to the fax id; `order_blob_id` names it.
 *
 * A provider may report on a fax before the desk that submitted it has written the provider's
 * fax id down (its answer and its first event race): such an event waits in `fxe.pstn_events`
 * and is applied when the submission is recorded.
 *
 * A table of its own rather than columns of `fxe.outbox`: a desk of an older version, still
 * connected while this step runs, claims outbox rows to upload over fxe and must never take
 * a phone-network fax for one. No change trigger: every step a job takes that a person would
 * see also writes the fax row, which has one.
 */
import type { PgMigration } from '../migrate.ts';

export const officePstn: PgMigration = {
  version: 9,
  name: 'office-pstn',
  async up(c) {
    await c.query(`
CREATE TABLE fxe.pstn_jobs (
  fax_id text PRIMARY KEY REFERENCES fxe.faxes (id) ON DELETE CASCADE,
  org_id text NOT NULL,
  provider text NOT NULL,
  order_blob_id text NOT NULL REFERENCES fxe.blobs (id),
  provider_fax_id text,
  provider_state text,
  send_at bigint,
  next_attempt_at bigint NOT NULL DEFAULT 0,
  submit_attempts integer NOT NULL DEFAULT 0,
  polls integer NOT NULL DEFAULT 0,
  claimed_by text,
  lease_until timestamptz,
  done boolean NOT NULL DEFAULT false,
  submitted_by text,
  last_error text);
CREATE INDEX pstn_jobs_due ON fxe.pstn_jobs (provider, next_attempt_at) WHERE NOT done;
CREATE UNIQUE INDEX pstn_jobs_provider_fax ON fxe.pstn_jobs (provider, provider_fax_id) WHERE provider_fax_id IS NOT NULL;
CREATE TABLE fxe.pstn_events (
  seq bigserial PRIMARY KEY,
  provider text NOT NULL,
  provider_fax_id text NOT NULL,
  status_json text NOT NULL,
  received_at bigint NOT NULL);
CREATE INDEX pstn_events_by_fax ON fxe.pstn_events (provider, provider_fax_id);
`);
  },
};
