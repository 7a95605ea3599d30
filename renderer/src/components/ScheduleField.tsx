// "Send later": a date and time on this computer's clock. The services store it as UTC (unix
// ms) and send the fax then, even after a restart; until that time it waits in the Outbox,
// where it can be sent at once or cancelled.
import { useId } from 'react';
import { fullDate } from '../format.ts';

/** A year ahead at most (the services refuse more): a date further out is almost always a typo. */
const MAX_AHEAD_MS = 365 * 24 * 60 * 60 * 1000;

export interface Schedule {
  enabled: boolean;
  /** The picker's value: local "YYYY-MM-DDTHH:MM" ('' until picked). */
  local: string;
}

export const NO_SCHEDULE: Schedule = { enabled: false, local: '' };

/** The picker's local "YYYY-MM-DDTHH:MM" for a moment. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The moment the user picked (unix ms), or why it cannot be used. null = send now. */
export function scheduledTime(s: Schedule, nowMs: number = Date.now()): { ok: true; sendAt: number | null } | { ok: false; message: string } {
  if (!s.enabled) return { ok: true, sendAt: null };
  if (!s.local) return { ok: false, message: 'Pick the date and time to send at, or untick "Send later".' };
  // "YYYY-MM-DDTHH:MM" without a zone is read as local time, which is what the user sees.
  const ms = new Date(s.local).getTime();
  if (Number.isNaN(ms)) return { ok: false, message: 'That date and time could not be read. Pick them again.' };
  if (ms <= nowMs) return { ok: false, message: 'That time has already passed. Pick a later time, or untick "Send later" to send now.' };
  if (ms > nowMs + MAX_AHEAD_MS) return { ok: false, message: 'That date is more than a year away. Check the date you picked.' };
  return { ok: true, sendAt: ms };
}

export function ScheduleField({ value, onChange, error }: { value: Schedule; onChange: (s: Schedule) => void; error: string | null }) {
  const id = useId();
  const picked = scheduledTime(value);
  return (
    <div className="schedule">
      <label className="check">
        <input
          type="checkbox"
          checked={value.enabled}
          onChange={(e) =>
            // A first tick offers the next whole hour, so the field is never empty to start with.
            onChange({ enabled: e.target.checked, local: value.local || toLocalInput(Math.ceil((Date.now() + 60_000) / 3_600_000) * 3_600_000) })
          }
        />
        Send later
      </label>
      {value.enabled && (
        <label className="schedule-when">
          <span>Send on</span>
          <input
            type="datetime-local"
            name="sendAt"
            value={value.local}
            min={toLocalInput(Date.now())}
            onChange={(e) => onChange({ enabled: true, local: e.target.value })}
            aria-invalid={error !== null}
            aria-describedby={`${id}-when`}
          />
          <span id={`${id}-when`} className={error ? 'field-error' : 'hint'} data-testid="schedule-hint">
            {error ??
              (picked.ok && picked.sendAt !== null
                ? `Goes out ${fullDate(picked.sendAt)} (this computer's time). It waits in the Outbox until then.`
                : ' ')}
          </span>
        </label>
      )}
    </div>
  );
}
