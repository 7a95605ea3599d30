// How a send to several recipients is going, one line each: each recipient has its own fax,
// so each has its own state (sent, waiting for the relay, not on fxe, refused…). Shown in the
// send dialog after Send; the Outbox and Sent lists carry the same per-recipient states.
import type { FaxId } from '../../../shared/domain/ids.ts';
import type { OutboxState, UserError } from '../../../shared/domain/types.ts';
import { fullDate, stateLabel, stateTone } from '../format.ts';
import { displayNumber } from '../phone.ts';
import type { Recipient } from './RecipientField.tsx';

export interface SendItem {
  r: Recipient;
  route: 'fxe' | 'pstn';
  /** The recipient's fax, once queued; null while submitting, or when it was refused. */
  id: FaxId | null;
  state: OutboxState | null;
  progress: number | null;
  error: UserError | null;
  /** Queued because the relay cannot be reached right now (it goes when it can). */
  waitingForRelay: boolean;
  /** An outbox event has been seen for it (newer than any snapshot asked for). */
  fresh: boolean;
}

export function SendGroupProgress({ items, sendAt }: { items: SendItem[]; sendAt: number | null }) {
  const queued = items.filter((i) => i.id !== null).length;
  const refused = items.length - queued;
  return (
    <div className="send-progress group-progress" data-testid="send-recipients">
      <p className="big">
        {sendAt !== null
          ? `Scheduled for ${fullDate(sendAt)}: ${queued} ${queued === 1 ? 'fax waits' : 'faxes wait'} in the Outbox.`
          : `Sending to ${queued} recipient${queued === 1 ? '' : 's'}, each with a copy of its own.`}
      </p>
      {refused > 0 && <p className="field-error">{refused === 1 ? 'One recipient was left out' : `${refused} recipients were left out`}: see below. The others go regardless.</p>}
      <ul className="recipient-status" aria-label="Recipients">
        {items.map((i) => (
          <li key={i.r.number} data-number={i.r.number} data-state={i.id ? i.state ?? '' : 'refused'}>
            <span className="recipient-who">
              <strong>{i.r.name ?? displayNumber(i.r.number)}</strong>
              {i.r.name && <span className="muted"> · {displayNumber(i.r.number)}</span>}
              {i.route === 'pstn' && <span className="badge warn pstn">PSTN · not encrypted</span>}
            </span>
            {i.id === null ? (
              <span className="pill tone-bad">{i.error ? 'Not sent' : 'Submitting…'}</span>
            ) : i.waitingForRelay ? (
              <span className="pill tone-busy">Waiting for the connection</span>
            ) : (
              <span className={`pill tone-${stateTone(i.state ?? 'queued')}`}>{stateLabel(i.state ?? 'queued')}</span>
            )}
            {i.error && <span className="recipient-error">{i.error.message}</span>}
          </li>
        ))}
      </ul>
      <p className="muted">You can close this window; the Outbox shows each recipient's progress.</p>
    </div>
  );
}
