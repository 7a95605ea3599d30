// The office schema on a real private PostgreSQL: fresh creation, two desks creating the same
// office at once, each step applied on the version before it with data in it, a too-new
// database refused, and the change feed (a row + a NOTIFY for every shared write).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_OFFICE_SCHEMA_VERSION, migrateOffice, officeSchemaVersion } from '../../electron/services/storage/postgres/migrate.ts';
import { clientConfig } from '../../electron/services/storage/postgres/connection.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

let server: PrivatePostgres;

async function connect(url = server.url): Promise<pg.Client> {
  const c = new pg.Client(clientConfig({ url }));
  await c.connect();
  return c;
}

/** Drops the office schema, so each test starts from an empty database. */
async function reset(): Promise<void> {
  const c = await connect(server.adminUrl);
  try { await c.query('DROP SCHEMA IF EXISTS fxe CASCADE'); } finally { await c.end(); }
}

/**
 * Data written at version N (before step N+1 runs), and what must still be true after the
 * latest step. Each new migration adds the seed of the version before it here.
 */
const SEEDS: Record<number, { seed(c: pg.Client): Promise<void>; check(c: pg.Client): Promise<void> }> = {
  1: {
    async seed(c) {
      await c.query("INSERT INTO fxe.office (office_id, org_id, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'org-a', 1)");
      await c.query("INSERT INTO fxe.faxes (id, org_id, direction, route, message_id, peer_number, file_name, size_bytes, at, state, from_number, to_number, updated_at) VALUES ('f1', 'org-a', 'in', 'fxe', 'm1', '+15550001', 'scan.pdf', 10, 1, 'received', '+15550001', '+15550002', 1)");
      await c.query("INSERT INTO fxe.fax_reads (fax_id, person, read_at) VALUES ('f1', 'Ann', 2)");
    },
    async check(c) {
      expect((await c.query("SELECT file_name, folder FROM fxe.faxes WHERE id = 'f1'")).rows).toEqual([{ file_name: 'scan.pdf', folder: 'inbox' }]);
      expect((await c.query("SELECT person FROM fxe.fax_reads WHERE fax_id = 'f1'")).rows).toEqual([{ person: 'Ann' }]);
    },
  },
  2: {
    async seed(c) {
      await c.query("INSERT INTO fxe.faxes (id, org_id, direction, route, message_id, peer_number, file_name, size_bytes, at, state, from_number, to_number, updated_at) VALUES ('f2', 'org-a', 'in', 'fxe', 'm2', '+15550003', 'lab.pdf', 10, 3, 'received', '+15550003', '+15550002', 3)");
    },
    async check(c) {
      expect((await c.query("SELECT id FROM fxe.faxes WHERE deleted_at IS NULL ORDER BY at DESC, id DESC")).rows).toEqual([{ id: 'f2' }, { id: 'f1' }]);
    },
  },
  3: {
    async seed(c) {
      await c.query("INSERT INTO fxe.key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES ('org-lab', 'ab', '{cd}', 4, 4)");
      await c.query("INSERT INTO fxe.contacts (id, name, fax_number, updated_at) VALUES ('c1', 'Harbor Lab', '+15550004', 4)");
    },
    async check(c) {
      expect((await c.query("SELECT fingerprint, bundle_fingerprints FROM fxe.key_pins WHERE peer_org_id = 'org-lab'")).rows).toEqual([{ fingerprint: 'ab', bundle_fingerprints: ['cd'] }]);
      expect((await c.query("SELECT name FROM fxe.contacts WHERE id = 'c1'")).rows).toEqual([{ name: 'Harbor Lab' }]);
    },
  },
  4: {
    async seed(c) {
      await c.query("INSERT INTO fxe.contact_groups (id, name, created_at) VALUES ('g1', 'Labs', 5)");
      await c.query("INSERT INTO fxe.contact_group_members (group_id, contact_id) VALUES ('g1', 'c1')");
      await c.query("UPDATE fxe.faxes SET archived = true WHERE id = 'f2'");
    },
    async check(c) {
      expect((await c.query("SELECT contact_id FROM fxe.contact_group_members WHERE group_id = 'g1'")).rows).toEqual([{ contact_id: 'c1' }]);
      // Step 5 counted what was there (f1 in the inbox, read by Ann; f2 archived), and its
      // triggers followed f2 back into the inbox (version 5's seed).
      expect((await c.query('SELECT person, n FROM fxe.reads_in_inbox')).rows).toEqual([{ person: 'Ann', n: '1' }]);
    },
  },
  5: {
    async seed(c) {
      await c.query("UPDATE fxe.faxes SET archived = false WHERE id = 'f2'");
    },
    async check(c) {
      expect((await c.query('SELECT n FROM fxe.inbox_total')).rows).toEqual([{ n: '2' }]);
      expect((await c.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'fxe' AND indexname LIKE 'faxes_recent%'")).rows).toEqual([{ indexname: 'faxes_recent_search' }]);
    },
  },
  6: {
    async seed(c) {
      // (The schema does not tie an outbox row to an outgoing fax; f1 keeps the other checks as they are.)
      await c.query("INSERT INTO fxe.outbox (fax_id, org_id, envelope_json, ciphertext, recipient_org_id) VALUES ('f1', 'org-a', '{}', '\\x00', 'org-lab')");
    },
    async check(c) {
      // A fax queued before step 7 is not held: it still goes.
      expect((await c.query("SELECT held_org_id, done FROM fxe.outbox WHERE fax_id = 'f1'")).rows).toEqual([{ held_org_id: null, done: false }]);
      expect((await c.query('SELECT count(*)::int AS n FROM fxe.cover_templates')).rows).toEqual([{ n: 0 }]);
    },
  },
  7: {
    async seed(c) {
      await c.query("UPDATE fxe.outbox SET next_attempt_at = 7 WHERE fax_id = 'f1'");
    },
    async check(c) {
      // A row queued before step 8 has no "send later" time: it goes as it would have.
      expect((await c.query("SELECT send_at, next_attempt_at FROM fxe.outbox WHERE fax_id = 'f1'")).rows).toEqual([{ send_at: null, next_attempt_at: '7' }]);
    },
  },
  8: {
    async seed(c) {
      await c.query("UPDATE fxe.outbox SET attempts = 8 WHERE fax_id = 'f1'");
    },
    async check(c) {
      // Step 9 adds the phone lane beside the outbox: an fxe row queued before stays as it was, and no fax has a phone job.
      expect((await c.query("SELECT attempts, done FROM fxe.outbox WHERE fax_id = 'f1'")).rows).toEqual([{ attempts: 8, done: false }]);
      expect((await c.query('SELECT (SELECT count(*) FROM fxe.pstn_jobs)::int AS jobs, (SELECT count(*) FROM fxe.pstn_events)::int AS events')).rows).toEqual([{ jobs: 0, events: 0 }]);
    },
  },
};

beforeAll(async () => { server = await startPrivatePostgres(); });
afterAll(() => server?.destroy());

describe('office schema migrations', () => {
  it('creates the whole schema on an empty database, as a role that is not a superuser', async () => {
    await reset();
    const c = await connect();
    try {
      expect(await officeSchemaVersion(c)).toBe(0);
      expect(await migrateOffice(c)).toEqual(Array.from({ length: LATEST_OFFICE_SCHEMA_VERSION }, (_, i) => i + 1));
      expect(await officeSchemaVersion(c)).toBe(LATEST_OFFICE_SCHEMA_VERSION);
      const tables = (await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'fxe' ORDER BY 1")).rows.map((r) => r.t);
      expect(tables).toEqual(expect.arrayContaining(['faxes', 'fax_reads', 'audit_log', 'contacts', 'office_settings', 'outbox', 'receive_jobs', 'blobs', 'blob_chunks', 'desks', 'changes', 'office_keys', 'office_key_wraps', 'leases']));
      expect((await c.query("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")).rowCount).toBe(1);
      // Running again is a no-op.
      expect(await migrateOffice(c)).toEqual([]);
    } finally { await c.end(); }
  });

  it('two desks creating the office at the same moment: one creates it, the other finds it done', async () => {
    await reset();
    const [a, b, c3] = await Promise.all([connect(), connect(), connect()]);
    try {
      const results = await Promise.all([migrateOffice(a), migrateOffice(b), migrateOffice(c3)]);
      expect(results.filter((r) => r.length > 0)).toHaveLength(1);
      expect(await officeSchemaVersion(a)).toBe(LATEST_OFFICE_SCHEMA_VERSION);
    } finally { await Promise.all([a.end(), b.end(), c3.end()]); }
  });

  it('each step runs on the version before it, with data in it, and keeps that data', async () => {
    for (let v = 1; v <= LATEST_OFFICE_SCHEMA_VERSION; v++) {
      await reset();
      const c = await connect();
      try {
        await migrateOffice(c, v);
        for (let s = 1; s <= v; s++) await SEEDS[s]?.seed(c);
        await migrateOffice(c);
        for (let s = 1; s <= v; s++) await SEEDS[s]?.check(c);
        expect(await officeSchemaVersion(c)).toBe(LATEST_OFFICE_SCHEMA_VERSION);
      } finally { await c.end(); }
    }
    // Every version below the latest has its seed (a new step must add one for the version before it).
    for (let v = 1; v < LATEST_OFFICE_SCHEMA_VERSION; v++) expect(SEEDS[v], `seed for version ${v}`).toBeDefined();
  });

  it('refuses a database written by a newer build, in a sentence', async () => {
    await reset();
    const c = await connect();
    try {
      await migrateOffice(c);
      await c.query("INSERT INTO fxe.schema_migrations (version, name, applied_at) VALUES ($1, 'future', now())", [LATEST_OFFICE_SCHEMA_VERSION + 1]);
      await expect(migrateOffice(c)).rejects.toMatchObject({ code: 'office.schema_too_new', message: expect.stringContaining('newer version of fxe Desk') });
    } finally { await c.end(); }
  });

  it('every shared write adds to the change feed and notifies listeners, in commit order', async () => {
    await reset();
    const c = await connect();
    const listener = await connect();
    try {
      await migrateOffice(c);
      const heard: string[] = [];
      listener.on('notification', (n) => { if (n.channel === 'fxe_changes' && n.payload) heard.push(n.payload); });
      await listener.query('LISTEN fxe_changes');
      await SEEDS[1]!.seed(c);
      await c.query("UPDATE fxe.faxes SET note = 'call back' WHERE id = 'f1'");
      await c.query("INSERT INTO fxe.contacts (id, name, fax_number, updated_at) VALUES ('c1', 'Dr Who', '+15550009', 1)");
      const feed = (await c.query<{ seq: string; kind: string; key: string; op: string }>('SELECT seq, kind, key, op FROM fxe.changes ORDER BY seq')).rows;
      expect(feed.map((r) => [r.kind, r.key, r.op])).toEqual([
        ['faxes', 'f1', 'insert'], ['fax_reads', 'f1', 'insert'], ['faxes', 'f1', 'update'], ['contacts', 'c1', 'insert'],
      ]);
      await listener.query('SELECT 1'); // notifications arrive before the next result
      expect(heard).toEqual(feed.map((r) => r.seq));
    } finally { await Promise.all([c.end(), listener.end()]); }
  });
});
