/**
 * The office engine of InboxStore: the faxes, read marks, assignments, notes, tags, Trash,
 * audit trail and phone book every desk of the office shares, in the office's PostgreSQL
 * (schema: storage/postgres/migrations). Read state is per person ("read by"), and every
 * write reaches the other desks through the schema's change feed.
 *
 * Writes go through the office core (office/office-inbox.ts: one transaction with its audit
 * line naming desk and person); this adapter adds what the window's contract needs on top:
 * offset pages with a total, the phone book's names in the list, numbers found however
 * written, the Undo of a deletion, the purge of the Trash, and the one-entry-per-number rule
 * of the phone book. Bodies are opened with the office's keys (Office.readBlob): the
 * database holds only ciphertext.
 */
import type { FaxId } from '../../../shared/domain/ids.ts';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { AuditEntry, Contact, ReadMark } from '../../../shared/domain/types.ts';
import { DeskError } from '../errors.ts';
import { contactsFromCsv } from '../inbox/contacts.ts';
import type { Office } from './office.ts';
import { OfficeInbox, blobBelongsTo } from './office-inbox.ts';
import { faxDetailOf, faxSummaryOf, type FaxRecord } from '../storage/fax-record.ts';
import type { ContactStore, FaxPage, InboxStore } from '../storage/inbox-store.ts';

export interface PostgresInboxStoreDeps {
  office: Office;
  /** Every failure of the database, as a sentence (unreachable, refused, TLS…). */
  toError(e: unknown): DeskError;
}

/** A row as faxColumns selects it: the shared record, and what only this engine's handlers read. */
interface FaxRow extends FaxRecord {
  deleted_at: number | null;
  blob_id: string | null;
}

/**
 * The columns of a listed fax, already in the shape both engines share (fax-record.ts):
 * bigints as numbers, `read` for the person asking (`person` names that parameter), and the
 * desk-only columns the office schema has no use for as NULL.
 */
const faxColumns = (person: string): string => `f.id, f.org_id, f.direction, f.route, f.peer_number, f.peer_name, f.file_name, f.subject, f.pages,
  f.size_bytes::float8 AS size_bytes, f.at::float8 AS at, f.state, f.folder, f.note, f.tags, f.assigned_to, f.deleted_at::float8 AS deleted_at,
  f.sender_org_id, f.recipient_org_id, f.from_number, f.to_number, f.ciphertext_sha256, f.failure_json, f.receipt_json, f.progress, f.blob_id,
  coalesce((SELECT o.send_at FROM fxe.outbox o WHERE o.fax_id = f.id), (SELECT j.send_at FROM fxe.pstn_jobs j WHERE j.fax_id = f.id))::float8 AS send_at,
  NULL::text AS send_group,
  (SELECT json_build_object('provider', j.provider, 'providerFaxId', j.provider_fax_id, 'status', coalesce(j.provider_state, ''))::text
   FROM fxe.pstn_jobs j WHERE j.fax_id = f.id AND j.provider_fax_id IS NOT NULL) AS pstn_json,
  (SELECT c.name FROM fxe.contacts c WHERE c.fax_number = f.peer_number ORDER BY c.id LIMIT 1) AS contact_name,
  (f.direction = 'out' OR EXISTS (SELECT 1 FROM fxe.fax_reads r WHERE r.fax_id = f.id AND r.person = ${person})) AS read`;

function notFound(id: FaxId): DeskError {
  return new DeskError('fax.not_found', 'That fax is no longer here.', { detail: `no fax ${id}` });
}

/** A query that is only a phone number, however written, is searched as its digits (numbers are stored as E.164). */
function searchTerms(query: string): string[] {
  const q = query.trim();
  if (/^\+?[\d\s().\-/]+$/.test(q) && /[\s().\-/]/.test(q.replace(/^\+/, ''))) {
    const digits = q.replace(/\D/g, '');
    if (digits.length >= 3) return [digits];
  }
  return q.toLowerCase().split(/\s+/).filter((t) => t.length > 0).slice(0, 8);
}

const likePattern = (term: string): string => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function postgresInboxStore(d: PostgresInboxStoreDeps): InboxStore {
  const { office } = d;
  const shared = new OfficeInbox(office);
  /** Deletions this desk made, for the Undo of its own toast (in memory: Undo is a moment's action). */
  const undo = new Map<string, string[]>();

  /** Runs `work`, turning every failure into a sentence (and `office.unreachable` where it is that). */
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      throw e instanceof DeskError && !e.code.startsWith('office.') ? e : d.toError(e);
    }
  };
  const run = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<T>> => guard(() => office.pool.query<T>(sql, params));
  const person = (): string => office.desk.person;

  const row = async (id: FaxId, includeDeleted = false): Promise<FaxRow> => {
    const r = (await run<FaxRow>(`SELECT ${faxColumns('$2')} FROM fxe.faxes f WHERE f.id = $1`, [id, person()])).rows[0];
    if (!r || (!includeDeleted && r.deleted_at !== null)) throw notFound(id);
    return r;
  };

  /** Removed for good: rows (read marks and outbox rows go with them), then bodies no other fax shows. */
  const purge = (where: string, params: unknown[], reason: string): Promise<number> => guard(() => office.tx(async (c) => {
    const gone = (await c.query<{ id: FaxId; blob_id: string | null }>(
      `DELETE FROM fxe.faxes WHERE deleted_at IS NOT NULL AND ${where} RETURNING id, blob_id`, params)).rows;
    for (const g of gone) {
      if (g.blob_id) await c.query('DELETE FROM fxe.blobs b WHERE b.id = $1 AND NOT EXISTS (SELECT 1 FROM fxe.faxes f WHERE f.blob_id = b.id)', [g.blob_id]);
      // A phone-network fax's sealed order (office-pstn.ts) is named after the fax too; its job went with the row.
      await c.query(`DELETE FROM fxe.blobs b WHERE b.id > $1 || '.' AND b.id < $1 || '/'
        AND NOT EXISTS (SELECT 1 FROM fxe.faxes f WHERE f.blob_id = b.id) AND NOT EXISTS (SELECT 1 FROM fxe.pstn_jobs j WHERE j.order_blob_id = b.id)`, [g.id]);
      await office.audit(c, 'purge', g.id, reason);
    }
    return gone.length;
  }, 'purge'));

  const contacts: ContactStore = {
    async list(query) {
      type ContactRow = { id: string; name: string; organisation: string; fax_number: string };
      const rows = query && query.trim()
        ? (await run<ContactRow>(
          "SELECT * FROM fxe.contacts WHERE name ILIKE $1 ESCAPE '\\' OR organisation ILIKE $1 ESCAPE '\\' OR fax_number LIKE $1 ESCAPE '\\' ORDER BY name LIMIT 1000",
          [likePattern(query.trim())])).rows
        : (await run<ContactRow>('SELECT * FROM fxe.contacts ORDER BY name LIMIT 5000')).rows;
      return rows.map((r) => ({ id: r.id, name: r.name, organisation: r.organisation, faxNumber: r.fax_number }));
    },
    async save(c) {
      const id = c.id ?? `c_${randomBytes(8).toString('hex')}`;
      if (c.id && (await run('SELECT 1 FROM fxe.contacts WHERE id = $1', [c.id])).rowCount === 0) {
        throw new DeskError('contact.not_found', 'That contact no longer exists.', { detail: c.id });
      }
      // One entry per number: two names for one number would make the inbox name a guess.
      const twin = (await run<{ id: string; name: string }>('SELECT id, name FROM fxe.contacts WHERE fax_number = $1 AND id <> $2', [c.faxNumber, id])).rows[0];
      if (twin) {
        throw new DeskError('contact.duplicate_number', `This fax number is already in the phone book, as “${twin.name}”. Edit that contact instead.`, { detail: `${c.faxNumber} is ${twin.id}` });
      }
      const saved: Contact = { id, name: c.name, organisation: c.organisation, faxNumber: c.faxNumber };
      await guard(() => shared.saveContact(saved));
      return saved;
    },
    delete: (id) => guard(() => shared.removeContact(id)),
    async importCsv(csv) {
      const { contacts: rows, skipped: invalid } = contactsFromCsv(csv);
      let imported = 0;
      let skipped = invalid;
      for (const c of rows) {
        try {
          await contacts.save(c);
          imported++;
        } catch (e) {
          if (e instanceof DeskError && e.code === 'contact.duplicate_number') { skipped++; continue; }
          throw e;
        }
      }
      return { imported, skipped };
    },
    async exportCsv() {
      const esc = (s: string): string => (/[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s);
      const lines = ['name,organisation,fax_number', ...(await contacts.list()).map((c) => [c.name, c.organisation, c.faxNumber].map(esc).join(','))];
      return `${lines.join('\r\n')}\r\n`;
    },
  };

  return {
    engine: 'postgres',

    async list(q): Promise<FaxPage> {
      const where = ['f.deleted_at IS NULL', 'f.folder = $1'];
      const params: unknown[] = [q.folder];
      const add = (sql: (n: string) => string, v: unknown): void => { params.push(v); where.push(sql(`$${params.length}`)); };
      if (q.orgId) add((n) => `f.org_id = ${n}`, q.orgId);
      if (q.tag) add((n) => `f.tags @> ARRAY[${n}]::text[]`, q.tag);
      if (q.line) add((n) => `f.direction = 'in' AND f.to_number = ${n}`, q.line);
      if (q.query && q.query.trim()) for (const t of searchTerms(q.query)) add((n) => `f.search LIKE ${n}`, likePattern(t));
      const w = where.join(' AND ');
      const total = Number((await run<{ n: string }>(`SELECT count(*) AS n FROM fxe.faxes f WHERE ${w}`, params)).rows[0]?.n ?? 0);
      const rows = (await run<FaxRow>(`SELECT ${faxColumns(`$${params.length + 1}`)} FROM fxe.faxes f WHERE ${w} ORDER BY f.at DESC, f.id DESC LIMIT ${q.limit} OFFSET ${q.offset}`, [...params, person()])).rows;
      return { total, items: rows.map(faxSummaryOf) };
    },

    async detail(id) {
      const r = await row(id);
      const reads = (await run<{ person: string; desk: string | null; read_at: string }>(
        `SELECT r.person, coalesce(k.name, r.desk_id) AS desk, r.read_at FROM fxe.fax_reads r LEFT JOIN fxe.desks k ON k.id = r.desk_id
         WHERE r.fax_id = $1 ORDER BY r.read_at, r.person`, [id])).rows;
      const readBy: ReadMark[] = reads.map((x) => ({ person: x.person, desk: x.desk ?? '', at: Number(x.read_at) }));
      return { ...faxDetailOf(r), readBy };
    },

    async document(id) {
      const r = await row(id);
      if (!r.blob_id) throw new DeskError('fax.no_document', 'This fax has no document to show.', { detail: id });
      // A body is sealed under its own fax's id (one blob per receive attempt): a row pointing
      // at another fax's body was altered. The same check as the office core's (office-inbox.ts).
      const blobId = r.blob_id;
      if (!blobBelongsTo(blobId, id)) throw new DeskError('office.decrypt_failed', 'A fax in the office database could not be opened: it was altered on the server.', { detail: `${id} points at body ${r.blob_id}` });
      return { fileName: r.file_name, pdf: new Uint8Array(await guard(() => office.readBlob(blobId))) };
    },

    async unreadCount() {
      return guard(() => shared.unreadCount());
    },

    async lineCounts(orgId) {
      // Unread as the tray counts it: not read by this person, not archived.
      const rows = (await run<{ number: string; unread: string }>(
        `SELECT f.to_number AS number, count(*) FILTER (WHERE NOT f.archived AND NOT EXISTS (SELECT 1 FROM fxe.fax_reads r WHERE r.fax_id = f.id AND r.person = $1)) AS unread
         FROM fxe.faxes f WHERE f.direction = 'in' AND f.deleted_at IS NULL AND ($2::text IS NULL OR f.org_id = $2) GROUP BY f.to_number ORDER BY f.to_number`,
        [person(), orgId ?? null])).rows;
      return rows.map((r) => ({ number: r.number, unread: Number(r.unread) }));
    },

    markRead: (ids, read) => guard(() => shared.markRead(ids, read)),
    archive: (ids, archived) => guard(() => shared.archive(ids, archived)),

    async delete(ids) {
      const live = (await run<{ id: FaxId }>('SELECT id FROM fxe.faxes WHERE id = ANY($1::text[]) AND deleted_at IS NULL', [ids])).rows.map((r) => r.id);
      if (live.length > 0) await guard(() => shared.delete(live));
      const token = randomBytes(12).toString('hex');
      undo.set(token, live);
      return { undoToken: token };
    },

    async undoDelete(token) {
      const ids = undo.get(token);
      undo.delete(token);
      const back = ids ? (await run<{ id: FaxId }>('SELECT id FROM fxe.faxes WHERE id = ANY($1::text[]) AND deleted_at IS NOT NULL', [ids])).rows.map((r) => r.id) : [];
      if (back.length === 0) throw new DeskError('fax.undo_expired', 'Those faxes can no longer be restored.', { detail: ids ? 'already restored or purged' : 'unknown undo token' });
      await guard(() => shared.restore(back));
      return back.length;
    },

    async listTrash(orgId, offset, limit) {
      const params: unknown[] = [];
      let where = 'f.deleted_at IS NOT NULL';
      if (orgId) { params.push(orgId); where += ` AND f.org_id = $${params.length}`; }
      const total = Number((await run<{ n: string }>(`SELECT count(*) AS n FROM fxe.faxes f WHERE ${where}`, params)).rows[0]?.n ?? 0);
      const rows = (await run<FaxRow>(`SELECT ${faxColumns(`$${params.length + 1}`)} FROM fxe.faxes f WHERE ${where} ORDER BY f.deleted_at DESC, f.id DESC LIMIT ${limit} OFFSET ${offset}`, [...params, person()])).rows;
      return { total, items: rows.map((r) => ({ ...faxSummaryOf(r), deletedAt: r.deleted_at ?? 0 })) };
    },

    async restore(ids) {
      const trashed = (await run<{ id: FaxId }>('SELECT id FROM fxe.faxes WHERE id = ANY($1::text[]) AND deleted_at IS NOT NULL', [ids])).rows.map((r) => r.id);
      if (trashed.length > 0) await guard(() => shared.restore(trashed));
      return trashed.length;
    },

    deleteForever: (ids) => purge('id = ANY($1::text[])', [ids], 'deleted forever'),
    emptyTrash: (orgId) => (orgId ? purge('org_id = $1', [orgId], 'Trash emptied') : purge('true', [], 'Trash emptied')),

    async setTags(id, tags) {
      await row(id);
      await guard(() => shared.setTags(id, tags));
    },

    async allTags() {
      return (await run<{ tag: string }>('SELECT DISTINCT unnest(tags) AS tag FROM fxe.faxes WHERE deleted_at IS NULL ORDER BY 1')).rows.map((r) => r.tag);
    },

    async setNote(id, note) {
      await row(id);
      await guard(() => shared.setNote(id, note));
    },

    async assign(id, assignee) {
      await row(id);
      await guard(() => shared.assign(id, assignee));
    },

    async audit(action, faxId, detail) {
      await row(faxId, true);
      await guard(() => office.audit(null, action, faxId, detail));
    },

    async auditTrail(faxId) {
      const entries = await guard(() => shared.audit({ faxId, limit: 1000 }));
      return entries.reverse().map((e): AuditEntry => ({ at: e.at, action: e.action, detail: e.detail, desk: e.deskName ?? e.deskId, person: e.person ? e.person : null }));
    },

    contacts,
  };
}
