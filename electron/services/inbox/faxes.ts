/**
 * Fax metadata: the rows behind every folder (inbox, sent, outbox, archive), search, tags,
 * notes, read/unread, the Trash (a deleted fax keeps its row, with `deleted_at` set, until it
 * is restored or purged) and the audit log. Bodies are in BlobStore; this
 * class keeps only the wrapped per-file key that opens them.
 */
import { randomBytes } from 'node:crypto';
import type { FaxId, OrgId } from '../../../shared/domain/ids.ts';
import type { DeliveryReceiptView, FaxDetail, FaxSummary, Folder, OutboxState, Route, SendGroupMember, UserError } from '../../../shared/domain/types.ts';
import { DeskError } from '../errors.ts';
import type Database from 'better-sqlite3';
import type { Db } from '../storage/database.ts';
import { faxDetailOf, faxSummaryOf, type FaxRecord, type NewFaxRecord } from '../storage/fax-record.ts';

export interface FaxRow {
  rowid: number;
  id: FaxId;
  org_id: OrgId;
  direction: 'in' | 'out';
  route: Route;
  peer_number: string;
  peer_name: string | null;
  file_name: string;
  pages: number | null;
  size_bytes: number;
  at: number;
  read: number;
  archived: number;
  deleted_at: number | null;
  undo_token: string | null;
  state: OutboxState | 'received';
  note: string;
  tags: string;
  sender_org_id: OrgId | null;
  recipient_org_id: OrgId | null;
  from_number: string;
  to_number: string;
  ciphertext_sha256: string | null;
  metadata_json: string | null;
  failure_json: string | null;
  receipt_json: string | null;
  pstn_json: string | null;
  progress: number | null;
  blob_id: string | null;
  blob_key: Uint8Array | null;
  subject: string | null;
  send_group: string | null;
  send_at: number | null;
  folder: Folder;
  contact_name?: string | null;
}

/** A new row of the desk's own database: the shared fields, and its body's wrapped key. */
export interface NewFax extends NewFaxRecord {
  read: boolean;
  blobKey: Uint8Array | null;
  /** The send to several recipients this fax is one of. */
  sendGroup?: string | null;
  /** A scheduled fax's time (unix ms). */
  sendAt?: number | null;
}

export interface ListQuery {
  folder: Folder;
  orgId?: OrgId | undefined;
  query?: string | undefined;
  tag?: string | undefined;
  /** Incoming faxes that came in on this number of ours only. */
  line?: string | undefined;
  offset: number;
  limit: number;
}

export type AuditAction = 'send' | 'receive' | 'receipt' | 'delivered' | 'view' | 'print' | 'export' | 'delete' | 'undelete' | 'restore' | 'purge' | 'reject' | 'key-change' | 'key-accept' | 'key-blocked' | 'org-import' | 'org-remove' | 'backup-export' | 'backup-import' | 'key-rotate' | 'key-retire';

const CONTACT_NAME = '(SELECT c.name FROM contacts c WHERE c.fax_number = f.peer_number LIMIT 1) AS contact_name';

function notFound(id: FaxId): DeskError {
  return new DeskError('fax.not_found', 'That fax is no longer here.', { detail: `no fax ${id}` });
}

/**
 * A query that is only a phone number, however written ("(555) 111-0001", "555.111.0001",
 * "+1 555 111 0001"), is searched as its digits: numbers are stored as E.164.
 */
function phoneDigits(query: string): string | null {
  const q = query.trim();
  if (!/^\+?[\d\s().\-/]+$/.test(q)) return null;
  const digits = q.replace(/\D/g, '');
  return digits.length >= 3 && /[\s().\-/]/.test(q.replace(/^\+/, '')) ? digits : null;
}

/** FTS5 trigram needs 3+ characters per term; shorter terms are matched with LIKE. */
function searchClause(query: string): { sql: string; params: string[] } {
  const digits = phoneDigits(query);
  const terms = (digits ?? query).trim().split(/\s+/).filter((t) => t.length > 0).slice(0, 8);
  const parts: string[] = [];
  const params: string[] = [];
  const long = terms.filter((t) => [...t].length >= 3);
  if (long.length > 0) {
    parts.push('f.rowid IN (SELECT rowid FROM faxes_fts WHERE faxes_fts MATCH ?)');
    params.push(long.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND '));
  }
  for (const t of terms.filter((x) => [...x].length < 3)) {
    const like = `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    parts.push("(f.peer_number LIKE ? ESCAPE '\\' OR f.peer_name LIKE ? ESCAPE '\\' OR f.file_name LIKE ? ESCAPE '\\' OR f.note LIKE ? ESCAPE '\\' OR f.subject LIKE ? ESCAPE '\\')");
    params.push(like, like, like, like, like);
  }
  return { sql: parts.join(' AND '), params };
}

export class FaxRepository {
  private readonly db: Db;
  private readonly nowMs: () => number;

  private readonly statements = new Map<string, Database.Statement>();

  constructor(db: Db, nowMs: () => number) {
    this.db = db;
    this.nowMs = nowMs;
  }

  /** Prepared statements are compiled once per SQL text (inserts of 100k rows, hot list queries). */
  private q(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) { st = this.db.prepare(sql); this.statements.set(sql, st); }
    return st;
  }

  insert(f: NewFax): void {
    this.db
      .prepare(
        `INSERT INTO faxes (id, org_id, direction, route, peer_number, peer_name, file_name, pages, size_bytes, at, read, state,
           sender_org_id, recipient_org_id, from_number, to_number, ciphertext_sha256, metadata_json, blob_id, blob_key, subject,
           send_group, send_at)
         VALUES (@id, @orgId, @direction, @route, @peerNumber, @peerName, @fileName, @pages, @sizeBytes, @at, @read, @state,
           @senderOrgId, @recipientOrgId, @fromNumber, @toNumber, @ciphertextSha256, @metadataJson, @blobId, @blobKey, @subject,
           @sendGroup, @sendAt)`,
      )
      .run({ ...f, read: f.read ? 1 : 0, subject: f.subject ?? null, sendGroup: f.sendGroup ?? null, sendAt: f.sendAt ?? null });
  }

  exists(id: FaxId): boolean {
    return this.q('SELECT 1 FROM faxes WHERE id = ?').get(id) !== undefined;
  }

  row(id: FaxId, includeDeleted = false): FaxRow {
    const r = this.q(`SELECT f.*, ${CONTACT_NAME} FROM faxes f WHERE f.id = ?`).get(id) as FaxRow | undefined;
    if (!r || (!includeDeleted && r.deleted_at !== null)) throw notFound(id);
    return r;
  }

  list(q: ListQuery): { total: number; items: FaxSummary[] } {
    const where: string[] = ['f.deleted_at IS NULL', 'f.folder = ?'];
    const params: (string | number)[] = [q.folder];
    if (q.orgId) { where.push('f.org_id = ?'); params.push(q.orgId); }
    if (q.tag) { where.push('f.id IN (SELECT fax_id FROM fax_tags WHERE tag = ?)'); params.push(q.tag); }
    if (q.line) { where.push("f.direction = 'in' AND f.to_number = ?"); params.push(q.line); }
    if (q.query && q.query.trim()) {
      const s = searchClause(q.query);
      if (s.sql) { where.push(s.sql); params.push(...s.params); }
    }
    const w = where.join(' AND ');
    const total = (this.q(`SELECT count(*) AS n FROM faxes f WHERE ${w}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT f.*, ${CONTACT_NAME} FROM faxes f WHERE ${w} ORDER BY f.at DESC, f.rowid DESC LIMIT ? OFFSET ?`)
      .all(...params, q.limit, q.offset) as FaxRow[];
    return { total, items: rows.map(toSummary) };
  }

  detail(id: FaxId): FaxDetail {
    const r = this.row(id);
    return { ...toDetail(r), group: r.send_group ? this.sendGroup(r.send_group) : null };
  }

  /** Every recipient of one send to several, in the order they were given (deleted ones left out). */
  sendGroup(sendGroup: string): SendGroupMember[] {
    const rows = this.q(`SELECT f.*, ${CONTACT_NAME} FROM faxes f WHERE f.send_group = ? AND f.deleted_at IS NULL ORDER BY f.rowid`).all(sendGroup) as FaxRow[];
    return rows.map((r) => {
      const f = faxDetailOf(faxRecordOf(r));
      return { id: f.id, peerNumber: f.peerNumber, peerName: f.peerName, route: f.route, state: f.state, failureReason: f.failureReason };
    });
  }

  /** A scheduled fax's time changes (or is cleared, when it goes now). */
  setSendAt(id: FaxId, sendAt: number | null): void {
    this.q('UPDATE faxes SET send_at = ? WHERE id = ?').run(sendAt, id);
  }

  unreadCount(): number {
    // The Inbox badge: an archived fax is out of the Inbox, read or not. Kept by triggers
    // (migration 009), so it is read, not counted.
    return (this.q('SELECT coalesce(sum(unread), 0) AS n FROM inbox_line_counts').get() as { n: number }).n;
  }

  /** Unread incoming faxes per number they came in on (every number a fax came in on, 0 included). */
  lineCounts(orgId?: OrgId): { number: string; unread: number }[] {
    if (orgId) return this.q('SELECT to_number AS number, unread FROM inbox_line_counts WHERE org_id = ? ORDER BY to_number').all(orgId) as { number: string; unread: number }[];
    return this.q('SELECT to_number AS number, sum(unread) AS unread FROM inbox_line_counts GROUP BY to_number ORDER BY to_number').all() as { number: string; unread: number }[];
  }

    markRead(ids: FaxId[], read: boolean): void {
    const st = this.q('UPDATE faxes SET read = ? WHERE id = ?');
    this.db.transaction(() => { for (const id of ids) st.run(read ? 1 : 0, id); })();
  }

  archive(ids: FaxId[], archived: boolean): void {
    const st = this.q('UPDATE faxes SET archived = ? WHERE id = ?');
    this.db.transaction(() => { for (const id of ids) st.run(archived ? 1 : 0, id); })();
  }

  /**
   * Delete = move to the Trash: the fax leaves its folder (and the unread count, tags and
   * search) at once; Undo or Restore brings it back, the retention job purges it later.
   */
  softDelete(ids: FaxId[], reason = ''): string {
    const token = randomBytes(12).toString('hex');
    const now = this.nowMs();
    const st = this.q('UPDATE faxes SET deleted_at = ?, undo_token = ? WHERE id = ? AND deleted_at IS NULL');
    this.db.transaction(() => {
      for (const id of ids) {
        const r = this.q('SELECT org_id FROM faxes WHERE id = ?').get(id) as { org_id: OrgId } | undefined;
        if (!r) continue;
        st.run(now, token, id);
        this.audit('delete', r.org_id, id, reason);
      }
    })();
    return token;
  }

  /** The faxes one delete's Undo would bring back. */
  idsOfUndo(token: string): FaxId[] {
    return (this.q('SELECT id FROM faxes WHERE undo_token = ? AND deleted_at IS NOT NULL').all(token) as { id: FaxId }[]).map((r) => r.id);
  }

  undoDelete(token: string): number {
    const ids = this.q('SELECT id, org_id FROM faxes WHERE undo_token = ? AND deleted_at IS NOT NULL').all(token) as { id: FaxId; org_id: OrgId }[];
    if (ids.length === 0) throw new DeskError('fax.undo_expired', 'Those faxes can no longer be restored.', { detail: 'unknown or purged undo token' });
    this.db.transaction(() => {
      this.q('UPDATE faxes SET deleted_at = NULL, undo_token = NULL WHERE undo_token = ?').run(token);
      for (const r of ids) this.audit('undelete', r.org_id, r.id, '');
    })();
    return ids.length;
  }

  /**
   * The Trash, newest deletion first. `folder` stays the one the fax was deleted from (the
   * generated column ignores `deleted_at`), which is where Restore puts it back.
   */
  listTrash(orgId: OrgId | undefined, offset: number, limit: number): { total: number; items: (FaxSummary & { deletedAt: number })[] } {
    const where = orgId ? 'f.deleted_at IS NOT NULL AND f.org_id = ?' : 'f.deleted_at IS NOT NULL';
    const params = orgId ? [orgId] : [];
    const total = (this.q(`SELECT count(*) AS n FROM faxes f WHERE ${where}`).get(...params) as { n: number }).n;
    const rows = this.q(`SELECT f.*, ${CONTACT_NAME} FROM faxes f WHERE ${where} ORDER BY f.deleted_at DESC, f.rowid DESC LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as FaxRow[];
    return { total, items: rows.map((r) => ({ ...toSummary(r), deletedAt: r.deleted_at ?? 0 })) };
  }

  /** Out of the Trash, back to the folder each fax was deleted from. Returns how many moved. */
  restore(ids: FaxId[]): number {
    let restored = 0;
    this.db.transaction(() => {
      for (const id of ids) {
        const r = this.q('SELECT org_id FROM faxes WHERE id = ? AND deleted_at IS NOT NULL').get(id) as { org_id: OrgId } | undefined;
        if (!r) continue;
        this.q('UPDATE faxes SET deleted_at = NULL, undo_token = NULL WHERE id = ?').run(id);
        this.audit('restore', r.org_id, id, '');
        restored += 1;
      }
    })();
    return restored;
  }

  /** Of these ids, the faxes that are in the Trash (only those may be purged on request). */
  trashed(ids: FaxId[]): { id: FaxId; org_id: OrgId; blob_id: string | null }[] {
    const st = this.q('SELECT id, org_id, blob_id FROM faxes WHERE id = ? AND deleted_at IS NOT NULL');
    return ids.flatMap((id) => (st.get(id) as { id: FaxId; org_id: OrgId; blob_id: string | null } | undefined) ?? []);
  }

  /** Every fax in the Trash, of one organisation or of all. */
  allTrashed(orgId?: OrgId): { id: FaxId; org_id: OrgId; blob_id: string | null }[] {
    return (orgId
      ? this.q('SELECT id, org_id, blob_id FROM faxes WHERE deleted_at IS NOT NULL AND org_id = ?').all(orgId)
      : this.q('SELECT id, org_id, blob_id FROM faxes WHERE deleted_at IS NOT NULL').all()) as { id: FaxId; org_id: OrgId; blob_id: string | null }[];
  }

  /** Rows soft-deleted before `cutoffMs`: the caller removes their blobs, then `purgeRows`. */
  deletedBefore(cutoffMs: number): { id: FaxId; org_id: OrgId; blob_id: string | null }[] {
    return this.q('SELECT id, org_id, blob_id FROM faxes WHERE deleted_at IS NOT NULL AND deleted_at <= ?').all(cutoffMs) as {
      id: FaxId; org_id: OrgId; blob_id: string | null;
    }[];
  }

  purgeRows(ids: FaxId[], reason = ''): void {
    this.db.transaction(() => {
      for (const id of ids) {
        const r = this.q('SELECT org_id FROM faxes WHERE id = ?').get(id) as { org_id: OrgId } | undefined;
        this.q('DELETE FROM fax_tags WHERE fax_id = ?').run(id);
        this.q('DELETE FROM faxes WHERE id = ?').run(id);
        if (r) this.audit('purge', r.org_id, id, reason);
      }
    })();
  }

  setTags(id: FaxId, tags: string[]): void {
    this.row(id);
    const clean = [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
    this.db.transaction(() => {
      this.q('DELETE FROM fax_tags WHERE fax_id = ?').run(id);
      const ins = this.q('INSERT INTO fax_tags (fax_id, tag) VALUES (?, ?)');
      for (const t of clean) ins.run(id, t);
      this.q('UPDATE faxes SET tags = ? WHERE id = ?').run(clean.join(' '), id);
    })();
  }

  allTags(): string[] {
    // Only tags some fax still shows: a tag whose faxes are all deleted would lead nowhere.
    return (this.q('SELECT DISTINCT t.tag FROM fax_tags t JOIN faxes f ON f.id = t.fax_id WHERE f.deleted_at IS NULL ORDER BY t.tag').all() as { tag: string }[]).map((r) => r.tag);
  }

  /**
   * Faxes the retention policy applies to: older than the cutoff, not deleted, and finished
   * (received, sent or delivered: never a fax still waiting in the outbox). For 'archive',
   * only those not archived yet.
   */
  retentionCandidates(cutoffMs: number, action: 'archive' | 'delete', limit = 5000): FaxId[] {
    const sql = `SELECT id FROM faxes WHERE at < ? AND deleted_at IS NULL AND folder != 'outbox'${action === 'archive' ? ' AND archived = 0' : ''} ORDER BY at LIMIT ?`;
    return (this.q(sql).all(cutoffMs, limit) as { id: FaxId }[]).map((r) => r.id);
  }

  setSubject(id: FaxId, subject: string): void {
    this.q('UPDATE faxes SET subject = ? WHERE id = ?').run(subject, id);
  }

  setPages(id: FaxId, pages: number | null): void {
    this.q('UPDATE faxes SET pages = ? WHERE id = ?').run(pages, id);
  }

  /** Stored faxes (with a body) whose page count is still unknown. */
  idsWithoutPageCount(limit = 1000): FaxId[] {
    return (this.q('SELECT id FROM faxes WHERE pages IS NULL AND blob_id IS NOT NULL AND deleted_at IS NULL ORDER BY at DESC LIMIT ?').all(limit) as { id: FaxId }[]).map((r) => r.id);
  }

  setNote(id: FaxId, note: string): void {
    this.row(id);
    this.q('UPDATE faxes SET note = ? WHERE id = ?').run(note, id);
  }

  update(id: FaxId, patch: Partial<{ state: OutboxState | 'received'; progress: number | null; failure: UserError | null; receipt: DeliveryReceiptView | null; recipientOrgId: OrgId | null; ciphertextSha256: string | null; pstn: FaxDetail['pstn'] }>): void {
    const sets: string[] = [];
    const params: (string | number | null)[] = [];
    if (patch.state !== undefined) { sets.push('state = ?'); params.push(patch.state); }
    if (patch.progress !== undefined) { sets.push('progress = ?'); params.push(patch.progress); }
    if (patch.failure !== undefined) { sets.push('failure_json = ?'); params.push(patch.failure ? JSON.stringify(patch.failure) : null); }
    if (patch.receipt !== undefined) { sets.push('receipt_json = ?'); params.push(patch.receipt ? JSON.stringify(patch.receipt) : null); }
    if (patch.recipientOrgId !== undefined) { sets.push('recipient_org_id = ?'); params.push(patch.recipientOrgId); }
    if (patch.ciphertextSha256 !== undefined) { sets.push('ciphertext_sha256 = ?'); params.push(patch.ciphertextSha256); }
    if (patch.pstn !== undefined) { sets.push('pstn_json = ?'); params.push(patch.pstn ? JSON.stringify(patch.pstn) : null); }
    if (sets.length === 0) return;
    this.q(`UPDATE faxes SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
  }

  removeOrg(orgId: OrgId): { blob_id: string | null }[] {
    const blobs = this.q('SELECT blob_id FROM faxes WHERE org_id = ?').all(orgId) as { blob_id: string | null }[];
    this.db.transaction(() => {
      this.q('DELETE FROM fax_tags WHERE fax_id IN (SELECT id FROM faxes WHERE org_id = ?)').run(orgId);
      this.q('DELETE FROM faxes WHERE org_id = ?').run(orgId);
    })();
    return blobs;
  }

  blobReferenced(blobId: string): boolean {
    return this.q('SELECT 1 FROM faxes WHERE blob_id = ?').get(blobId) !== undefined;
  }

  audit(action: AuditAction, orgId: OrgId | null, faxId: FaxId | null, detail: string): void {
    this.q('INSERT INTO audit_log (at, org_id, action, fax_id, detail) VALUES (?, ?, ?, ?, ?)').run(this.nowMs(), orgId, action, faxId, detail);
  }

  auditTrail(faxId?: FaxId): { at: number; orgId: OrgId | null; action: string; faxId: FaxId | null; detail: string }[] {
    const rows = (faxId
      ? this.q('SELECT * FROM audit_log WHERE fax_id = ? ORDER BY seq').all(faxId)
      : this.q('SELECT * FROM audit_log ORDER BY seq').all()) as { at: number; org_id: OrgId | null; action: string; fax_id: FaxId | null; detail: string }[];
    return rows.map((r) => ({ at: r.at, orgId: r.org_id, action: r.action, faxId: r.fax_id, detail: r.detail }));
  }
}

/** This database's row in the shape both engines share: `read` a yes or no, tags a list. */
export function faxRecordOf(r: FaxRow): FaxRecord {
  return {
    ...r,
    contact_name: r.contact_name ?? null,
    subject: r.subject ?? null,
    read: r.read === 1,
    tags: r.tags ? r.tags.split(' ') : [],
    send_at: r.send_at ?? null,
    send_group: r.send_group ?? null,
  };
}

function toSummary(r: FaxRow): FaxSummary {
  return faxSummaryOf(faxRecordOf(r));
}

function toDetail(r: FaxRow): FaxDetail {
  return faxDetailOf(faxRecordOf(r));
}
