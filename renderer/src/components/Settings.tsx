// Settings, grouped the way an office thinks about them: receiving, the phone-network
// fallback, notifications, appearance, our organisations' keys, and retention (off unless
// someone turns it on). PSTN credentials go straight to the vault and are never shown again.
import { useEffect, useState, type ReactNode } from 'react';
import type { OrgSummary, PstnProviderName, Settings as SettingsValue, UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { groupedFingerprint } from '../format.ts';
import { displayNumber, parseFaxNumber } from '../phone.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

const PROVIDER_FIELDS: Record<PstnProviderName, { key: string; label: string }[]> = {
  telnyx: [
    { key: 'apiKey', label: 'API key' },
    { key: 'connectionId', label: 'Connection ID' },
  ],
  mintfax: [
    { key: 'apiKey', label: 'API key' },
    { key: 'accountId', label: 'Account ID' },
  ],
};

export function Settings({ orgs, onChanged, onNotice }: { orgs: OrgSummary[]; onChanged: (s: SettingsValue) => void; onNotice: (t: string) => void }) {
  const [settings, setSettings] = useState<SettingsValue | null>(null);
  const [error, setError] = useState<UserError | null>(null);

  useEffect(() => {
    call('settings.get', {}).then(setSettings, (err: unknown) => setError(toUserError(err)));
  }, []);

  const update = async (patch: Partial<Omit<SettingsValue, 'pstn'>>) => {
    try {
      const next = await call('settings.update', patch);
      setSettings(next);
      onChanged(next);
    } catch (err) {
      setError(toUserError(err));
    }
  };

  if (!settings) return <section className="page">{error ? <ErrorNotice error={error} /> : <p className="muted">Loading…</p>}</section>;

  return (
    <section className="page settings" aria-labelledby="settings-title">
      <header className="page-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      <div className="settings-grid">
        <Card title="Receiving faxes">
          <fieldset>
            <legend>How new faxes reach this computer</legend>
            <label className="check">
              <input type="radio" name="receive" checked={settings.receiveMode === 'poll'} onChange={() => update({ receiveMode: 'poll' })} />
              Check the relay regularly (works everywhere)
            </label>
            <label className="check">
              <input type="radio" name="receive" checked={settings.receiveMode === 'webhook'} onChange={() => update({ receiveMode: 'webhook' })} />
              Instant delivery through a webhook (needs a tunnel URL)
            </label>
          </fieldset>
          {settings.receiveMode === 'poll' ? (
            <NumberField label="Check every (seconds)" value={settings.pollIntervalSeconds} min={5} max={3600} onCommit={(v) => update({ pollIntervalSeconds: v })} />
          ) : (
            <>
              <TextField label="Public tunnel URL" value={settings.webhookTunnelUrl} placeholder="https://example.trycloudflare.com" onCommit={(v) => update({ webhookTunnelUrl: v })} />
              <NumberField label="Local listening port" value={settings.webhookListenPort} min={1024} max={65535} onCommit={(v) => update({ webhookListenPort: v })} />
            </>
          )}
        </Card>

        <PstnCard settings={settings} onSaved={(s) => (setSettings(s), onChanged(s), onNotice('Phone-network provider saved.'))} onError={setError} />

        <Card title="Notifications">
          <label className="check">
            <input type="checkbox" checked={settings.notifications.enabled} onChange={(e) => update({ notifications: { ...settings.notifications, enabled: e.target.checked } })} />
            Show a notification when a fax arrives
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.notifications.hideContentOnLockScreen}
              disabled={!settings.notifications.enabled}
              onChange={(e) => update({ notifications: { ...settings.notifications, hideContentOnLockScreen: e.target.checked } })}
            />
            Hide the sender and contents (just say “New fax”), e.g. on a shared or locked screen
          </label>
        </Card>

        <Card title="Appearance">
          <label>
            Theme
            <select value={settings.theme} onChange={(e) => update({ theme: e.target.value as SettingsValue['theme'] })}>
              <option value="system">Same as the system</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
        </Card>

        <Card title="Retention">
          <label className="check">
            <input type="checkbox" checked={settings.retention.enabled} onChange={(e) => update({ retention: { ...settings.retention, enabled: e.target.checked } })} />
            Clean up old faxes automatically
          </label>
          <div className="inline" aria-disabled={!settings.retention.enabled}>
            <select
              aria-label="What to do with old faxes"
              value={settings.retention.action}
              disabled={!settings.retention.enabled}
              onChange={(e) => update({ retention: { ...settings.retention, action: e.target.value as 'archive' | 'delete' } })}
            >
              <option value="archive">Archive</option>
              <option value="delete">Delete</option>
            </select>
            <span>faxes older than</span>
            <NumberField label="days" inline value={settings.retention.days} min={1} max={3650} disabled={!settings.retention.enabled} onCommit={(v) => update({ retention: { ...settings.retention, days: v } })} />
          </div>
          <p className="hint">Off by default. Deleted faxes cannot be recovered.</p>
        </Card>

        <OrgKeysCard orgs={orgs} onNotice={onNotice} onError={setError} />
      </div>
    </section>
  );
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function TextField({ label, value, placeholder, onCommit }: { label: string; value: string; placeholder?: string; onCommit: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <label>
      {label}
      <input value={text} placeholder={placeholder} onChange={(e) => setText(e.target.value)} onBlur={() => text !== value && onCommit(text.trim())} />
    </label>
  );
}

function NumberField(props: { label: string; value: number; min: number; max: number; inline?: boolean; disabled?: boolean; onCommit: (v: number) => void }) {
  const [text, setText] = useState(String(props.value));
  useEffect(() => setText(String(props.value)), [props.value]);
  const commit = () => {
    const n = Math.round(Number(text));
    if (!Number.isFinite(n) || n < props.min || n > props.max) return setText(String(props.value));
    if (n !== props.value) props.onCommit(n);
  };
  const input = <input type="number" min={props.min} max={props.max} value={text} disabled={props.disabled} aria-label={props.inline ? props.label : undefined} onChange={(e) => setText(e.target.value)} onBlur={commit} />;
  if (props.inline) return <>{input}<span>{props.label}</span></>;
  return (
    <label>
      {props.label}
      {input}
    </label>
  );
}

function PstnCard({ settings, onSaved, onError }: { settings: SettingsValue; onSaved: (s: SettingsValue) => void; onError: (e: UserError) => void }) {
  const [provider, setProvider] = useState<PstnProviderName | ''>(settings.pstn.provider ?? '');
  const [fromNumber, setFromNumber] = useState(settings.pstn.fromNumber);
  const [credentials, setCredentials] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);

  const save = async () => {
    setProblem(null);
    let from = '';
    if (provider) {
      const p = parseFaxNumber(fromNumber);
      if (!p.ok) return setProblem(`Caller ID: ${p.message}`);
      from = p.number.e164;
      const missing = PROVIDER_FIELDS[provider].filter((f) => !credentials[f.key]?.trim());
      if (missing.length && !settings.pstn.configured) return setProblem(`Enter the ${missing.map((f) => f.label).join(' and ')}.`);
    }
    try {
      onSaved(await call('settings.configurePstn', { provider: provider || null, fromNumber: from, credentials }));
      setCredentials({});
    } catch (err) {
      onError(toUserError(err));
    }
  };

  return (
    <Card title="Phone-network fallback (PSTN)">
      <p className="hint">Used only when the recipient is not on fxe, and only after you confirm. Faxes sent this way are not encrypted.</p>
      <label>
        Provider
        <select value={provider} onChange={(e) => setProvider(e.target.value as PstnProviderName | '')}>
          <option value="">None (never send unencrypted)</option>
          <option value="telnyx">Telnyx</option>
          <option value="mintfax">Mintfax</option>
        </select>
      </label>
      {provider && (
        <>
          <label>
            Caller ID for phone-network faxes
            <input value={fromNumber} onChange={(e) => setFromNumber(e.target.value)} placeholder="+1 212 555 0100" />
          </label>
          {PROVIDER_FIELDS[provider].map((f) => (
            <label key={f.key}>
              {f.label} {settings.pstn.configured && <span className="muted">(saved; type to replace)</span>}
              <input type="password" autoComplete="off" value={credentials[f.key] ?? ''} onChange={(e) => setCredentials({ ...credentials, [f.key]: e.target.value })} />
            </label>
          ))}
        </>
      )}
      {problem && <p className="field-error" role="alert">{problem}</p>}
      <p className="status-line">
        {settings.pstn.configured && settings.pstn.provider ? `✓ ${settings.pstn.provider} is set up (${displayNumber(settings.pstn.fromNumber)}).` : 'Not set up.'}
      </p>
      <button type="button" onClick={save}>
        Save provider
      </button>
    </Card>
  );
}

function OrgKeysCard({ orgs, onNotice, onError }: { orgs: OrgSummary[]; onNotice: (t: string) => void; onError: (e: UserError) => void }) {
  const [confirmRotate, setConfirmRotate] = useState<string | null>(null);
  const run = (p: Promise<string | null>) => p.then((t) => t && onNotice(t), (err: unknown) => onError(toUserError(err)));
  return (
    <section className="card wide" aria-label="Organisation keys">
      <h2>Organisation keys</h2>
      <p className="hint">Read the fingerprint out over the phone to let a partner check they are faxing the right organisation.</p>
      <ul className="org-keys">
        {orgs.map((o) => (
          <li key={o.orgId}>
            <div>
              <strong>{o.name}</strong> {o.isDemo && <span className="badge">demo</span>}
              <div className="muted">{o.faxNumbers.map(displayNumber).join(', ')} · relay {o.relay}</div>
              <code className="wrap">{groupedFingerprint(o.fingerprint)}</code>
            </div>
            <div className="row-actions">
              <button type="button" onClick={() => run(call('orgs.exportBackup', { orgId: o.orgId }).then((r) => (r ? `Backup saved to ${r.savedTo}` : null)))}>
                Back up keys…
              </button>
              {confirmRotate === o.orgId ? (
                <>
                  <span className="muted">Partners will see a key-change warning.</span>
                  <button type="button" onClick={() => setConfirmRotate(null)}>
                    Cancel
                  </button>
                  <button
                    type="button"
                    className="warning"
                    onClick={() => (setConfirmRotate(null), run(call('orgs.rotateKeys', { orgId: o.orgId }).then(() => 'New keys are in use. Back them up now.')))}
                  >
                    Rotate now
                  </button>
                </>
              ) : (
                <button type="button" onClick={() => setConfirmRotate(o.orgId)}>
                  Rotate keys…
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
