// The office core on a real private PostgreSQL: creating and joining an office, what the
// database holds (ciphertext only), tampering caught, key rotation, the shared inbox
// operations with their audit lines, and live changes between desks.
import { asFaxId, asMessageId } from '../../shared/domain/ids.ts';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChangeFeed, type OfficeChange } from '../../electron/services/office/change-feed.ts';
import { insertOfficeFax, OfficeInbox } from '../../electron/services/office/office-inbox.ts';
import { redactUrl } from '../../electron/services/storage/postgres/connection.ts';
import { addFax, openDesk, resetOfficeDb, testOrgSecret } from './helpers.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

let server: PrivatePostgres;
beforeAll(async () => { server = await startPrivatePostgres(); });
afterAll(() => server?.destroy());
beforeEach(async () => { await resetOfficeDb(server.adminUrl); });

async function admin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: server.adminUrl });
  await c.connect();
  try { return (await c.query<T>(sql, params)).rows; } finally { await c.end(); }
}

function waitFor<T>(check: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const v = check();
      if (v !== undefined) resolve(v);
      else if (Date.now() > until) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('office: create, join, keys', () => {
  it('the first desk creates the office, the next ones join it; another org is refused', async () => {
    const org = testOrgSecret();
    const [a, b] = await Promise.all([openDesk(server.url, org, 'front'), openDesk(server.url, org, 'back')]);
    try {
      expect(a.officeId).toBe(b.officeId);
      expect(a.keyIds().current).toBe(b.keyIds().current);
      const inbox = new OfficeInbox(a);
      expect((await inbox.desks()).map((d) => d.name)).toEqual(['back', 'front']);
      expect((await inbox.audit()).map((x) => x.action).sort()).toEqual(['desk-join', 'office-create']);
      await expect(openDesk(server.url, testOrgSecret(), 'intruder')).rejects.toMatchObject({ code: 'office.other_org' });
      // Same org id, but a keys.zip whose secret does not open the office key.
      await expect(openDesk(server.url, { orgId: org.orgId, signingSeed: new Uint8Array(randomBytes(32)) }, 'stranger')).rejects.toMatchObject({ code: 'office.keys_mismatch' });
    } finally { await Promise.all([a.close(), b.close()]); }
  });

  it('the database holds the body only encrypted; every desk of the org opens it', async () => {
    const org = testOrgSecret();
    const a = await openDesk(server.url, org, 'front');
    const b = await openDesk(server.url, org, 'back');
    try {
      const marker = `PATIENT-${randomBytes(8).toString('hex')}`;
      const body = new TextEncoder().encode(`%PDF-1.4 ${marker} ${'x'.repeat(3 * 1024 * 1024)}`);
      const id = await addFax(a, { body });
      expect(Buffer.compare(await new OfficeInbox(b).body(id), Buffer.from(body))).toBe(0);
      // Nowhere in the database: not in any chunk, key or row.
      const hits = await admin<{ n: string }>(`SELECT
        (SELECT count(*) FROM fxe.blob_chunks WHERE position(convert_to($1, 'UTF8') in data) > 0) +
        (SELECT count(*) FROM fxe.faxes WHERE position($1 in coalesce(metadata_json, '')) > 0) AS n`, [marker]);
      expect(Number(hits[0]!.n)).toBe(0);
      expect(Number((await admin<{ n: string }>('SELECT count(*) AS n FROM fxe.blob_chunks c JOIN fxe.faxes f ON f.blob_id = c.blob_id WHERE f.id = $1', [id]))[0]!.n)).toBe(4);
      // The keys.zip's secret is not derivable from what is stored either: only wraps.
      const wraps = await admin<{ wrapped: Buffer }>('SELECT wrapped FROM fxe.office_key_wraps');
      expect(wraps.every((w) => w.wrapped.length === 12 + 32 + 16)).toBe(true);
    } finally { await Promise.all([a.close(), b.close()]); }
  });

  it('an operator swapping bodies or chunks between faxes gets an error, never the wrong fax', async () => {
    const org = testOrgSecret();
    const a = await openDesk(server.url, org, 'front');
    try {
      const one = await addFax(a, { body: new TextEncoder().encode('%PDF first') });
      const two = await addFax(a, { body: new TextEncoder().encode('%PDF second') });
      const blobOf = async (id: string): Promise<string> => (await admin<{ blob_id: string }>('SELECT blob_id FROM fxe.faxes WHERE id = $1', [id]))[0]!.blob_id;
      const [blobOne, blobTwo] = [await blobOf(one), await blobOf(two)];
      await admin('UPDATE fxe.faxes SET blob_id = $2 WHERE id = $1', [one, blobTwo]);
      await expect(new OfficeInbox(a).body(one)).rejects.toMatchObject({ code: 'office.decrypt_failed' });
      await admin('UPDATE fxe.faxes SET blob_id = $2 WHERE id = $1', [one, blobOne]);
      await admin("UPDATE fxe.blobs SET wrapped_key = (SELECT wrapped_key FROM fxe.blobs WHERE id = $2) WHERE id = $1", [blobOne, blobTwo]);
      await expect(new OfficeInbox(a).body(one)).rejects.toMatchObject({ code: 'office.decrypt_failed' });
    } finally { await a.close(); }
  });

  it('two attempts at the same fax at once (a receiver that lost its lease, and its successor) never mix their bodies', async () => {
    const org = testOrgSecret();
    const a = await openDesk(server.url, org, 'front');
    try {
      const id = asFaxId('fax-raced');
      const first = a.blobWriter(id);
      const second = a.blobWriter(id);
      const body = (fill: number): Uint8Array => new Uint8Array(2 * 1024 * 1024 + 10).fill(fill);
      await first.write(body(1));
      await second.write(body(2));
      await a.tx(async (c) => {
        const { blobId, sizeBytes } = await first.finish(c);
        await insertOfficeFax(c, a, {
          id, orgId: a.orgId, direction: 'in', route: 'fxe', messageId: asMessageId(id), peerNumber: '+15550100', peerName: null, fileName: 'x.pdf', pages: null, sizeBytes, at: 1,
          state: 'received', senderOrgId: null, recipientOrgId: null, fromNumber: '+15550100', toNumber: '+15550200', ciphertextSha256: null, metadataJson: null, blobId,
        });
      });
      await second.abort();
      const got = await new OfficeInbox(a).body(id);
      expect(got.length).toBe(2 * 1024 * 1024 + 10);
      expect(got.every((b) => b === 1)).toBe(true);
    } finally { await a.close(); }
  });

  it('rotating the office key keeps every fax readable on every desk and drops the old key', async () => {
    const org = testOrgSecret();
    const a = await openDesk(server.url, org, 'front');
    const b = await openDesk(server.url, org, 'back');
    try {
      const before = await addFax(a);
      const oldKey = a.keyIds().current;
      const newKey = await a.rotateOfficeKey();
      expect(newKey).not.toBe(oldKey);
      expect((await admin<{ key_id: string }>('SELECT key_id FROM fxe.office_keys')).map((r) => r.key_id)).toEqual([newKey]);
      const after = await addFax(a);
      await b.reloadKeys();
      expect(b.keyIds()).toEqual({ current: newKey, all: [newKey] });
      const inbox = new OfficeInbox(b);
      expect((await inbox.body(before)).toString()).toContain(before);
      expect((await inbox.body(after)).toString()).toContain(after);
      // A second keys.zip (the org's new signing key) opens the office once a desk added it.
      const next = { orgId: org.orgId, signingSeed: new Uint8Array(randomBytes(32)) };
      await a.addKeysZipSecret(next.signingSeed);
      const c = await openDesk(server.url, next, 'new-laptop');
      try { expect((await new OfficeInbox(c).body(after)).toString()).toContain(after); } finally { await c.close(); }
    } finally { await Promise.all([a.close(), b.close()]); }
  });

  it('a database address is shown without its password', () => {
    expect(redactUrl('postgres://desk:s3cret@db.lan:5432/fxe?sslmode=require')).toBe('postgres://desk:***@db.lan:5432/fxe?sslmode=require');
  });
});

describe('office: the shared inbox', () => {
  it('read state is per person; assignment, notes, tags, archive, delete and restore are shared and audited', async () => {
    const org = testOrgSecret();
    const a = await openDesk(server.url, org, 'front', 'Ann');
    const b = await openDesk(server.url, org, 'back', 'Bob');
    try {
      const ia = new OfficeInbox(a);
      const ib = new OfficeInbox(b);
      const id = await addFax(a, { peerName: 'Harbour Clinic', fileName: 'lab-results.pdf' });
      await addFax(a, { peerName: 'Other Sender', fileName: 'other.pdf', at: Date.now() - 1000 });
      expect(await ia.unreadCount()).toBe(2);
      await ia.body(id);
      expect((await ia.detail(id)).read).toBe(true);
      expect((await ib.detail(id)).read).toBe(false);
      expect((await ib.detail(id)).readBy).toEqual(['Ann']);
      expect(await ib.unreadCount()).toBe(2);
      await ib.assign(id, 'Bob');
      await ib.setNote(id, 'Called back, results filed');
      await ib.setTags(id, ['lab', 'urgent', 'lab']);
      const seen = await ia.detail(id);
      expect(seen).toMatchObject({ assignedTo: 'Bob', assignedBy: 'Bob', note: 'Called back, results filed', tags: ['lab', 'urgent'], hasNote: true });
      expect((await ia.list({ search: 'harbour' })).map((f) => f.id)).toEqual([id]);
      expect((await ia.list({ search: 'RESULTS' })).map((f) => f.id)).toEqual([id]); // file name and note
      expect((await ia.list({ search: '50100' })).length).toBe(2); // number, mid-way
      // A full page from the newest rows (a common word), read state filled in all the same.
      expect((await ib.list({ search: '50100', limit: 1 })).map((f) => [f.id, f.readBy, f.read])).toEqual([[id, ['Ann'], false]]);
      expect((await ib.list({ search: '50100', limit: 1, after: { at: (await ia.detail(id)).at, id } })).map((f) => f.fileName)).toEqual(['other.pdf']);
      expect((await ia.list({ search: '100%' })).length).toBe(0); // LIKE wildcards are literal
      expect((await ia.list({ tag: 'urgent' })).map((f) => f.id)).toEqual([id]);
      expect((await ia.list({ assignedTo: 'Bob' })).map((f) => f.id)).toEqual([id]);
      const page1 = await ia.list({ folder: 'inbox', limit: 1 });
      const page2 = await ia.list({ folder: 'inbox', limit: 1, after: { at: page1[0]!.at, id: page1[0]!.id } });
      expect([...page1, ...page2].map((f) => f.fileName)).toEqual(['lab-results.pdf', 'other.pdf']);
      await ia.archive([id], true);
      expect((await ib.list({ folder: 'archive' })).map((f) => f.id)).toEqual([id]);
      await ib.delete([id]);
      expect((await ia.list({ folder: 'trash' })).map((f) => f.id)).toEqual([id]);
      expect((await ia.list({})).map((f) => f.id)).not.toContain(id);
      await ia.restore([id]);
      const trail = (await ia.audit({ faxId: id })).reverse().map((x) => `${x.person}@${x.deskName}:${x.action}`);
      expect(trail).toEqual(['Ann@front:view', 'Bob@back:assign', 'Bob@back:note', 'Bob@back:tag', 'Ann@front:archive', 'Bob@back:delete', 'Ann@front:restore']);
    } finally { await Promise.all([a.close(), b.close()]); }
  });

  it('phone book and office settings are shared', async () => {
    const org = testOrgSecret();
    const a = await openDesk(server.url, org, 'front');
    const b = await openDesk(server.url, org, 'back');
    try {
      await new OfficeInbox(a).saveContact({ id: 'c1', name: 'Harbour Clinic', organisation: 'Harbour', faxNumber: '+15550100' });
      await new OfficeInbox(a).setSetting('coverTemplate', { title: 'Front desk' });
      expect(await new OfficeInbox(b).contacts()).toEqual([{ id: 'c1', name: 'Harbour Clinic', organisation: 'Harbour', faxNumber: '+15550100' }]);
      expect(await new OfficeInbox(b).settings()).toEqual({ coverTemplate: { title: 'Front desk' } });
      await new OfficeInbox(b).removeContact('c1');
      expect(await new OfficeInbox(a).contacts()).toEqual([]);
    } finally { await Promise.all([a.close(), b.close()]); }
  });

  it('a change on one desk reaches another desk\'s live feed, in order, and a desk that was away catches up', async () => {
    const org = testOrgSecret();
    const a = await openDesk(server.url, org, 'front', 'Ann');
    const b = await openDesk(server.url, org, 'back', 'Bob');
    const got: OfficeChange[] = [];
    const feed = new ChangeFeed({ db: { url: server.url }, onChanges: (c) => got.push(...c) });
    try {
      await feed.start();
      const id = await addFax(a);
      await new OfficeInbox(a).assign(id, 'Ann');
      await waitFor(() => (got.some((c) => c.kind === 'faxes' && c.op === 'update') ? true : undefined), 'the assignment');
      expect(got.filter((c) => c.kind === 'faxes').map((c) => [c.key, c.op])).toEqual([[id, 'insert'], [id, 'update']]);
      const resumeFrom = feed.lastSeq!;
      await feed.stop();
      await new OfficeInbox(b).setNote(id, 'while away');
      const later: OfficeChange[] = [];
      const again = new ChangeFeed({ db: { url: server.url }, fromSeq: resumeFrom, onChanges: (c) => later.push(...c) });
      try {
        await again.start();
        await waitFor(() => (later.some((c) => c.kind === 'faxes') ? true : undefined), 'the missed note');
        expect(later.find((c) => c.kind === 'faxes')).toMatchObject({ key: id, op: 'update' });
      } finally { await again.stop(); }
    } finally { await feed.stop(); await Promise.all([a.close(), b.close()]); }
  });
});
