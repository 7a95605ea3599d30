// The activity report: every fax received and/or sent between two dates (this computer's
// days), saved as CSV for a spreadsheet or as PDF to print or file. Opened from the Inbox and
// Sent lists; the services write the file where the save dialog says.
import type { OrgId } from '../../../shared/domain/ids.ts';
import { useState, type FormEvent } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

type Direction = 'received' | 'sent' | 'all';

/** "YYYY-MM-DD" of a local day. */
function dayInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight at the start of "YYYY-MM-DD", plus `days` (calendar days: right across a clock change). */
function localMidnight(day: string, days = 0): number {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d! + days).getTime();
}

export function ActivityReportDialog({ orgId, initial, onClose }: { orgId: OrgId | undefined; initial: Direction; onClose: () => void }) {
  const today = new Date();
  const [from, setFrom] = useState(dayInput(new Date(today.getFullYear(), today.getMonth(), 1)));
  const [to, setTo] = useState(dayInput(today));
  const [direction, setDirection] = useState<Direction>(initial);
  const [format, setFormat] = useState<'csv' | 'pdf'>('pdf');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    setError(null);
    setSaved(null);
    if (!from || !to) return setProblem('Pick both dates.');
    if (to < from) return setProblem('The last day comes before the first day. Swap them.');
    setBusy(true);
    try {
      const r = await call('reports.activity', {
        ...(orgId ? { orgId } : {}),
        direction,
        fromMs: localMidnight(from),
        toMs: localMidnight(to, 1), // the whole last day
        format,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
      });
      if (r) setSaved(`Saved ${r.count === 1 ? '1 fax' : `${r.count} faxes`} to ${r.savedTo}`);
    } catch (err) {
      setError(toUserError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Activity report"
      onClose={onClose}
      testId="activity-report"
      footer={
        <>
          <button type="button" onClick={onClose}>
            {saved ? 'Done' : 'Cancel'}
          </button>
          <button type="submit" form="activity-report-form" className="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save report…'}
          </button>
        </>
      }
    >
      {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      <form id="activity-report-form" className="form report-form" onSubmit={save} noValidate>
        <label>
          First day
          <input type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} data-autofocus />
        </label>
        <label>
          Last day
          <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label className="span2">
          Faxes
          <select name="direction" value={direction} onChange={(e) => setDirection(e.target.value as Direction)}>
            <option value="received">Received</option>
            <option value="sent">Sent (including failed attempts)</option>
            <option value="all">Received and sent</option>
          </select>
        </label>
        <fieldset className="span2 pstn-choice">
          <legend>File type</legend>
          <label className="check">
            <input type="radio" name="format" checked={format === 'pdf'} onChange={() => setFormat('pdf')} />
            PDF, to print or file
          </label>
          <label className="check">
            <input type="radio" name="format" checked={format === 'csv'} onChange={() => setFormat('csv')} />
            CSV, for a spreadsheet
          </label>
        </fieldset>
        {problem && <p className="field-error span2" role="alert">{problem}</p>}
        {saved && <p className="span2" role="status" data-testid="report-saved">{saved}</p>}
        <p className="muted small span2">Times are this computer's local time. Faxes in the Trash are left out.</p>
      </form>
    </Dialog>
  );
}
