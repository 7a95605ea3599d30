// What an office shares about one fax, in the fax detail: who read it (each person, on which
// desk), who handles it ("Handled by", assignable from a list of the office's people), and
// its history (the audit trail: views, prints, exports, sends, deletions, with desk and person
// in an office). On a single desk only the history shows.
import type { FaxId } from '../../../shared/domain/ids.ts';
import { useEffect, useState } from 'react';
import type { AuditEntry, FaxDetail, UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { fullDate } from '../format.ts';

const ACTION_LABELS: Record<string, string> = {
  receive: 'Received', receipt: 'Receipt sent', send: 'Sent', delivered: 'Delivered', view: 'Opened', print: 'Printed',
  export: 'Saved as PDF', delete: 'Moved to Trash', undelete: 'Delete undone', restore: 'Restored from Trash', purge: 'Deleted for good',
  reject: 'Refused', 'key-change': 'Recipient keys changed', 'key-accept': 'New keys accepted', 'key-blocked': 'New keys kept blocked: not sent', assign: 'Assigned', unassign: 'Unassigned',
  'mark-unread': 'Marked unread', note: 'Note changed', tag: 'Tags changed', archive: 'Archived', unarchive: 'Moved back from the archive',
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

/** "Read by" and "Handled by": only in an office (the detail then carries `readBy`). */
export function OfficeFacts({ fax, people, onError, onChanged }: { fax: FaxDetail; people: string[]; onError: (e: UserError) => void; onChanged: () => void }) {
  const [saving, setSaving] = useState(false);
  if (fax.readBy === undefined) return null;
  const assignee = fax.assignee ?? null;
  // Someone who left the office may still be the one handling a fax: keep them in the list.
  const options = assignee && !people.includes(assignee) ? [...people, assignee] : people;
  const assign = (next: string | null) => {
    setSaving(true);
    call('faxes.assign', { id: fax.id, assignee: next }).then(
      () => onChanged(),
      (err: unknown) => onError(toUserError(err)),
    ).finally(() => setSaving(false));
  };
  return (
    <section className="office-facts" aria-label="Shared in the office">
      <label className="handled-by">
        <span>Handled by</span>
        <select
          value={assignee ?? ''}
          disabled={saving}
          onChange={(e) => assign(e.target.value === '' ? null : e.target.value)}
          data-testid="handled-by"
        >
          <option value="">{assignee ? 'Nobody' : 'Nobody yet — assign to…'}</option>
          {options.map((p) => (
            <option key={p} value={p}>{p}</option>
          ))}
        </select>
      </label>
      <p className="read-by" data-testid="read-by">
        <span className="muted">Read by </span>
        {fax.readBy.length === 0
          ? <span className="muted">nobody yet</span>
          : fax.readBy.map((r, i) => (
            <span key={`${r.person}-${r.desk}`} title={`${fullDate(r.at)}${r.desk ? ` at ${r.desk}` : ''}`}>
              {i > 0 && ', '}
              <strong>{r.person}</strong>
              {r.desk && <span className="muted"> ({r.desk})</span>}
            </span>
          ))}
      </p>
    </section>
  );
}

/** The fax's history, loaded when opened and again whenever the fax changes while open. */
export function AuditTrail({ faxId, refreshKey }: { faxId: FaxId; refreshKey: number }) {
  const [open, setOpen] = useState(false);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  useEffect(() => {
    if (!open) return undefined;
    let alive = true;
    call('faxes.audit', { id: faxId }).then(
      (list) => { if (alive) { setEntries(list); setError(null); } },
      (err: unknown) => alive && setError(toUserError(err)),
    );
    return () => { alive = false; };
  }, [open, faxId, refreshKey]);
  return (
    <details className="audit-trail" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>History</summary>
      {error && <p className="field-error" role="alert">{error.message}</p>}
      {open && entries === null && !error && <p className="muted">Loading…</p>}
      {entries && entries.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      {entries && entries.length > 0 && (
        <ol className="audit-list" aria-label="History of this fax">
          {entries.map((e, i) => (
            <li key={i}>
              <time dateTime={new Date(e.at).toISOString()}>{fullDate(e.at)}</time>
              <span className="audit-action">{actionLabel(e.action)}</span>
              {e.person && <span className="audit-who">{e.person}{e.desk ? ` · ${e.desk}` : ''}</span>}
              {!e.person && e.desk && <span className="audit-who">{e.desk}</span>}
              {e.detail && <span className="muted audit-detail">{e.detail}</span>}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
