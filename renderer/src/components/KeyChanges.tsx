// Key changes: partner organisations whose security keys changed (or that now answer a number
// another organisation had), each waiting for a person to decide. Faxes to them are held
// meanwhile. "Accept new keys" (after checking the fingerprint with them, for example by
// phone) pins the keys and sends the held faxes; "Keep blocked" leaves the keys untrusted and
// the held faxes unsent (they turn Failed). In an office the list is the office's: the same on
// every desk, and a decision at one desk holds on all.
import type { OrgId } from '../../../shared/domain/ids.ts';
import { useCallback, useEffect, useState } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';
import type { HeldKeyChange } from '../../../shared/ipc/contract.ts';
import { call, toUserError } from '../api.ts';
import { fullDate, groupedFingerprint } from '../format.ts';
import { displayNumber } from '../phone.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

/** The first 16 hex digits, grouped: enough to tell two keys apart at a glance; the full one is a click away. */
function shortFingerprint(hex: string): string {
  return groupedFingerprint(hex.slice(0, 16));
}

/** Who the change is about, as a receptionist knows them. */
export function keyChangeTitle(c: HeldKeyChange): string {
  const number = c.numbers[0];
  if (c.peerName) return c.peerName;
  return number ? displayNumber(number) : c.peerOrgId;
}

export interface KeyChangesViewProps {
  orgId: OrgId;
  /** Bumped by the parent whenever main says faxes changed (another desk's decision included). */
  refreshKey: number;
  onNotice: (text: string) => void;
}

export function KeyChangesView({ orgId, refreshKey, onNotice }: KeyChangesViewProps) {
  const [changes, setChanges] = useState<HeldKeyChange[] | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(() => {
    call('keys.changes', { orgId }).then((list) => (setChanges(list), setError(null)), (err: unknown) => setError(toUserError(err)));
  }, [orgId]);
  useEffect(load, [load, refreshKey]);

  const decide = async (c: HeldKeyChange, accept: boolean) => {
    setBusy(c.peerOrgId);
    const who = keyChangeTitle(c);
    try {
      if (accept) {
        await call('send.acceptKeyChange', { orgId, recipientOrgId: c.peerOrgId, newFingerprint: c.newFingerprint });
        const n = c.heldFaxes.length;
        onNotice(n === 0 ? `New keys of ${who} accepted.` : `New keys of ${who} accepted: ${n === 1 ? 'the held fax is' : `${n} held faxes are`} being sent.`);
      } else {
        const { cancelled } = await call('keys.keepBlocked', { orgId, peerOrgId: c.peerOrgId });
        onNotice(cancelled === 0 ? `The new keys of ${who} stay blocked.` : `The new keys of ${who} stay blocked: ${cancelled === 1 ? 'the held fax was' : `${cancelled} held faxes were`} not sent.`);
      }
      load();
    } catch (err) {
      setError(toUserError(err));
      load();
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="page key-changes" aria-labelledby="key-changes-title">
      <header className="page-header">
        <h1 id="key-changes-title">Key changes</h1>
      </header>
      <p className="hint">
        A partner's security keys changed, or their number is now answered by another organisation. Faxes to them wait here. Call them (on a
        number you already know, not one from the fax) and compare the new fingerprint before you accept.
      </p>
      {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {changes && changes.length === 0 && <p className="empty">No key changes are waiting. Faxes to your partners go out as usual.</p>}
      <ul className="key-change-list">
        {(changes ?? []).map((c) => {
          const title = keyChangeTitle(c);
          return (
            <li key={c.peerOrgId}>
              <article className="card key-change" aria-label={`Key change: ${title}`} data-peer-org={c.peerOrgId}>
                <h2>{title}</h2>
                <p className="muted">
                  {c.previousOrgId ? 'This number is now answered by a different organisation than before.' : 'Their security keys changed.'}
                </p>
                <dl className="facts">
                  <dt>Fax {c.numbers.length === 1 ? 'number' : 'numbers'}</dt>
                  <dd>{c.numbers.length > 0 ? c.numbers.map(displayNumber).join(', ') : '—'}</dd>
                  <dt>Organisation</dt>
                  <dd><code>{c.peerOrgId}</code></dd>
                  <dt>Previous fingerprint</dt>
                  <dd title={groupedFingerprint(c.previousFingerprint)}>
                    <code aria-label="Previous fingerprint">{c.previousFingerprint ? shortFingerprint(c.previousFingerprint) : 'none (new organisation)'}</code>
                  </dd>
                  <dt>New fingerprint</dt>
                  <dd>
                    <details>
                      <summary><code className="strong" aria-label="New fingerprint">{shortFingerprint(c.newFingerprint)}</code> … <span className="muted small">(show all to read out)</span></summary>
                      <code className="wrap">{groupedFingerprint(c.newFingerprint)}</code>
                    </details>
                  </dd>
                  <dt>First seen</dt>
                  <dd>{fullDate(c.firstSeenAt)}</dd>
                </dl>
                {c.incomingWaiting > 0 && (
                  <p data-testid="incoming-waiting">
                    {c.incomingWaiting === 1 ? '1 fax from them waits' : `${c.incomingWaiting} faxes from them wait`} to come in: {c.incomingWaiting === 1 ? 'it arrives' : 'they arrive'} once
                    the new keys are accepted.
                  </p>
                )}
                {c.heldFaxes.length > 0 ? (
                  <>
                    <h3>{c.heldFaxes.length === 1 ? '1 fax waiting' : `${c.heldFaxes.length} faxes waiting`}</h3>
                    <ul aria-label={`Faxes waiting for ${title}`} className="held-faxes">
                      {c.heldFaxes.map((f) => (
                        <li key={f.id} data-fax-id={f.id}>
                          {f.fileName} <span className="muted">to {displayNumber(f.to)} · queued {fullDate(f.at)}</span>
                        </li>
                      ))}
                    </ul>
                  </>
                ) : (
                  <p className="muted small">No fax of yours is waiting; the next one to them will be held until this is decided.</p>
                )}
                <div className="row-actions">
                  <button type="button" className="primary" disabled={busy !== null} onClick={() => void decide(c, true)} aria-label={`Accept the new keys of ${title}`}>
                    Accept new keys
                  </button>
                  <button type="button" disabled={busy !== null} onClick={() => void decide(c, false)} aria-label={`Keep ${title} blocked`}>
                    Keep blocked
                  </button>
                </div>
              </article>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
