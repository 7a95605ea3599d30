// First run: three ways in. Import the keys.zip an administrator gave you (main opens the
// file dialog itself, so key bytes never pass through this page), redeem an invite, or try
// the demo: one click starts the embedded local relay with two demo organisations.
import { useState, type FormEvent } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { parseFaxNumber } from '../phone.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { OfficeJoinForm } from './OfficeSettings.tsx';
import { PassphraseForm } from './Settings.tsx';

export function Onboarding({ onReady, keychainError }: { onReady: () => void; keychainError: UserError | null }) {
  const [busy, setBusy] = useState<null | 'demo' | 'import' | 'invite' | 'restore'>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [showInvite, setShowInvite] = useState(false);
  const [showRestore, setShowRestore] = useState(false);
  const [showOffice, setShowOffice] = useState(false);

  const run = async (which: 'demo' | 'import' | 'restore', action: () => Promise<boolean>) => {
    setBusy(which);
    setError(null);
    try {
      if (await action()) onReady();
    } catch (err) {
      setError(toUserError(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <main className="onboarding" aria-labelledby="welcome-title">
      <div className="onboarding-inner">
        <div className="brand-large" aria-hidden="true">
          <span className="logo">fxe</span>
        </div>
        <h1 id="welcome-title">Welcome to fxe Desk</h1>
        <p className="lead">Send and receive faxes that only the recipient can read: encrypted end to end, with a signed receipt for every delivery.</p>
        {keychainError && <ErrorNotice error={keychainError} />}
        {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
        <div className="choices">
          <section className="choice">
            <h2>I have a keys file</h2>
            <p>Your administrator gave you a <code>keys.zip</code> for your organisation.</p>
            <button type="button" className="primary" disabled={busy !== null} onClick={() => run('import', async () => (await call('orgs.importKeysZip', {})) !== null)}>
              {busy === 'import' ? 'Importing…' : 'Import keys.zip…'}
            </button>
            {showRestore ? (
              <PassphraseForm
                mode="restore"
                onCancel={() => setShowRestore(false)}
                onSubmit={(passphrase) => { setShowRestore(false); void run('restore', async () => (await call('orgs.importBackup', { passphrase })) !== null); }}
              />
            ) : (
              <button type="button" disabled={busy !== null} onClick={() => setShowRestore(true)}>
                {busy === 'restore' ? 'Restoring…' : 'Restore an fxe Desk backup…'}
              </button>
            )}
          </section>
          <section className="choice">
            <h2>I have an invite</h2>
            <p>Join an fxe relay with the invite code you received.</p>
            <button type="button" disabled={busy !== null} onClick={() => setShowInvite(!showInvite)} aria-expanded={showInvite}>
              Redeem an invite…
            </button>
          </section>
          <section className="choice">
            <h2>Join your office</h2>
            <p>Several desks share one inbox. You need the office database address from your IT and your organisation's <code>keys.zip</code>.</p>
            <button type="button" disabled={busy !== null} onClick={() => setShowOffice(!showOffice)} aria-expanded={showOffice}>
              Join your office…
            </button>
          </section>
          <section className="choice highlight">
            <h2>Just looking</h2>
            <p>Try it with two demo organisations on this computer. Nothing leaves your machine.</p>
            <button type="button" className="primary" disabled={busy !== null} onClick={() => run('demo', async () => (await call('demo.start', {})).length > 0)}>
              {busy === 'demo' ? 'Starting the demo…' : 'Try the demo'}
            </button>
          </section>
        </div>
        {showInvite && <InviteForm onDone={onReady} onError={setError} />}
        {showOffice && <OfficeJoinForm withKeysZip onJoined={onReady} onError={setError} />}
      </div>
    </main>
  );
}

function InviteForm({ onDone, onError }: { onDone: () => void; onError: (e: UserError) => void }) {
  const [relayUrl, setRelayUrl] = useState('https://');
  const [token, setToken] = useState('');
  const [orgName, setOrgName] = useState('');
  const [numbers, setNumbers] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (!/^https?:\/\/[^\s]+$/.test(relayUrl.trim())) return setProblem('Enter the relay address from your invite, starting with https://');
    if (!token.trim()) return setProblem('Enter the invite code.');
    if (!orgName.trim()) return setProblem('Enter your organisation name, as recipients should see it.');
    const faxNumbers: string[] = [];
    for (const raw of numbers.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean)) {
      const p = parseFaxNumber(raw);
      if (!p.ok) return setProblem(`${raw}: ${p.message}`);
      faxNumbers.push(p.number.e164);
    }
    if (faxNumbers.length === 0) return setProblem('Enter at least one fax number of your organisation.');
    setBusy(true);
    try {
      if (await call('orgs.redeemInvite', { relayUrl: relayUrl.trim(), token: token.trim(), orgName: orgName.trim(), faxNumbers })) onDone();
    } catch (err) {
      onError(toUserError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form invite" onSubmit={submit} aria-label="Redeem an invite" noValidate>
      <label>
        Relay address
        <input value={relayUrl} onChange={(e) => setRelayUrl(e.target.value)} inputMode="url" />
      </label>
      <label>
        Invite code
        <input value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
      </label>
      <label>
        Organisation name
        <input value={orgName} onChange={(e) => setOrgName(e.target.value)} />
      </label>
      <label>
        Fax numbers <span className="muted">(with country code, separated by commas)</span>
        <input value={numbers} onChange={(e) => setNumbers(e.target.value)} placeholder="+1 212 555 0100" />
      </label>
      {problem && <p className="field-error" role="alert">{problem}</p>}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Joining…' : 'Join'}
      </button>
    </form>
  );
}
