/**
 * The faxes of a date range for the activity report: received, sent (every outgoing fax that
 * was attempted: sent, delivered or failed), or both; oldest first, as a log is read. The
 * Trash is left out. Names come from the phone book, else the signed envelope.
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import type { ActivityLine } from '../print/transmission-report.ts';
import type { Db } from '../storage/database.ts';

export type ActivityDirection = 'received' | 'sent' | 'all';

/** A report longer than this is cut (and says so): a year of a busy office fits many times. */
export const MAX_ACTIVITY_LINES = 50_000;

interface Row {
  at: number; direction: 'in' | 'out'; from_number: string; to_number: string; name: string | null; file_name: string;
  subject: string | null; pages: number | null; route: 'fxe' | 'pstn'; state: string;
}

export function activityLines(db: Db, q: { orgId?: OrgId | undefined; direction: ActivityDirection; fromMs: number; toMs: number }): ActivityLine[] {
  const where = ['f.deleted_at IS NULL', 'f.at >= ?', 'f.at < ?'];
  const params: (string | number)[] = [q.fromMs, q.toMs];
  if (q.orgId) { where.push('f.org_id = ?'); params.push(q.orgId); }
  if (q.direction === 'received') where.push("f.direction = 'in'");
  else if (q.direction === 'sent') where.push("f.direction = 'out' AND f.state IN ('sent', 'delivered', 'failed')");
  else where.push("(f.direction = 'in' OR f.state IN ('sent', 'delivered', 'failed'))");
  const rows = db.prepare(
    `SELECT f.at, f.direction, f.from_number, f.to_number, f.file_name, f.subject, f.pages, f.route, f.state,
       coalesce((SELECT c.name FROM contacts c WHERE c.fax_number = f.peer_number LIMIT 1), f.peer_name) AS name
     FROM faxes f WHERE ${where.join(' AND ')} ORDER BY f.at, f.rowid LIMIT ?`,
  ).all(...params, MAX_ACTIVITY_LINES) as Row[];
  return rows.map((r) => ({
    at: r.at, direction: r.direction, from: r.from_number, to: r.to_number, name: r.name ?? '', fileName: r.file_name,
    subject: r.subject ?? '', pages: r.pages, route: r.route, status: r.state,
  }));
}
