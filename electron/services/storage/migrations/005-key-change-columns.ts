/**
 * 005: key changes in columns of their own, so the queues find them by value instead of by
 * LIKE over JSON or error text. `outbox_jobs.held_recipient_org_id`: the recipient org whose
 * new keys hold this fax (its warning stays in held_json). `receive_jobs.key_change_fingerprint`:
 * for a fax refused because its sender's keys changed, the new fingerprint to accept.
 * Rows written before are filled in from the text they held.
 */
import type { Migration } from '../migrate.ts';

export const keyChangeColumns: Migration = {
  version: 5,
  name: 'key-change-columns',
  up(db) {
    db.exec(`
ALTER TABLE outbox_jobs ADD COLUMN held_recipient_org_id TEXT;
ALTER TABLE receive_jobs ADD COLUMN key_change_fingerprint TEXT;
UPDATE outbox_jobs SET held_recipient_org_id = json_extract(held_json, '$.recipientOrgId')
  WHERE held_json IS NOT NULL AND json_valid(held_json);
CREATE INDEX IF NOT EXISTS outbox_jobs_held ON outbox_jobs(held_recipient_org_id) WHERE held_recipient_org_id IS NOT NULL;
`);
    // The old rejection text ended with "… → <new fingerprint>"; one without it (never written
    // by a released build) still counts as a key change, with nothing to offer for acceptance.
    const rejected = db.prepare("SELECT org_id, message_id, last_error FROM receive_jobs WHERE state = 'rejected' AND last_error LIKE '%sender_key_changed%'")
      .all() as { org_id: string; message_id: string; last_error: string }[];
    const fill = db.prepare('UPDATE receive_jobs SET key_change_fingerprint = ? WHERE org_id = ? AND message_id = ?');
    for (const r of rejected) fill.run(/([0-9a-f]{64})\s*$/.exec(r.last_error)?.[1] ?? '', r.org_id, r.message_id);
  },
};
