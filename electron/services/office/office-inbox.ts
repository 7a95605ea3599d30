/**
 * The shared inbox as a desk uses it: list and search, detail and body, per-person read
 * state, "handled by" (assignment), notes, tags, archive, delete/restore, the audit trail,
 * the phone book and office settings. Every change is one transaction that also writes its
 * audit line (who, from which desk), and the change feed tells the other desks.
 */
import type { FaxId, MessageId, OrgId } from '../../../shared/domain/ids.ts';
import type { FaxSummary, Folder, OutboxState } from '../../../shared/domain/types.ts';
import type pg from 'pg';
import { DeskError } from '../errors.ts';
import { scheduleMissedInTrash } from '../outbox/outbox.ts';
import type { NewOfficeFaxRecord } from '../storage/fax-record.ts';
import type { Office } from './office.ts';

export interface OfficeFaxSummary extends FaxSummary {
  /** Read by the person at this desk. */
  read: boolean;
  /** Everyone who read it. */
  readBy: string[];
  /** "Handled by": the person it is assigned to. */
  assignedTo: string | null;
  deletedAt: number | null;
}

export interface OfficeFaxDetail extends OfficeFaxSummary {
  note: string;
  senderOrgId: OrgId | null;
  recipientOrgId: OrgId | null;
  fromNumber: string;
  toNumber: string;
  ciphertextSha256: string | null;
  messageId: MessageId | null;
  assignedBy: string | null;
  assignedAt: number | null;
  reads: { person: string; deskId: string | null; at: number }[];
  failureJson: string | null;
  receiptJson: string | null;
}

export interface OfficeListQuery {
  folder?: Folder | 'trash';
  /** Matches sender name and number, file name, subject and note (substring, any case). */
  search?: string;
  tag?: string;
  assignedTo?: string;
  unreadOnly?: boolean;
  /** Page size (default 50, at most 500). */
  limit?: number;
  /** The last row of the previous page: the next page starts after it. */
  after?: { at: number; id: FaxId };
}

export interface AuditEntry {
  seq: number;
  at: number;
  deskId: string | null;
  deskName: string | null;
  person: string | null;
  action: string;
  faxId: FaxId | null;
  detail: string;
}

interface FaxRow {
  id: FaxId; org_id: OrgId; direction: 'in' | 'out'; folder: Folder; route: 'fxe' | 'pstn'; peer_number: string; peer_name: string | null;
  file_name: string; subject: string | null; pages: number | null; size_bytes: string; at: string; state: string; tags: string[]; note: string;
  assigned_to: string | null; deleted_at: string | null; read_by: string[] | null; send_at: string | null;
}

const SUMMARY_COLUMNS = `f.id, f.org_id, f.direction, f.folder, f.route, f.peer_number, f.peer_name, f.file_name, f.subject, f.pages, f.size_bytes, f.at,
  f.state, f.tags, f.note, f.assigned_to, f.deleted_at,
  ARRAY(SELECT r.person FROM fxe.fax_reads r WHERE r.fax_id = f.id ORDER BY r.read_at) AS read_by,
  coalesce((SELECT o.send_at FROM fxe.outbox o WHERE o.fax_id = f.id), (SELECT j.send_at FROM fxe.pstn_jobs j WHERE j.fax_id = f.id)) AS send_at`;

/** How many of the newest faxes a search reads in date order before using the trigram index. */
const RECENT_WINDOW = 20_000;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

export class OfficeInbox {
  private readonly o: Office;

  constructor(office: Office) {
    this.o = office;
  }

  private summary(r: FaxRow): OfficeFaxSummary {
    const readBy = r.read_by ?? [];
    return {
      id: r.id, orgId: r.org_id, direction: r.direction, folder: r.folder, route: r.route, peerNumber: r.peer_number, peerName: r.peer_name,
      fileName: r.file_name, subject: r.subject, pages: r.pages, sizeBytes: Number(r.size_bytes), at: Number(r.at),
      read: r.direction === 'out' || readBy.includes(this.o.desk.person), state: r.state as OutboxState | 'received', tags: r.tags, hasNote: r.note.length > 0,
      readBy, assignedTo: r.assigned_to, deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
      // "Send later" lives in the shared outbox row; grouped sends are not recorded in the office.
      sendAt: r.send_at === null ? null : Number(r.send_at), sendGroup: null,
    };
  }

  /** One page, newest first. Keyset pagination: `after` is the previous page's last row. */
  async list(q: OfficeListQuery = {}): Promise<OfficeFaxSummary[]> {
    const filters: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => { params.push(v); return `$${params.length}`; };
    const trash = q.folder === 'trash';
    if (trash) filters.push('f.deleted_at IS NOT NULL');
    else {
      filters.push('f.deleted_at IS NULL');
      if (q.folder) filters.push(`f.folder = ${p(q.folder)}`);
    }
    if (q.tag) filters.push(`f.tags @> ARRAY[${p(q.tag)}]::text[]`);
    if (q.assignedTo) filters.push(`f.assigned_to = ${p(q.assignedTo)}`);
    if (q.unreadOnly) filters.push(`f.direction = 'in' AND NOT EXISTS (SELECT 1 FROM fxe.fax_reads r WHERE r.fax_id = f.id AND r.person = ${p(this.o.desk.person)})`);
    if (q.after) filters.push(`(f.at, f.id) < (${p(q.after.at)}::bigint, ${p(q.after.id)}::text)`);
    const search = q.search?.trim().toLowerCase();
    const like = search ? p(`%${escapeLike(search)}%`) : null;
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    const order = trash ? 'f.deleted_at DESC, f.id DESC' : 'f.at DESC, f.id DESC';
    if (like && !trash) {
      // A word found in many faxes: the newest RECENT_WINDOW rows in date order hold a full
      // page of matches, and reading them (from the index alone: migration 006) beats
      // collecting every match from the trigram index and sorting them. Any match outside
      // the window is older than all of these, so the page is the same. A rarer word falls
      // through to the trigram index, which is fast exactly when matches are few.
      const recent = await this.o.query<{ id: string }>(
        `SELECT w.id FROM (SELECT f.id, f.at, f.search FROM fxe.faxes f WHERE ${filters.join(' AND ')} ORDER BY ${order} LIMIT ${RECENT_WINDOW}) w
         WHERE w.search LIKE ${like} ORDER BY w.at DESC, w.id DESC LIMIT ${limit}`, params, 'search faxes');
      if (recent.rows.length === limit) return this.byIdsInOrder(recent.rows.map((r) => r.id));
      // The matches first (MATERIALIZED: found through the trigram index, not by walking the
      // date index and testing every row, which the planner may prefer and which is slow
      // exactly for rare words), then the newest page of them.
      const rows = await this.o.query<FaxRow>(
        `WITH m AS MATERIALIZED (SELECT f.id, f.at FROM fxe.faxes f WHERE ${[...filters, `f.search LIKE ${like}`].join(' AND ')})
         SELECT ${SUMMARY_COLUMNS} FROM fxe.faxes f JOIN (SELECT id FROM m ORDER BY at DESC, id DESC LIMIT ${limit}) p ON p.id = f.id
         ORDER BY ${order} LIMIT ${limit}`, params, 'search faxes');
      return rows.rows.map((r) => this.summary(r));
    }
    const where = like ? [...filters, `f.search LIKE ${like}`] : filters;
    const rows = await this.o.query<FaxRow>(`SELECT ${SUMMARY_COLUMNS} FROM fxe.faxes f WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`, params, 'list faxes');
    return rows.rows.map((r) => this.summary(r));
  }

  /** Whole rows for ids already in page order (newest first). */
  private async byIdsInOrder(ids: string[]): Promise<OfficeFaxSummary[]> {
    const rows = await this.o.query<FaxRow>(`SELECT ${SUMMARY_COLUMNS} FROM fxe.faxes f WHERE f.id = ANY($1::text[]) ORDER BY f.at DESC, f.id DESC`, [ids], 'search faxes');
    return rows.rows.map((r) => this.summary(r));
  }

  /** How many faxes the person at this desk has not read (the tray badge). */
  async unreadCount(): Promise<number> {
    // Two counters kept by triggers in every writing transaction (migration 005), not a count.
    const r = await this.o.query<{ n: string }>(`SELECT (SELECT n FROM fxe.inbox_total) - coalesce((SELECT n FROM fxe.reads_in_inbox WHERE person = $1), 0) AS n`,
      [this.o.desk.person], 'count unread');
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Several faxes by id (a desk refreshing the rows the change feed named). */
  async byIds(ids: FaxId[]): Promise<OfficeFaxSummary[]> {
    if (ids.length === 0) return [];
    const rows = await this.o.query<FaxRow>(`SELECT ${SUMMARY_COLUMNS} FROM fxe.faxes f WHERE f.id = ANY($1::text[])`, [ids], 'read faxes');
    return rows.rows.map((r) => this.summary(r));
  }

  async detail(id: FaxId): Promise<OfficeFaxDetail> {
    const r = (await this.o.query<FaxRow & { sender_org_id: OrgId | null; recipient_org_id: OrgId | null; from_number: string; to_number: string; ciphertext_sha256: string | null;
      message_id: MessageId | null; assigned_by: string | null; assigned_at: string | null; failure_json: string | null; receipt_json: string | null }>(
      `SELECT ${SUMMARY_COLUMNS}, f.sender_org_id, f.recipient_org_id, f.from_number, f.to_number, f.ciphertext_sha256, f.message_id, f.assigned_by, f.assigned_at,
        f.failure_json, f.receipt_json FROM fxe.faxes f WHERE f.id = $1`, [id], 'read fax')).rows[0];
    if (!r) throw notFound(id);
    const reads = (await this.o.query<{ person: string; desk_id: string | null; read_at: string }>('SELECT person, desk_id, read_at FROM fxe.fax_reads WHERE fax_id = $1 ORDER BY read_at', [id], 'read fax')).rows;
    return {
      ...this.summary(r), note: r.note, senderOrgId: r.sender_org_id, recipientOrgId: r.recipient_org_id, fromNumber: r.from_number, toNumber: r.to_number,
      ciphertextSha256: r.ciphertext_sha256, messageId: r.message_id, assignedBy: r.assigned_by, assignedAt: r.assigned_at === null ? null : Number(r.assigned_at),
      reads: reads.map((x) => ({ person: x.person, deskId: x.desk_id, at: Number(x.read_at) })), failureJson: r.failure_json, receiptJson: r.receipt_json,
    };
  }

  /**
   * The decrypted PDF, for viewing, printing or saving: audited as `action` ('view', 'print',
   * 'export'), and viewing an unread fax marks it read for this person.
   */
  async body(id: FaxId, action: 'view' | 'print' | 'export' = 'view'): Promise<Buffer> {
    const row = (await this.o.query<{ blob_id: string | null; direction: string }>('SELECT blob_id, direction FROM fxe.faxes WHERE id = $1', [id], 'read fax')).rows[0];
    if (!row) throw notFound(id);
    if (!row.blob_id) throw new DeskError('office.blob_missing', 'This fax has no stored document.', { detail: id });
    // A body is sealed under its fax's id: a row pointing at another fax's body was altered.
    if (!blobBelongsTo(row.blob_id, id)) throw new DeskError('office.decrypt_failed', 'A fax in the office database could not be opened: it was altered on the server.', { detail: `${id} points at body ${row.blob_id}` });
    const pdf = await this.o.readBlob(row.blob_id);
    await this.o.tx(async (c) => {
      if (action === 'view' && row.direction === 'in') await this.markReadIn(c, [id], true);
      await this.o.audit(c, action, id);
    }, 'audit');
    return pdf;
  }

  /** Print or export happened elsewhere (a desk's own printing path): one audit line. */
  async recordAction(action: 'print' | 'export' | 'view', id: FaxId, detail = ''): Promise<void> {
    await this.o.audit(null, action, id, detail);
  }

  private async markReadIn(c: import('pg').ClientBase, ids: FaxId[], read: boolean): Promise<number> {
    if (read) {
      const r = await c.query(`INSERT INTO fxe.fax_reads (fax_id, person, desk_id, read_at) SELECT id, $2, $3, $4 FROM fxe.faxes WHERE id = ANY($1::text[])
        ON CONFLICT (fax_id, person) DO NOTHING`, [ids, this.o.desk.person, this.o.desk.deskId, this.o.nowMs()]);
      return r.rowCount ?? 0;
    }
    const r = await c.query('DELETE FROM fxe.fax_reads WHERE fax_id = ANY($1::text[]) AND person = $2', [ids, this.o.desk.person]);
    return r.rowCount ?? 0;
  }

  /** Read or unread for the person at this desk (others keep their own state). */
  async markRead(ids: FaxId[], read: boolean): Promise<void> {
    await this.o.tx(async (c) => {
      const changed = await this.markReadIn(c, ids, read);
      if (changed > 0 && !read) for (const id of ids) await this.o.audit(c, 'mark-unread', id);
    }, 'mark read');
  }

  /** "Handled by": assign to a person (null: nobody). */
  async assign(id: FaxId, person: string | null): Promise<void> {
    const who = person?.trim() ? person.trim().slice(0, 100) : null;
    await this.o.tx(async (c) => {
      const r = await c.query('UPDATE fxe.faxes SET assigned_to = $2, assigned_by = $3, assigned_at = $4, updated_at = $4 WHERE id = $1',
        [id, who, who ? this.o.desk.person : null, this.o.nowMs()]);
      if (!r.rowCount) throw notFound(id);
      await this.o.audit(c, who ? 'assign' : 'unassign', id, who ?? '');
    }, 'assign');
  }

  async setNote(id: FaxId, note: string): Promise<void> {
    await this.o.tx(async (c) => {
      const r = await c.query('UPDATE fxe.faxes SET note = $2, updated_at = $3 WHERE id = $1', [id, note.slice(0, 10_000), this.o.nowMs()]);
      if (!r.rowCount) throw notFound(id);
      await this.o.audit(c, 'note', id, `${note.length} characters`);
    }, 'note');
  }

  async setTags(id: FaxId, tags: string[]): Promise<void> {
    const clean = [...new Set(tags.map((t) => t.trim().slice(0, 50)).filter(Boolean))].slice(0, 30);
    await this.o.tx(async (c) => {
      const r = await c.query('UPDATE fxe.faxes SET tags = $2, updated_at = $3 WHERE id = $1', [id, clean, this.o.nowMs()]);
      if (!r.rowCount) throw notFound(id);
      await this.o.audit(c, 'tag', id, clean.join(', '));
    }, 'tags');
  }

  async archive(ids: FaxId[], archived: boolean): Promise<void> {
    await this.o.tx(async (c) => {
      await c.query('UPDATE fxe.faxes SET archived = $2, updated_at = $3 WHERE id = ANY($1::text[]) AND archived <> $2', [ids, archived, this.o.nowMs()]);
      for (const id of ids) await this.o.audit(c, archived ? 'archive' : 'unarchive', id);
    }, 'archive');
  }

  /** To the trash (restorable); the body is kept until the trash is emptied. */
  async delete(ids: FaxId[]): Promise<void> {
    await this.o.tx(async (c) => {
      await c.query('UPDATE fxe.faxes SET deleted_at = $2, deleted_by = $3, updated_at = $2 WHERE id = ANY($1::text[]) AND deleted_at IS NULL', [ids, this.o.nowMs(), this.o.desk.person]);
      for (const id of ids) await this.o.audit(c, 'delete', id);
    }, 'delete');
  }

  /** Back from the Trash; an outgoing fax that was on its way goes on (resumeRestoredOfficeFaxes). */
  async restore(ids: FaxId[]): Promise<void> {
    await this.o.tx(async (c) => {
      await c.query('UPDATE fxe.faxes SET deleted_at = NULL, deleted_by = NULL, updated_at = $2 WHERE id = ANY($1::text[])', [ids, this.o.nowMs()]);
      for (const id of ids) await this.o.audit(c, 'restore', id);
      await resumeRestoredOfficeFaxes(c, this.o, ids);
    }, 'restore');
  }

  /** The audit trail, newest first: of one fax, or of the whole office. */
  async audit(opts: { faxId?: FaxId; limit?: number; beforeSeq?: number } = {}): Promise<AuditEntry[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (opts.faxId) { params.push(opts.faxId); where.push(`a.fax_id = $${params.length}`); }
    if (opts.beforeSeq) { params.push(opts.beforeSeq); where.push(`a.seq < $${params.length}`); }
    const limit = Math.min(Math.max(opts.limit ?? 200, 1), 1000);
    const rows = await this.o.query<{ seq: string; at: string; desk_id: string | null; desk_name: string | null; person: string | null; action: string; fax_id: FaxId | null; detail: string }>(
      `SELECT a.seq, a.at, a.desk_id, d.name AS desk_name, a.person, a.action, a.fax_id, a.detail FROM fxe.audit_log a LEFT JOIN fxe.desks d ON d.id = a.desk_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.seq DESC LIMIT ${limit}`, params, 'read audit log');
    return rows.rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at), deskId: r.desk_id, deskName: r.desk_name, person: r.person, action: r.action, faxId: r.fax_id, detail: r.detail }));
  }

  // --- phone book, settings, desks ---------------------------------------------------------

  async contacts(): Promise<{ id: string; name: string; organisation: string; faxNumber: string }[]> {
    const rows = await this.o.query<{ id: string; name: string; organisation: string; fax_number: string }>('SELECT id, name, organisation, fax_number FROM fxe.contacts ORDER BY lower(name), id', [], 'read phone book');
    return rows.rows.map((r) => ({ id: r.id, name: r.name, organisation: r.organisation, faxNumber: r.fax_number }));
  }

  async saveContact(c: { id: string; name: string; organisation: string; faxNumber: string }): Promise<void> {
    await this.o.tx(async (t) => {
      await t.query(`INSERT INTO fxe.contacts (id, name, organisation, fax_number, updated_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, organisation = excluded.organisation, fax_number = excluded.fax_number, updated_at = excluded.updated_at`,
      [c.id, c.name, c.organisation, c.faxNumber, this.o.nowMs()]);
      await this.o.audit(t, 'contact-save', null, `${c.name} ${c.faxNumber}`);
    }, 'save contact');
  }

  async removeContact(id: string): Promise<void> {
    await this.o.tx(async (t) => {
      await t.query('DELETE FROM fxe.contacts WHERE id = $1', [id]);
      await this.o.audit(t, 'contact-remove', null, id);
    }, 'remove contact');
  }

  async settings(): Promise<Record<string, unknown>> {
    const rows = await this.o.query<{ key: string; value: string }>('SELECT key, value FROM fxe.office_settings', [], 'read settings');
    return Object.fromEntries(rows.rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    await this.o.tx(async (t) => {
      await t.query(`INSERT INTO fxe.office_settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`, [key, JSON.stringify(value), this.o.nowMs(), this.o.desk.person]);
      await this.o.audit(t, 'setting', null, key);
    }, 'save setting');
  }

  async desks(): Promise<{ id: string; name: string; person: string; lastSeen: number; left: boolean }[]> {
    const rows = await this.o.query<{ id: string; name: string; person: string; last_seen: string; left_at: string | null }>('SELECT id, name, person, last_seen, left_at FROM fxe.desks ORDER BY name, id', [], 'read desks');
    return rows.rows.map((r) => ({ id: r.id, name: r.name, person: r.person, lastSeen: Number(r.last_seen), left: r.left_at !== null }));
  }
}

/** Blob ids are `<fax id>.<8 hex digits>` (Office.blobWriter). */
export function blobBelongsTo(blobId: string, faxId: FaxId): boolean {
  return blobId.length === faxId.length + 9 && blobId.startsWith(`${faxId}.`) && /^[0-9a-f]{8}$/.test(blobId.slice(faxId.length + 1));
}

function notFound(id: FaxId): DeskError {
  return new DeskError('fax.not_found', 'That fax is no longer in the office inbox (another desk may have emptied the trash).', { detail: id });
}

/** A new fax row, as the office receive sink and the shared outbox write it (the fields a desk's row has too, and the message id). */
export type NewOfficeFax = NewOfficeFaxRecord;

export async function insertOfficeFax(c: import('pg').ClientBase, office: Office, f: NewOfficeFax): Promise<void> {
  await c.query(`INSERT INTO fxe.faxes (id, org_id, direction, route, message_id, peer_number, peer_name, file_name, subject, pages, size_bytes, at, state,
      sender_org_id, recipient_org_id, from_number, to_number, ciphertext_sha256, metadata_json, blob_id, created_by_desk, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $12)`,
  [f.id, f.orgId, f.direction, f.route, f.messageId, f.peerNumber, f.peerName, f.fileName, f.subject ?? null, f.pages, f.sizeBytes, f.at, f.state,
    f.senderOrgId, f.recipientOrgId, f.fromNumber, f.toNumber, f.ciphertextSha256, f.metadataJson, f.blobId, office.desk.deskId]);
}

/**
 * Outgoing office faxes just brought back from the Trash, inside the restoring transaction `c`,
 * by the same rules as a single desk's Outbox.resumeRestored: one that was on its way goes on
 * at once (while it was in the Trash no desk claimed it); a scheduled one keeps its time,
 * unless that passed while it was in the Trash: then it comes back failed, not sent late;
 * anything else comes back as it was.
 */
export async function resumeRestoredOfficeFaxes(c: pg.ClientBase, office: Office, ids: readonly FaxId[]): Promise<void> {
  const now = office.nowMs();
  // The fxe lane's rows and the phone lane's jobs (PG migration 009) come back by the same rules.
  const rows = (await c.query<{ id: FaxId; state: string; send_at: string | null; lane: 'outbox' | 'pstn_jobs' }>(
    `SELECT f.id, f.state, o.send_at, 'outbox' AS lane FROM fxe.faxes f JOIN fxe.outbox o ON o.fax_id = f.id
     WHERE f.id = ANY($1::text[]) AND f.direction = 'out' AND NOT o.done AND o.held_org_id IS NULL
     UNION ALL
     SELECT f.id, f.state, j.send_at, 'pstn_jobs' AS lane FROM fxe.faxes f JOIN fxe.pstn_jobs j ON j.fax_id = f.id
     WHERE f.id = ANY($1::text[]) AND f.direction = 'out' AND NOT j.done`, [ids])).rows;
  for (const r of rows) {
    if (r.state === 'scheduled' && r.send_at !== null && Number(r.send_at) <= now) {
      await c.query(`UPDATE fxe.${r.lane} SET done = true WHERE fax_id = $1`, [r.id]);
      await c.query("UPDATE fxe.faxes SET state = 'failed', failure_json = $2, updated_at = $3 WHERE id = $1", [r.id, JSON.stringify(scheduleMissedInTrash(Number(r.send_at))), now]);
      await office.audit(c, 'send', r.id, 'restored after its scheduled time: not sent');
    } else if (r.state !== 'scheduled') {
      // No waiting out a backoff that grew while it sat in the Trash.
      await c.query(`UPDATE fxe.${r.lane} SET next_attempt_at = 0 WHERE fax_id = $1`, [r.id]);
    }
  }
}
