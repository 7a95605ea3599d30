// On an outgoing fax: when it is scheduled, when it goes and the two choices (send now, cancel);
// when it was one of a send to several recipients, every recipient of that send with its own
// state, so the receptionist sees the whole send from any one of its faxes.
import type { FaxDetail, UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { fullDate, stateLabel, stateTone } from '../format.ts';
import { displayNumber } from '../phone.ts';

export interface OutgoingSendPanelProps {
  fax: FaxDetail;
  onNotice: (text: string) => void;
  onError: (e: UserError) => void;
  /** The fax changed (lists refresh). */
  onChanged: () => void;
  /** The fax left this folder (cancelled: it is in the Trash now). */
  onGone: () => void;
}

export function OutgoingSendPanel({ fax, onNotice, onError, onChanged, onGone }: OutgoingSendPanelProps) {
  if (fax.direction !== 'out') return null;
  const scheduled = fax.state === 'scheduled' && fax.sendAt !== null;
  const run = (what: () => Promise<void>) => () => void what().catch((err: unknown) => onError(toUserError(err)));
  return (
    <>
      {scheduled && (
        <section className="notice scheduled-panel" aria-label="Scheduled" data-testid="scheduled-panel">
          <p>
            <strong>Goes out {fullDate(fax.sendAt!)}</strong> <span className="muted">(this computer's time)</span>. Nothing has been
            sent yet: it is encrypted for the recipient at that time.
          </p>
          <div className="row-actions">
            <button
              type="button"
              className="primary"
              onClick={run(async () => {
                await call('outbox.sendNow', { id: fax.id });
                onChanged();
                onNotice('Sending now. Watch the Outbox.');
              })}
            >
              Send now
            </button>
            <button
              type="button"
              className="danger"
              onClick={run(async () => {
                await call('outbox.cancelScheduled', { id: fax.id });
                onGone();
                onChanged();
                onNotice('Scheduled fax cancelled: it was not sent. It is in the Trash.');
              })}
            >
              Cancel sending
            </button>
          </div>
        </section>
      )}
      {fax.group && fax.group.length > 1 && (
        <section className="send-group-panel" aria-label="Recipients of this send" data-testid="send-group-panel">
          <h3>
            One send to {fax.group.length} recipients{fax.subject ? ` · ${fax.subject}` : ''}
          </h3>
          <ul className="recipient-status">
            {fax.group.map((m) => (
              <li key={m.id} data-number={m.peerNumber} data-state={m.state} aria-current={m.id === fax.id ? 'true' : undefined}>
                <span className="recipient-who">
                  <strong>{m.peerName ?? displayNumber(m.peerNumber)}</strong>
                  {m.peerName && <span className="muted"> · {displayNumber(m.peerNumber)}</span>}
                  {m.id === fax.id && <span className="muted"> (this fax)</span>}
                  {m.route === 'pstn' && <span className="badge warn pstn">PSTN · not encrypted</span>}
                </span>
                <span className={`pill tone-${stateTone(m.state)}`}>{stateLabel(m.state)}</span>
                {m.failureReason && m.state !== 'sent' && m.state !== 'delivered' && <span className="recipient-error">{m.failureReason.message}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
