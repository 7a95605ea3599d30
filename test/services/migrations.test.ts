// Every schema step is tested from the version before it, with data in it: a step that
// loses or garbles existing rows fails here, not on a customer's desk.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/services/storage/database.ts';
import { LATEST_SCHEMA_VERSION, migrate } from '../../electron/services/storage/migrate.ts';
import { MIGRATIONS } from '../../electron/services/storage/migrations/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fxe-migrate-'));
  dirs.push(d);
  return d;
}

/** Rows a real install at `version` could hold, written with that version's columns only. */
const SEED: Record<number, (db: Database.Database) => void> = {
  1: (db) => {
    db.prepare(`INSERT INTO faxes (id, org_id, direction, route, peer_number, file_name, size_bytes, at, state, from_number, to_number)
      VALUES ('fax-1', 'org-a', 'in', 'fxe', '+15551110001', 'lab results.pdf', 1234, 1700000000000, 'stored', '+15551110001', '+15552220002')`).run();
    db.prepare("INSERT INTO contacts (id, name, organisation, fax_number) VALUES ('c-1', 'Dr. Ada', 'Northside', '+15551110001')").run();
    db.prepare("INSERT INTO kv (key, value) VALUES ('settings', '{\"theme\":\"dark\"}')").run();
    // A fax held for a key change and a fax refused for one, as the text columns kept them.
    db.prepare(`INSERT INTO outbox_jobs (fax_id, org_id, held_json) VALUES ('fax-held', 'org-a', '{"recipientOrgId":"org-b","previousFingerprint":"aa","newFingerprint":"${'b'.repeat(64)}"}')`).run();
    db.prepare(`INSERT INTO receive_jobs (org_id, message_id, state, sender_org_id, last_error, updated_at)
      VALUES ('org-a', 'msg-refused', 'rejected', 'org-b', 'sender_key_changed receive.verify_failed: sender_key_changed ${'a'.repeat(64)} → ${'c'.repeat(64)}', 1)`).run();
    db.prepare("INSERT INTO receive_jobs (org_id, message_id, state, sender_org_id, last_error, updated_at) VALUES ('org-a', 'msg-forged', 'rejected', 'org-b', 'receive.verify_failed: bad signature', 1)").run();
  },
  2: (db) => {
    db.prepare("INSERT INTO pstn_jobs (fax_id, org_id, provider) VALUES ('fax-2', 'org-a', 'telnyx')").run();
    db.prepare("INSERT INTO key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES ('org-b', 'ab', '[]', 1, 1)").run();
  },
  3: (db) => {
    db.prepare("INSERT INTO number_pins (fax_number, peer_org_id, first_seen_at, updated_at) VALUES ('+15552220002', 'org-b', 1, 1)").run();
  },
  4: (db) => {
    db.prepare("UPDATE faxes SET subject = 'Referral for J. Smith' WHERE id = 'fax-1'").run();
  },
  5: (db) => {
    db.prepare("INSERT INTO outbox_jobs (fax_id, org_id, held_json, held_recipient_org_id) VALUES ('fax-held-2', 'org-a', '{}', 'org-c')").run();
  },
  6: (db) => {
    db.prepare("UPDATE faxes SET send_group = 'g-1', send_at = 1700000600000 WHERE id = 'fax-1'").run();
    db.prepare("INSERT INTO contact_groups (id, name, created_at) VALUES ('grp-1', 'Pharmacies', 1)").run();
    db.prepare("INSERT INTO contact_group_members (group_id, contact_id) VALUES ('grp-1', 'c-1')").run();
  },
  7: (db) => {
    db.prepare("INSERT INTO page_rotations (fax_id, page, degrees) VALUES ('fax-1', 2, 90)").run();
  },
  8: (db) => {
    db.prepare("INSERT INTO cover_templates (id, name, notice, is_default, created_at) VALUES ('ct-1', 'Confidential', 'Privileged and confidential.', 1, 1)").run();
    db.prepare("INSERT INTO cover_logo (id, file_name, format, width, height, data, updated_at) VALUES (1, 'logo.png', 'png', 2, 1, x'89504e47', 1)").run();
    // Rows the counts of step 9 are filled from: an archived unread fax (not unread in the
    // Inbox), one in the Trash (not counted at all) and an outgoing one (never counted).
    const fax = db.prepare(`INSERT INTO faxes (id, org_id, direction, route, peer_number, file_name, size_bytes, at, state, from_number, to_number, read, archived, deleted_at)
      VALUES (?, 'org-a', ?, 'fxe', '+15551110001', 'x.pdf', 1, 1700000000000, 'received', '+15551110001', ?, 0, ?, ?)`);
    fax.run('fax-8a', 'in', '+15552220002', 1, null);
    fax.run('fax-8b', 'in', '+15552220003', 0, 1700000000000);
    fax.run('fax-8c', 'out', '+15552220002', 0, null);
  },
  9: (db) => {
    // Written after the step: the triggers count them.
    db.prepare(`INSERT INTO faxes (id, org_id, direction, route, peer_number, file_name, size_bytes, at, state, from_number, to_number, read)
      VALUES ('fax-9', 'org-b', 'in', 'fxe', '+15551110001', 'y.pdf', 1, 1700000000000, 'received', '+15551110001', '+15552220004', 1)`).run();
    db.prepare("UPDATE faxes SET deleted_at = NULL WHERE id = 'fax-8b'").run();
  },
};

/** What must still be true after every later step, for the rows SEED wrote. */
function expectSeededRowsIntact(db: Database.Database, upTo: number): void {
  if (upTo >= 1) {
    expect(db.prepare("SELECT file_name, folder FROM faxes WHERE id = 'fax-1'").get()).toEqual({ file_name: 'lab results.pdf', folder: 'inbox' });
    expect(db.prepare("SELECT rowid FROM faxes_fts WHERE faxes_fts MATCH 'results'").all()).toHaveLength(1);
    expect(db.prepare("SELECT name FROM contacts WHERE id = 'c-1'").get()).toEqual({ name: 'Dr. Ada' });
    expect(db.prepare("SELECT value FROM kv WHERE key = 'settings'").get()).toEqual({ value: '{"theme":"dark"}' });
  }
  if (upTo >= 2) {
    expect(db.prepare("SELECT provider FROM pstn_jobs WHERE fax_id = 'fax-2'").get()).toEqual({ provider: 'telnyx' });
    expect(db.prepare("SELECT fingerprint FROM key_pins WHERE peer_org_id = 'org-b'").get()).toEqual({ fingerprint: 'ab' });
  }
  if (upTo >= 3) expect(db.prepare("SELECT peer_org_id FROM number_pins WHERE fax_number = '+15552220002'").get()).toEqual({ peer_org_id: 'org-b' });
  // The rebuilt full-text index holds the old rows and follows the new column.
  if (upTo >= 4) expect(db.prepare("SELECT rowid FROM faxes_fts WHERE faxes_fts MATCH 'Smith'").all()).toHaveLength(1);
  // Key changes found by column: the held fax by its recipient org, the refused one with its new
  // fingerprint. Filled in by step 5 from rows written before it; for a later step the seeds
  // are written at version 5 already (no backfill then), so only the rows are checked.
  if (upTo > 5) expect(db.prepare("SELECT fax_id FROM outbox_jobs WHERE fax_id = 'fax-held'").all()).toEqual([{ fax_id: 'fax-held' }]);
  if (upTo === 5) {
    expect(db.prepare("SELECT fax_id FROM outbox_jobs WHERE held_recipient_org_id = 'org-b'").all()).toEqual([{ fax_id: 'fax-held' }]);
    expect(db.prepare("SELECT message_id, key_change_fingerprint AS fp FROM receive_jobs WHERE key_change_fingerprint IS NOT NULL").all()).toEqual([{ message_id: 'msg-refused', fp: 'c'.repeat(64) }]);
  }
  if (upTo >= 6) {
    expect(db.prepare("SELECT send_group, send_at FROM faxes WHERE id = 'fax-1'").get()).toEqual({ send_group: 'g-1', send_at: 1700000600000 });
    expect(db.prepare("SELECT c.name FROM contact_group_members m JOIN contacts c ON c.id = m.contact_id WHERE m.group_id = 'grp-1'").all()).toEqual([{ name: 'Dr. Ada' }]);
  }
  if (upTo >= 7) expect(db.prepare("SELECT page, degrees FROM page_rotations WHERE fax_id = 'fax-1'").all()).toEqual([{ page: 2, degrees: 90 }]);
  if (upTo >= 8) {
    expect(db.prepare("SELECT name, notice, is_default FROM cover_templates WHERE id = 'ct-1'").get()).toEqual({ name: 'Confidential', notice: 'Privileged and confidential.', is_default: 1 });
    // One default only, and a name unique in any case.
    expect(() => db.prepare("INSERT INTO cover_templates (id, name, is_default, created_at) VALUES ('ct-2', 'Other', 1, 1)").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO cover_templates (id, name, created_at) VALUES ('ct-3', 'CONFIDENTIAL', 1)").run()).toThrow(/UNIQUE/);
    expect(db.prepare('SELECT file_name, length(data) AS n FROM cover_logo').get()).toEqual({ file_name: 'logo.png', n: 4 });
  }
  // The sidebar's counts, filled from the rows before the step, then kept by its triggers:
  // fax-1 unread in the Inbox, fax-8a archived, fax-8b back from the Trash, fax-9 read.
  if (upTo >= 9) {
    expect(db.prepare('SELECT org_id, to_number, faxes, unread FROM inbox_line_counts ORDER BY org_id, to_number').all()).toEqual([
      { org_id: 'org-a', to_number: '+15552220002', faxes: 2, unread: 1 },
      { org_id: 'org-a', to_number: '+15552220003', faxes: 1, unread: 1 },
      { org_id: 'org-b', to_number: '+15552220004', faxes: 1, unread: 0 },
    ]);
  }
}

describe('schema migrations', () => {
  it('a new database gets every step, in order', () => {
    const db = openDatabase(tempDir());
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    db.close();
  });

  it.each(MIGRATIONS.filter((m) => m.version > 1).map((m) => [m.version, m.name] as const))(
    'step %i (%s) runs on a database one version older, keeping its data',
    (version) => {
      const db = new Database(join(tempDir(), 'desk.sqlite'));
      // As a real install's history: each version's rows are written at that version, then
      // go through every later step (a step that fills a new column from old rows sees them).
      for (let v = 1; v < version; v++) {
        migrate(db, v);
        SEED[v]?.(db);
      }
      expect(migrate(db, version)).toEqual([version]);
      expect(db.pragma('user_version', { simple: true })).toBe(version);
      SEED[version]?.(db);
      expectSeededRowsIntact(db, version);
      db.close();
    },
  );

  it('every step has seed data, so the test above really covers it', () => {
    for (const m of MIGRATIONS) expect(SEED[m.version], `SEED[${m.version}] for ${m.name}`).toBeTypeOf('function');
  });

  it('reopening runs nothing again', () => {
    const dir = tempDir();
    openDatabase(dir).close();
    const db = new Database(join(dir, 'desk.sqlite'));
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('a database from a newer build is refused with a clear sentence, and left untouched', () => {
    const dir = tempDir();
    const raw = new Database(join(dir, 'desk.sqlite'));
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(dir)).toThrow(/newer version of fxe Desk/);
    const again = new Database(join(dir, 'desk.sqlite'));
    expect(again.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 1);
    again.close();
  });
});
