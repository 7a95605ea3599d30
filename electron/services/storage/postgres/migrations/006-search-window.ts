/**
 * 006: the search window read from the index alone. A search first looks at the newest faxes
 * in date order (office-inbox.ts); with the searched text and the folder in the index, that
 * look never touches the table, so the window can be four times wider for the same time and
 * a word of middling frequency (a sender with a few thousand faxes) is answered from it,
 * rather than by collecting every match from the trigram index and sorting them. It replaces
 * 002's index, which has the same key.
 */
import type { PgMigration } from '../migrate.ts';

export const searchWindow: PgMigration = {
  version: 6,
  name: 'search-window',
  async up(c) {
    await c.query(`
CREATE INDEX faxes_recent_search ON fxe.faxes (at DESC, id DESC) INCLUDE (folder, search) WHERE deleted_at IS NULL;
DROP INDEX fxe.faxes_recent_first;
`);
  },
};
