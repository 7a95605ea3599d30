/**
 * One desk's handle on the office: the connection pool, the office keys this desk's keys.zip
 * unlocks, its identity (desk + person, for the audit log and read state) and the encrypted
 * blob store. openOffice() creates the office on first use (schema, office row, first office
 * key) and joins it afterwards; every desk runs the same code, and the first one wins races
 * through the migration lock and a transaction-scoped advisory lock.
 */
import type { FaxId, OrgId } from '../../../shared/domain/ids.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DeskError, errorDetail } from '../errors.ts';
import { migrateOffice } from '../storage/postgres/migrate.ts';
import { officeDbError, openOfficePool, redactUrl, type OfficeDbOptions } from '../storage/postgres/connection.ts';
import {
  BODY_CHUNK_BYTES, deriveKek, newOfficeKey, openChunk, sealChunk, unwrapBlobKey, unwrapOfficeKey, wrapBlobKey, wrapOfficeKey, type Kek,
} from './office-crypto.ts';

export interface OfficeIdentity {
  /** Stable per install (the desk keeps it); names the desk in the audit log and leases. */
  deskId: string;
  deskName: string;
  /** The person working at the desk now: read state and "handled by" are per person. */
  person: string;
}

export interface OpenOfficeOptions extends Omit<OfficeDbOptions, 'applicationName'> {
  /** The org this office belongs to and its long-term secret (the keys.zip's signing seed). */
  orgId: OrgId;
  signingSeed: Uint8Array;
  desk: OfficeIdentity;
  nowMs?: () => number;
}

/** Session-free advisory lock key for creating the office row and its first key. */
const CREATE_LOCK_KEY = '7366200273646914884';

export class Office {
  readonly pool: pg.Pool;
  readonly officeId: string;
  readonly orgId: OrgId;
  readonly desk: OfficeIdentity;
  readonly nowMs: () => number;
  readonly log: (line: string) => void;
  /** Where this office lives, without its password (logs, the Settings screen). */
  readonly where: string;
  private readonly keys = new Map<string, Buffer>();
  private currentKeyId: string;
  private readonly kek: Kek;
  private closed = false;

  constructor(init: { pool: pg.Pool; officeId: string; orgId: OrgId; desk: OfficeIdentity; nowMs: () => number; log: (l: string) => void; where: string; keys: Map<string, Buffer>; currentKeyId: string; kek: Kek }) {
    this.pool = init.pool;
    this.officeId = init.officeId;
    this.orgId = init.orgId;
    this.desk = init.desk;
    this.nowMs = init.nowMs;
    this.log = init.log;
    this.where = init.where;
    this.keys = init.keys;
    this.currentKeyId = init.currentKeyId;
    this.kek = init.kek;
  }

  /** Runs `fn` in one transaction on one pooled connection (rolled back if it throws). */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, what = 'office write'): Promise<T> {
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw officeDbError(e, what);
    }
    // A connection that drops while checked out (a server restart) emits 'error' besides
    // failing the query in flight: without a listener that would end the process.
    let broken: Error | null = null;
    const onError = (e: Error): void => { broken = e; };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      if (!broken) await c.query('ROLLBACK').catch(() => undefined);
      throw e instanceof DeskError ? e : officeDbError(e, what);
    } finally {
      c.off('error', onError);
      c.release(broken ?? undefined);
    }
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], what = 'office query'): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (e) {
      throw officeDbError(e, what);
    }
  }

  /** One audit line: which desk and person did what to which fax. */
  async audit(c: pg.ClientBase | null, action: string, faxId: FaxId | null, detail = ''): Promise<void> {
    const sql = 'INSERT INTO fxe.audit_log (at, desk_id, person, org_id, action, fax_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)';
    const params = [this.nowMs(), this.desk.deskId, this.desk.person, this.orgId, action, faxId, detail.slice(0, 2000)];
    if (c) await c.query(sql, params);
    else await this.query(sql, params, 'audit');
  }

  /** The desk is still here (the desk list shows when each was last seen). */
  async heartbeat(): Promise<void> {
    await this.query('UPDATE fxe.desks SET last_seen = $2, person = $3 WHERE id = $1', [this.desk.deskId, this.nowMs(), this.desk.person], 'heartbeat');
  }

  /** Someone else sits down at this desk. */
  setPerson(person: string): void {
    this.desk.person = person;
  }

  /** The desk leaves the office: its row stays (the audit log names it), marked as gone. */
  async leave(): Promise<void> {
    await this.query('UPDATE fxe.desks SET left_at = $2 WHERE id = $1', [this.desk.deskId, this.nowMs()], 'leave');
    await this.audit(null, 'desk-leave', null, this.desk.deskName);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const k of this.keys.values()) k.fill(0);
    await this.pool.end().catch(() => undefined);
  }

  // --- encrypted bodies ------------------------------------------------------------------

  /**
   * Starts an encrypted body for the fax `faxId`. Its blob id is the fax id plus a random
   * suffix, bound into every key wrap and chunk as associated data: two attempts at the same
   * fax (a receiver that lost its lease and its successor) never write into each other's
   * body, and a reader checks that a fax's body carries that fax's id. Chunks go to the
   * database as they come, outside any transaction; finish() completes the blob inside the
   * transaction that inserts the fax. A crash in between leaves a body no fax points at,
   * swept by sweepOrphanBlobs().
   */
  blobWriter(faxId: FaxId, via: pg.ClientBase | null = null): OfficeBlobWriter {
    return new OfficeBlobWriter(this, `${faxId}.${randomBytes(4).toString('hex')}`, this.currentKeyId, this.keys.get(this.currentKeyId)!, via);
  }

  /**
   * Encrypts and stores a whole body at once (sending: the PDF is in memory anyway) inside the
   * transaction `c`; returns its blob id. Its chunks go through `c` too: a transaction that
   * waited for a second pooled connection could wait forever once every connection is held
   * by such a transaction.
   */
  async writeBlob(c: pg.ClientBase, faxId: FaxId, body: Uint8Array): Promise<string> {
    const w = this.blobWriter(faxId, c);
    await w.write(body);
    return (await w.finish(c)).blobId;
  }

  async readBlob(blobId: string): Promise<Buffer> {
    const row = (await this.query<{ office_key_id: string; wrapped_key: Buffer; chunk_count: number; size_bytes: string }>(
      'SELECT office_key_id, wrapped_key, chunk_count, size_bytes FROM fxe.blobs WHERE id = $1', [blobId], 'read fax body')).rows[0];
    if (!row) throw new DeskError('office.blob_missing', 'The fax body is missing from the office database.', { detail: `blob ${blobId}` });
    const officeKey = this.keys.get(row.office_key_id);
    if (!officeKey) throw new DeskError('office.key_unknown', 'This fax was stored under an office key this desk cannot open. Import the organisation\'s current keys.zip.', { detail: `office key ${row.office_key_id}` });
    const blobKey = unwrapBlobKey(officeKey, blobId, row.wrapped_key);
    try {
      const chunks = (await this.query<{ n: number; data: Buffer }>('SELECT n, data FROM fxe.blob_chunks WHERE blob_id = $1 ORDER BY n', [blobId], 'read fax body')).rows;
      if (chunks.length !== row.chunk_count || chunks.some((ch, i) => ch.n !== i)) {
        throw new DeskError('office.decrypt_failed', 'A fax in the office database is incomplete: it was damaged on the server.', { detail: `blob ${blobId}: ${chunks.length}/${row.chunk_count} chunks` });
      }
      const out = Buffer.concat(chunks.map((ch, i) => openChunk(blobKey, blobId, i, i === chunks.length - 1, ch.data)));
      if (out.length !== Number(row.size_bytes)) throw new DeskError('office.decrypt_failed', 'A fax in the office database is incomplete.', { detail: `blob ${blobId}: size` });
      return out;
    } finally {
      blobKey.fill(0);
    }
  }

  /** Bodies a crashed receive or send left behind without a fax (older than `olderThanMs`). */
  async sweepOrphanBlobs(olderThanMs = 60 * 60_000): Promise<number> {
    const r = await this.query(`DELETE FROM fxe.blobs b WHERE b.created_at < $1 AND NOT EXISTS (SELECT 1 FROM fxe.faxes f WHERE f.blob_id = b.id)
      AND NOT EXISTS (SELECT 1 FROM fxe.pstn_jobs j WHERE j.order_blob_id = b.id)`, [this.nowMs() - olderThanMs], 'sweep');
    return r.rowCount ?? 0;
  }

  // --- keys ------------------------------------------------------------------------------

  /** Office key ids this desk holds, current first (for the Settings screen and tests). */
  keyIds(): { current: string; all: string[] } {
    return { current: this.currentKeyId, all: [...this.keys.keys()] };
  }

  /**
   * A new office key for new faxes: wrapped for this desk's keys.zip and for `otherSigningSeeds`
   * (another keys.zip the org still uses), every fax key re-wrapped under it, the old office
   * keys and their wraps deleted. Someone who copied an old wrapped office key and later
   * obtains a retired keys.zip opens nothing stored after the rotation.
   */
  async rotateOfficeKey(otherSigningSeeds: Uint8Array[] = []): Promise<string> {
    const keyId = randomUUID();
    const officeKey = newOfficeKey();
    const keks = [this.kek, ...otherSigningSeeds.map((s) => deriveKek(s, this.officeId))];
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [CREATE_LOCK_KEY]);
      const now = this.nowMs();
      await c.query('INSERT INTO fxe.office_keys (key_id, created_at) VALUES ($1, $2)', [keyId, now]);
      for (const k of keks) await c.query('INSERT INTO fxe.office_key_wraps (key_id, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4)', [keyId, k.kekId, wrapOfficeKey(k, this.officeId, keyId, officeKey), now]);
      const old = (await c.query<{ key_id: string }>('SELECT key_id FROM fxe.office_keys WHERE key_id <> $1', [keyId])).rows.map((r) => r.key_id);
      for (const oldId of old) {
        const oldKey = this.keys.get(oldId);
        if (!oldKey) throw new DeskError('office.key_unknown', 'This desk cannot open every office key, so it cannot rotate them. Rotate from a desk with the organisation\'s current keys.zip.', { detail: `office key ${oldId}` });
        const blobs = await c.query<{ id: string; wrapped_key: Buffer }>('SELECT id, wrapped_key FROM fxe.blobs WHERE office_key_id = $1', [oldId]);
        for (const b of blobs.rows) {
          const blobKey = unwrapBlobKey(oldKey, b.id, b.wrapped_key);
          await c.query('UPDATE fxe.blobs SET office_key_id = $2, wrapped_key = $3 WHERE id = $1', [b.id, keyId, wrapBlobKey(officeKey, b.id, blobKey)]);
          blobKey.fill(0);
        }
        await c.query('DELETE FROM fxe.office_key_wraps WHERE key_id = $1', [oldId]);
        await c.query('DELETE FROM fxe.office_keys WHERE key_id = $1', [oldId]);
      }
      await this.audit(c, 'office-key-rotate', null, `new office key ${keyId}, ${old.length} retired`);
    }, 'rotate office key');
    for (const k of this.keys.values()) k.fill(0);
    this.keys.clear();
    this.keys.set(keyId, officeKey);
    this.currentKeyId = keyId;
    return keyId;
  }

  /** Lets another keys.zip of the org (a new signing key) open this office too. */
  async addKeysZipSecret(signingSeed: Uint8Array): Promise<void> {
    const kek = deriveKek(signingSeed, this.officeId);
    await this.tx(async (c) => {
      for (const [keyId, key] of this.keys) {
        await c.query('INSERT INTO fxe.office_key_wraps (key_id, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [keyId, kek.kekId, wrapOfficeKey(kek, this.officeId, keyId, key), this.nowMs()]);
      }
    }, 'add keys.zip');
  }

  /** Re-reads the office keys (another desk rotated them). */
  async reloadKeys(): Promise<void> {
    const loaded = await loadOfficeKeys(this.pool, this.officeId, this.kek);
    for (const [id, key] of loaded.keys) this.keys.set(id, key);
    for (const id of [...this.keys.keys()]) if (!loaded.keys.has(id)) this.keys.delete(id);
    this.currentKeyId = loaded.currentKeyId;
  }

  /** For the blob writer. */
  keyFor(keyId: string): Buffer | undefined {
    return this.keys.get(keyId);
  }
}

/** Encrypts a body chunk by chunk into fxe.blob_chunks (see Office.blobWriter). */
export class OfficeBlobWriter {
  private readonly office: Office;
  readonly blobId: string;
  private readonly officeKeyId: string;
  private readonly blobKey = randomBytes(32);
  private readonly wrappedKey: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The last full chunk, held back until we know whether it is the last one. */
  private held: Buffer | null = null;
  private n = 0;
  private size = 0;
  private started = false;
  private sealed = false;
  private chain: Promise<void> = Promise.resolve();
  /** A transaction to write through (writeBlob), or null: each chunk on its own pooled connection. */
  private readonly via: pg.ClientBase | null;

  constructor(office: Office, blobId: string, officeKeyId: string, officeKey: Buffer, via: pg.ClientBase | null = null) {
    this.office = office;
    this.blobId = blobId;
    this.officeKeyId = officeKeyId;
    this.wrappedKey = wrapBlobKey(officeKey, blobId, this.blobKey);
    this.via = via;
  }

  private async run(sql: string, params: unknown[]): Promise<void> {
    if (this.via) await this.via.query(sql, params);
    else await this.office.query(sql, params, 'store fax body');
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.sealed) throw new Error('office blob: write after seal');
    this.size += chunk.length;
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.length;
    const full: Buffer[] = [];
    if (this.pendingBytes >= BODY_CHUNK_BYTES) {
      let all = Buffer.concat(this.pending);
      while (all.length >= BODY_CHUNK_BYTES) {
        full.push(all.subarray(0, BODY_CHUNK_BYTES));
        all = all.subarray(BODY_CHUNK_BYTES);
      }
      this.pending = all.length ? [all] : [];
      this.pendingBytes = all.length;
    }
    for (const f of full) {
      const prev = this.held;
      this.held = f;
      if (prev) this.enqueue(prev, false);
    }
    return this.chain;
  }

  private enqueue(plain: Buffer, last: boolean): void {
    const n = this.n++;
    const sealed = sealChunk(this.blobKey, this.blobId, n, last, plain);
    this.chain = this.chain.then(async () => {
      if (!this.started) {
        this.started = true;
        // This body's row first (the chunks reference it); the fax row will point at it once
        // everything is written.
        await this.run('INSERT INTO fxe.blobs (id, office_key_id, wrapped_key, size_bytes, chunk_count, created_at) VALUES ($1, $2, $3, 0, 0, $4)',
          [this.blobId, this.officeKeyId, this.wrappedKey, this.office.nowMs()]);
      }
      await this.run('INSERT INTO fxe.blob_chunks (blob_id, n, data) VALUES ($1, $2, $3)', [this.blobId, n, sealed]);
    });
  }

  /**
   * Writes the last chunk and waits for every chunk to be stored; nothing more may be written.
   * The receive sink calls it before it opens the transaction that inserts the fax, so that
   * transaction never waits for a second connection (see writeBlob).
   */
  async seal(): Promise<void> {
    if (!this.sealed) {
      this.sealed = true;
      const rest = Buffer.concat(this.pending);
      this.pending = [];
      if (this.held && rest.length === 0) {
        this.enqueue(this.held, true);
      } else {
        if (this.held) this.enqueue(this.held, false);
        this.enqueue(rest, true);
      }
      this.held = null;
    }
    await this.chain;
  }

  /**
   * Completes the blob row (sealing it first if need be). `c` is the transaction that also
   * inserts the fax: the body and the row that points at it become visible together.
   */
  async finish(c: pg.ClientBase): Promise<{ blobId: string; sizeBytes: number }> {
    await this.seal();
    // The size and chunk count are what readers check the body against: set in `c`, so a
    // body counts as complete only once the fax that points at it is committed.
    await c.query('UPDATE fxe.blobs SET size_bytes = $2, chunk_count = $3 WHERE id = $1', [this.blobId, this.size, this.n]);
    this.blobKey.fill(0);
    return { blobId: this.blobId, sizeBytes: this.size };
  }

  /** Throws away what was written (best effort: a later sweep removes anything left). */
  async abort(): Promise<void> {
    this.blobKey.fill(0);
    await this.chain.catch(() => undefined);
    if (this.started) await this.office.query('DELETE FROM fxe.blobs b WHERE b.id = $1 AND NOT EXISTS (SELECT 1 FROM fxe.faxes f WHERE f.blob_id = b.id)', [this.blobId], 'drop fax body').catch(() => undefined);
  }
}

async function loadOfficeKeys(pool: pg.Pool, officeId: string, kek: Kek): Promise<{ keys: Map<string, Buffer>; currentKeyId: string }> {
  const rows = (await pool.query<{ key_id: string; wrapped: Buffer | null }>(
    `SELECT k.key_id, w.wrapped FROM fxe.office_keys k LEFT JOIN fxe.office_key_wraps w ON w.key_id = k.key_id AND w.kek_id = $1
     WHERE k.retired_at IS NULL ORDER BY k.created_at DESC, k.key_id`, [kek.kekId])).rows;
  const keys = new Map<string, Buffer>();
  for (const r of rows) if (r.wrapped) keys.set(r.key_id, unwrapOfficeKey(kek, officeId, r.key_id, r.wrapped));
  const current = rows[0];
  if (!current || !keys.has(current.key_id)) {
    throw new DeskError('office.keys_mismatch', 'This keys.zip cannot open this office\'s faxes. Use the organisation\'s current keys.zip, or ask a desk that is already in the office to add it.', {
      detail: current ? `no wrap of office key ${current.key_id} for ${kek.kekId}` : 'no office key',
    });
  }
  return { keys, currentKeyId: current.key_id };
}

/**
 * Creates the office (first desk) or joins it: migrations, the office row, the first office
 * key, this desk's row and a "desk-join" audit line.
 */
export async function openOffice(o: OpenOfficeOptions): Promise<Office> {
  const log = o.log ?? (() => undefined);
  const nowMs = o.nowMs ?? Date.now;
  const where = redactUrl(o.url);
  const pool = openOfficePool({ ...o, applicationName: `fxe-desk ${o.desk.deskName}`.slice(0, 60) });
  try {
    let c: pg.PoolClient;
    try {
      c = await pool.connect();
    } catch (e) {
      throw officeDbError(e, `connect to ${where}`);
    }
    let broken: Error | null = null;
    const onError = (e: Error): void => { broken = e; };
    c.on('error', onError);
    let officeId: string;
    try {
      await migrateOffice(c);
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [CREATE_LOCK_KEY]);
      const existing = (await c.query<{ office_id: string; org_id: OrgId }>('SELECT office_id, org_id FROM fxe.office')).rows[0];
      if (existing && existing.org_id !== o.orgId) {
        throw new DeskError('office.other_org', 'This office database belongs to another organisation. Check the database address, or use that organisation\'s keys.zip.', { detail: `office org ${existing.org_id}, keys.zip org ${o.orgId}` });
      }
      officeId = existing?.office_id ?? randomUUID();
      const now = nowMs();
      if (!existing) {
        await c.query('INSERT INTO fxe.office (office_id, org_id, created_at) VALUES ($1, $2, $3)', [officeId, o.orgId, now]);
        const kek = deriveKek(o.signingSeed, officeId);
        const keyId = randomUUID();
        const key = newOfficeKey();
        await c.query('INSERT INTO fxe.office_keys (key_id, created_at) VALUES ($1, $2)', [keyId, now]);
        await c.query('INSERT INTO fxe.office_key_wraps (key_id, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4)', [keyId, kek.kekId, wrapOfficeKey(kek, officeId, keyId, key), now]);
        await c.query("INSERT INTO fxe.leases (name) VALUES ('receiver') ON CONFLICT DO NOTHING");
        key.fill(0);
      }
      await c.query(`INSERT INTO fxe.desks (id, name, person, joined_at, last_seen) VALUES ($1, $2, $3, $4, $4)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, person = excluded.person, last_seen = excluded.last_seen, left_at = NULL`, [o.desk.deskId, o.desk.deskName, o.desk.person, now]);
      await c.query('INSERT INTO fxe.audit_log (at, desk_id, person, org_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)',
        [now, o.desk.deskId, o.desk.person, o.orgId, existing ? 'desk-join' : 'office-create', o.desk.deskName]);
      await c.query('COMMIT');
    } catch (e) {
      if (!broken) await c.query('ROLLBACK').catch(() => undefined);
      throw e instanceof DeskError ? e : officeDbError(e, `open office at ${where}`);
    } finally {
      c.off('error', onError);
      c.release(broken ?? undefined);
    }
    const kek = deriveKek(o.signingSeed, officeId);
    const { keys, currentKeyId } = await loadOfficeKeys(pool, officeId, kek).catch((e: unknown) => { throw e instanceof DeskError ? e : officeDbError(e, 'load office keys'); });
    log(`office ${officeId} at ${where}: desk ${o.desk.deskName} joined`);
    return new Office({ pool, officeId, orgId: o.orgId, desk: { ...o.desk }, nowMs, log, where, keys, currentKeyId, kek });
  } catch (e) {
    await pool.end().catch(() => undefined);
    log(`office at ${where}: ${errorDetail(e)}`);
    throw e;
  }
}
