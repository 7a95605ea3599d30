/**
 * 010: the office's trust pins are sealed. Whoever runs the database could otherwise swap a
 * partner's pinned keys, or hand a fax number to another org, and (with the relay's help)
 * have the desks seal faxes for keys of their own. Now every pin row carries an HMAC under
 * the office's integrity key (random, wrapped under the office key, which the operator does
 * not have), and one seal row counts the rows and numbers their versions, so a row changed,
 * added, removed or brought back from an older copy is noticed (office-pins.ts says how).
 *
 * Rows pinned before this step have no HMAC: the first desk that reads the pins afterwards
 * seals them as they are (trust on first use, as when they were pinned).
 *
 * A desk still running an older version at the moment of this step would write pin rows
 * without HMACs; the triggers refuse such writes (it must be updated), so they cannot make the
 * other desks see a broken seal. They are a guard for old desks only, not against the
 * operator, who could drop them: the HMACs are what the operator cannot forge.
 */
import type { PgMigration } from '../migrate.ts';

export const sealedPins: PgMigration = {
  version: 10,
  name: 'sealed-pins',
  async up(c) {
    await c.query(`
CREATE TABLE fxe.integrity_key (
  only_one boolean PRIMARY KEY DEFAULT true CHECK (only_one),
  office_key_id text NOT NULL,
  wrapped bytea NOT NULL,
  created_at bigint NOT NULL);

ALTER TABLE fxe.key_pins ADD COLUMN mac text;
ALTER TABLE fxe.number_pins ADD COLUMN mac text;
ALTER TABLE fxe.pending_key_changes ADD COLUMN mac text;

CREATE TABLE fxe.pin_seal (
  only_one boolean PRIMARY KEY DEFAULT true CHECK (only_one),
  version bigint NOT NULL,
  key_pins integer NOT NULL,
  number_pins integer NOT NULL,
  pending integer NOT NULL,
  mac text NOT NULL,
  updated_at bigint NOT NULL);

CREATE FUNCTION fxe.sealed_pin_writer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('fxe.pin_writer', true) IS DISTINCT FROM 'sealed-v1' THEN
    RAISE EXCEPTION 'the office''s trust pins are sealed since schema version 10: update fxe Desk on this computer'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER key_pins_sealed BEFORE INSERT OR UPDATE OR DELETE ON fxe.key_pins FOR EACH ROW EXECUTE FUNCTION fxe.sealed_pin_writer();
CREATE TRIGGER number_pins_sealed BEFORE INSERT OR UPDATE OR DELETE ON fxe.number_pins FOR EACH ROW EXECUTE FUNCTION fxe.sealed_pin_writer();
CREATE TRIGGER pending_key_changes_sealed BEFORE INSERT OR UPDATE OR DELETE ON fxe.pending_key_changes FOR EACH ROW EXECUTE FUNCTION fxe.sealed_pin_writer();
CREATE TRIGGER pin_seal_sealed BEFORE INSERT OR UPDATE OR DELETE ON fxe.pin_seal FOR EACH ROW EXECUTE FUNCTION fxe.sealed_pin_writer();
`);
  },
};
