/**
 * 005: the unread count per person without counting. A person's unread faxes are the inbox's
 * faxes (received, not archived, not deleted) minus those they read, so two counters kept in
 * the same transaction as every change give it at once:
 *
 *   inbox_total          how many faxes are in the inbox
 *   reads_in_inbox       per person, how many of those they read
 *
 * Triggers keep them: a fax entering or leaving the inbox moves the total and the count of
 * everyone who read it; a read added or removed moves that person's count if the fax is in
 * the inbox. The read trigger locks the fax row (FOR SHARE) before looking, so a read and an
 * archive of the same fax on two desks at once are counted in one order, not both missed.
 * The fax trigger runs BEFORE DELETE, while the fax's reads still exist (the cascade that
 * removes them comes after and then finds no fax to count).
 *
 * fxe.recount_unread() rebuilds both from the rows (this migration, bulk loads, a repair).
 */
import type { PgMigration } from '../migrate.ts';

export const unreadCounts: PgMigration = {
  version: 5,
  name: 'unread-counts',
  async up(c) {
    await c.query(`
CREATE TABLE fxe.inbox_total (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  n bigint NOT NULL);
CREATE TABLE fxe.reads_in_inbox (
  person text PRIMARY KEY,
  n bigint NOT NULL);

CREATE FUNCTION fxe.in_inbox(direction text, archived boolean, deleted_at bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS
  $$ SELECT direction = 'in' AND NOT archived AND deleted_at IS NULL $$;

CREATE FUNCTION fxe.recount_unread() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE fxe.inbox_total, fxe.reads_in_inbox IN EXCLUSIVE MODE;
  DELETE FROM fxe.inbox_total;
  INSERT INTO fxe.inbox_total (n) SELECT count(*) FROM fxe.faxes f WHERE fxe.in_inbox(f.direction, f.archived, f.deleted_at);
  DELETE FROM fxe.reads_in_inbox;
  INSERT INTO fxe.reads_in_inbox (person, n)
    SELECT r.person, count(*) FROM fxe.fax_reads r JOIN fxe.faxes f ON f.id = r.fax_id
    WHERE fxe.in_inbox(f.direction, f.archived, f.deleted_at) GROUP BY r.person;
END $$;

CREATE FUNCTION fxe.count_fax_in_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := TG_OP <> 'INSERT' AND fxe.in_inbox(OLD.direction, OLD.archived, OLD.deleted_at);
  now_in boolean := TG_OP <> 'DELETE' AND fxe.in_inbox(NEW.direction, NEW.archived, NEW.deleted_at);
  d integer;
BEGIN
  IF was <> now_in THEN
    d := CASE WHEN now_in THEN 1 ELSE -1 END;
    UPDATE fxe.inbox_total SET n = n + d;
    IF TG_OP <> 'INSERT' THEN
      -- A reader may have no counter yet (they read it while it was archived): upsert.
      INSERT INTO fxe.reads_in_inbox (person, n) SELECT r.person, d FROM fxe.fax_reads r WHERE r.fax_id = OLD.id
        ON CONFLICT (person) DO UPDATE SET n = fxe.reads_in_inbox.n + excluded.n;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER faxes_count_inbox_ins AFTER INSERT ON fxe.faxes FOR EACH ROW EXECUTE FUNCTION fxe.count_fax_in_inbox();
CREATE TRIGGER faxes_count_inbox_upd AFTER UPDATE OF direction, archived, deleted_at ON fxe.faxes FOR EACH ROW EXECUTE FUNCTION fxe.count_fax_in_inbox();
CREATE TRIGGER faxes_count_inbox_del BEFORE DELETE ON fxe.faxes FOR EACH ROW EXECUTE FUNCTION fxe.count_fax_in_inbox();

CREATE FUNCTION fxe.count_read_in_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  f record;
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    SELECT direction, archived, deleted_at INTO f FROM fxe.faxes WHERE id = OLD.fax_id FOR SHARE;
    IF FOUND AND fxe.in_inbox(f.direction, f.archived, f.deleted_at) THEN
      UPDATE fxe.reads_in_inbox SET n = n - 1 WHERE person = OLD.person;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT direction, archived, deleted_at INTO f FROM fxe.faxes WHERE id = NEW.fax_id FOR SHARE;
    IF FOUND AND fxe.in_inbox(f.direction, f.archived, f.deleted_at) THEN
      INSERT INTO fxe.reads_in_inbox (person, n) VALUES (NEW.person, 1) ON CONFLICT (person) DO UPDATE SET n = fxe.reads_in_inbox.n + 1;
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER fax_reads_count_inbox AFTER INSERT OR UPDATE OR DELETE ON fxe.fax_reads FOR EACH ROW EXECUTE FUNCTION fxe.count_read_in_inbox();

SELECT fxe.recount_unread();
`);
  },
};
