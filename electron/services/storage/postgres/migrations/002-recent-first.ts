/**
 * 002: faxes newest first across every folder, for search. A search word found in many faxes
 * ("harbour") is answered from the newest few thousand rows in this order instead of
 * gathering every match from the trigram index and sorting them (office-inbox.ts).
 */
import type { PgMigration } from '../migrate.ts';

export const recentFirst: PgMigration = {
  version: 2,
  name: 'recent-first',
  async up(c) {
    await c.query('CREATE INDEX faxes_recent_first ON fxe.faxes (at DESC, id DESC) WHERE deleted_at IS NULL');
  },
};
