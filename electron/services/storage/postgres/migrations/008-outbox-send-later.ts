/**
 * 008: "Send later" in the shared outbox. A row keeps the time it is meant to go (`send_at`);
 * its `next_attempt_at` starts there, so no desk claims it before then, and since both live in
 * the database the fax goes at its time whichever desks are open (or the office receiver).
 */
import type { PgMigration } from '../migrate.ts';

export const outboxSendLater: PgMigration = {
  version: 8,
  name: 'outbox-send-later',
  async up(c) {
    await c.query('ALTER TABLE fxe.outbox ADD COLUMN send_at bigint');
  },
};
