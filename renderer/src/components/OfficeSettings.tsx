// Office mode in the window: the form to join (or create) an office — the office database's
// address from IT, your name, this desk's name — used by first-run onboarding (which also
// asks for the keys.zip) and by Settings; the Office card in Settings (where, who, state,
// leave); and the banner a desk shows while the office database cannot be reached. The
// address holds the database password: it goes to main once and is never shown again.
import { useEffect, useState, type FormEvent } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';
import type { OfficeStatus } from '../../../shared/ipc/contract.ts';
import { call, toUserError } from '../api.ts';

export function OfficeJoinForm({ withKeysZip, onJoined, onError }: { withKeysZip: boolean; onJoined: (s: OfficeStatus) => void; onError: (e: UserError) => void }) {
  const [url, setUrl] = useState('');
  const [personName, setPersonName] = useState('');
  const [deskName, setDeskName] = useState('');
  const [create, setCreate] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (!/^postgres(ql)?:\/\//i.test(url.trim())) return setProblem('Enter the office database address from your IT. It starts with postgresql://');
    if (!personName.trim()) return setProblem('Enter your name, as your colleagues should see it.');
    if (!deskName.trim()) return setProblem('Enter a name for this computer, like “Front desk”.');
    setBusy(true);
    try {
      const joined = await call('office.join', { url: url.trim(), personName: personName.trim(), deskName: deskName.trim(), create, importKeysZip: withKeysZip });
      if (joined) {
        setUrl(''); // the password is not kept on screen
        onJoined(joined);
      }
    } catch (err) {
      onError(toUserError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form office-join" onSubmit={submit} aria-label="Join your office" noValidate>
      <label>
        Office database address <span className="muted">(from your IT)</span>
        <input
          type="password"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="postgresql://name:password@server:5432/fxe"
          autoComplete="off"
          spellCheck={false}
          name="office-url"
        />
      </label>
      <label>
        Your name
        <input value={personName} onChange={(e) => setPersonName(e.target.value)} autoComplete="name" name="person-name" />
      </label>
      <label>
        This desk
        <input value={deskName} onChange={(e) => setDeskName(e.target.value)} placeholder="Front desk" name="desk-name" />
      </label>
      <fieldset>
        <legend>Is the office set up already?</legend>
        <label className="check">
          <input type="radio" name="office-create" checked={!create} onChange={() => setCreate(false)} />
          Join the office (another desk created it)
        </label>
        <label className="check">
          <input type="radio" name="office-create" checked={create} onChange={() => setCreate(true)} />
          Create the office (this is the first desk)
        </label>
      </fieldset>
      {problem && <p className="field-error" role="alert">{problem}</p>}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Connecting…' : withKeysZip ? 'Choose keys.zip and join…' : create ? 'Create the office' : 'Join the office'}
      </button>
    </form>
  );
}

/** Settings → Office: where this desk shares its inbox, or the form to start doing so. */
export function OfficeCard({ onNotice, onError }: { onNotice: (t: string) => void; onError: (e: UserError) => void }) {
  const [office, setOffice] = useState<OfficeStatus | null>(null);
  const [confirmLeave, setConfirmLeave] = useState(false);
  useEffect(() => {
    call('office.status', {}).then(setOffice, (err: unknown) => onError(toUserError(err)));
  }, [onError]);
  if (!office) return null;
  const leave = () => {
    setConfirmLeave(false);
    call('office.leave', {}).then((s) => (setOffice(s), onNotice('This desk left the office. The office keeps working on the other desks.')), (err: unknown) => onError(toUserError(err)));
  };
  return (
    <section className="card" aria-label="Office">
      <h2>Office</h2>
      {office.joined ? (
        <>
          <dl className="facts" data-testid="office-facts">
            <dt>Office database</dt>
            <dd><code>{office.server}</code></dd>
            <dt>This desk</dt>
            <dd>{office.deskName}</dd>
            <dt>You</dt>
            <dd>{office.personName}</dd>
            <dt>Connection</dt>
            <dd>{office.connection === 'connected' ? 'Connected: changes on other desks show here at once' : office.error?.message ?? 'Reconnecting…'}</dd>
            <dt>People</dt>
            <dd>{office.people.join(', ') || '—'}</dd>
          </dl>
          {confirmLeave ? (
            <div className="inline" role="group" aria-label="Leave the office?">
              <span>This desk goes back to its own inbox; the office keeps working.</span>
              <button type="button" className="danger" onClick={leave}>Leave the office</button>
              <button type="button" onClick={() => setConfirmLeave(false)}>Cancel</button>
            </div>
          ) : (
            <button type="button" onClick={() => setConfirmLeave(true)}>Leave the office…</button>
          )}
        </>
      ) : (
        <>
          <p className="hint">
            Several desks can share one inbox, sent items, outbox and phone book, with who read and who handles each fax. Your IT provides the
            office database (PostgreSQL); faxes are stored there encrypted with your organisation's keys.
          </p>
          <OfficeJoinForm withKeysZip={false} onJoined={(s) => (setOffice(s), onNotice(`This desk is now part of the office at ${s.server ?? 'the office database'}.`))} onError={onError} />
        </>
      )}
    </section>
  );
}

/** Shown while the office database cannot be reached: what is on screen stays, and it says so. */
export function OfficeBanner({ office }: { office: OfficeStatus | undefined }) {
  if (!office?.joined || office.connection === 'connected') return null;
  return (
    <p className="office-banner" role="status" data-testid="office-banner" title={office.error?.detail}>
      Office database unreachable — showing what was loaded; reconnecting…
    </p>
  );
}
