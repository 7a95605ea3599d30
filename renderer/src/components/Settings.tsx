// Settings, grouped the way an office thinks about them: receiving, the phone-network
// fallback, notifications, appearance, our organisations' keys, and retention (off unless
// someone turns it on). PSTN credentials go straight to the vault and are never shown again.
import type { OrgId } from '../../../shared/domain/ids.ts';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { OrgSummary, PstnProviderName, Settings as SettingsValue, UserError } from '../../../shared/domain/types.ts';
import { PSTN_PROVIDER_LABELS as PROVIDER_LABELS } from '../../../shared/domain/pstn.ts';
import { call, fxe, toUserError } from '../api.ts';
import { groupedFingerprint } from '../format.ts';
import { displayNumber, parseFaxNumber } from '../phone.ts';
import { getCountries } from 'libphonenumber-js/min';

/** Every country the number library knows, by its English name. */
function countryOptions(): [string, string][] {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  return getCountries()
    .map((c): [string, string] => [c, names.of(c) ?? c])
    .sort((a, b) => a[1].localeCompare(b[1]));
}
import { CoverTemplatesCard } from './CoverTemplates.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { FaxLinesCard } from './FaxLines.tsx';
import { OfficeCard } from './OfficeSettings.tsx';
import { ReceivingPanel } from './ReceivingPanel.tsx';

/**
 * What each provider needs, in the field names settings.configurePstn expects (main checks
 * the same list in electron/services/outbox/pstn-credentials.ts). Secrets are password
 * fields; an empty field keeps what is saved, since saved secrets are never shown again.
 */
interface ProviderField {
  key: string;
  label: string;
  hint?: string;
  secret: boolean;
  required: boolean;
}

const PROVIDER_FIELDS: Record<PstnProviderName, ProviderField[]> = {
  telnyx: [
    { key: 'apiKey', label: 'API key', secret: true, required: true },
    { key: 'connectionId', label: 'Connection ID', hint: 'The id of your Programmable Fax application.', secret: false, required: true },
    { key: 'webhookPublicKey', label: 'Webhook public key (optional)', hint: 'From the Telnyx portal; checks status updates sent to this computer.', secret: false, required: false },
    { key: 'webhookHmacSecret', label: 'Webhook signing secret (optional)', hint: 'Only for the older t=…,h=… signatures.', secret: true, required: false },
  ],
  mintfax: [
    { key: 'apiKey', label: 'API key', secret: true, required: true },
    { key: 'webhookSecret', label: 'Webhook signing secret (optional)', hint: 'Starts with whsec_. The old one keeps working for five minutes after a change.', secret: true, required: false },
  ],
};

const PUBLIC_API: Record<PstnProviderName, string> = { telnyx: 'https://api.telnyx.com', mintfax: 'https://api.mintfax.com' };

export function Settings({ orgs, onChanged, onNotice }: { orgs: OrgSummary[]; onChanged: (s: SettingsValue) => void; onNotice: (t: string) => void }) {
  const [settings, setSettings] = useState<SettingsValue | null>(null);
  const [error, setError] = useState<UserError | null>(null);

  useEffect(() => {
    call('settings.get', {}).then(setSettings, (err: unknown) => setError(toUserError(err)));
  }, []);

  // In an office, another desk may change the office's settings (fax lines' names, default
  // country, retention) while this page is open: read them again after every change, except
  // while a change made here is on its way (its answer is the newer value).
  const saving = useRef(0);
  useEffect(
    () =>
      fxe().onEvent((e) => {
        if ((e.type !== 'status.changed' && e.type !== 'faxes.changed') || saving.current > 0) return;
        call('settings.get', {}).then((next) => {
          if (saving.current === 0) setSettings((now) => (now && JSON.stringify(now) === JSON.stringify(next) ? now : next));
        }, () => undefined);
      }),
    [],
  );

  const update = async (patch: Partial<Omit<SettingsValue, 'pstn'>>) => {
    // Show the change at once (a checkbox that flips only after the round trip to main feels
    // broken), then take main's answer; on failure, show main's saved values again.
    const before = settings;
    setSettings((s) => (s ? { ...s, ...patch } : s));
    saving.current++;
    try {
      const next = await call('settings.update', patch);
      setSettings(next);
      onChanged(next);
    } catch (err) {
      setSettings(before);
      setError(toUserError(err));
    } finally {
      saving.current--;
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
              <ReceivingPanel onError={setError} />
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

        <Card title="Fax numbers">
          <label>
            Country for numbers typed without +
            <select value={settings.defaultCountry} onChange={(e) => update({ defaultCountry: e.target.value })} name="defaultCountry">
              <option value="">Same as this office's fax number</option>
              {countryOptions().map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <p className="hint">A number like 555 222 0002 is then read as a number in this country.</p>
        </Card>

        <FaxLinesCard orgs={orgs} names={settings.lineNames} onCommit={(lineNames) => void update({ lineNames })} />

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
          <p className="hint">
            Off by default. Deleted faxes wait in the Trash for {settings.retention.days} days (this setting, even when it is off), then are removed for good.
          </p>
        </Card>

        <CoverTemplatesCard orgs={orgs} onNotice={onNotice} onError={setError} />
        <OrgKeysCard orgs={orgs} onNotice={onNotice} onError={setError} />
        <OfficeCard onNotice={onNotice} onError={setError} />
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
  // The API address is not a secret: the saved one is shown, and clearing it means the public address.
  const savedBaseUrl = (p: PstnProviderName | ''): string => (p !== '' && p === settings.pstn.provider ? settings.pstn.baseUrl : '');
  const [baseUrl, setBaseUrl] = useState(savedBaseUrl(provider));
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // Saved secrets stay saved when the same provider is kept and a field is left empty.
  const keepsSaved = settings.pstn.configured && provider !== '' && provider === settings.pstn.provider;

  const save = async () => {
    setProblem(null);
    let from = '';
    const sent: Record<string, string> = {};
    if (provider) {
      const p = parseFaxNumber(fromNumber);
      if (!p.ok) return setProblem(`Caller ID: ${p.message}`);
      from = p.number.e164;
      const missing = PROVIDER_FIELDS[provider].filter((f) => f.required && !credentials[f.key]?.trim());
      if (missing.length && !keepsSaved) return setProblem(`Enter the ${missing.map((f) => f.label).join(' and ')}.`);
      for (const f of PROVIDER_FIELDS[provider]) {
        const v = credentials[f.key]?.trim();
        if (v) sent[f.key] = v;
      }
      // Always sent: empty (the public address) must be able to replace a saved one.
      sent['baseUrl'] = baseUrl.trim();
    }
    setSaving(true);
    try {
      onSaved(await call('settings.configurePstn', { provider: provider || null, fromNumber: from, credentials: sent }));
      setCredentials({});
    } catch (err) {
      onError(toUserError(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title="Phone-network fallback (PSTN)">
      <p className="hint">
        Used only when the recipient is not on fxe, and only after you confirm. Faxes sent this way are <strong>not end-to-end encrypted</strong>: the
        provider and the phone network can read them.
      </p>
      <label>
        Provider
        <select value={provider} onChange={(e) => { const p = e.target.value as PstnProviderName | ''; setProvider(p); setCredentials({}); setBaseUrl(savedBaseUrl(p)); setProblem(null); }} name="pstn-provider">
          <option value="">None (never send unencrypted)</option>
          <option value="telnyx">Telnyx</option>
          <option value="mintfax">mintfax</option>
        </select>
      </label>
      {provider && (
        <>
          <label>
            Caller ID for phone-network faxes
            <input value={fromNumber} onChange={(e) => setFromNumber(e.target.value)} placeholder="+1 212 555 0100" name="pstn-from" />
            <span className="hint">Your fax number at {PROVIDER_LABELS[provider]}.</span>
          </label>
          {PROVIDER_FIELDS[provider].map((f) => (
            <label key={f.key}>
              {f.label} {keepsSaved && <span className="muted">(saved; type to replace)</span>}
              <input
                type={f.secret ? 'password' : 'text'}
                autoComplete="off"
                spellCheck={false}
                name={`pstn-${f.key}`}
                value={credentials[f.key] ?? ''}
                onChange={(e) => setCredentials({ ...credentials, [f.key]: e.target.value })}
              />
              {f.hint && <span className="hint">{f.hint}</span>}
            </label>
          ))}
          <details className="advanced">
            <summary>Advanced</summary>
            <label>
              API address
              <input
                type="url"
                autoComplete="off"
                spellCheck={false}
                name="pstn-baseUrl"
                placeholder={PUBLIC_API[provider]}
                value={baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
              />
              <span className="hint">Leave empty for {PUBLIC_API[provider]}. Set it only for an on-premises proxy.</span>
            </label>
          </details>
        </>
      )}
      {problem && <p className="field-error" role="alert">{problem}</p>}
      <p className="status-line" data-testid="pstn-status">
        {settings.pstn.configured && settings.pstn.provider
          ? `✓ ${PROVIDER_LABELS[settings.pstn.provider]} is set up (caller ID ${displayNumber(settings.pstn.fromNumber)}).`
          : 'Not set up: faxes to numbers outside fxe cannot be sent.'}
      </p>
      <button type="button" onClick={save} disabled={saving}>
        {saving ? 'Saving…' : 'Save provider'}
      </button>
    </Card>
  );
}

function OrgKeysCard({ orgs, onNotice, onError }: { orgs: OrgSummary[]; onNotice: (t: string) => void; onError: (e: UserError) => void }) {
  const [confirmRotate, setConfirmRotate] = useState<OrgId | null>(null);
  // Which org's backup passphrase is being asked for ('' = restoring a backup).
  const [passphraseFor, setPassphraseFor] = useState<string | null>(null);
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
              {passphraseFor === o.orgId ? (
                <PassphraseForm
                  mode="export"
                  onCancel={() => setPassphraseFor(null)}
                  onSubmit={(passphrase) => (setPassphraseFor(null), run(call('orgs.exportBackup', { orgId: o.orgId, passphrase }).then((r) => (r ? `Backup saved to ${r.savedTo}` : null))))}
                />
              ) : (
                <button type="button" onClick={() => setPassphraseFor(o.orgId)}>
                  Back up keys…
                </button>
              )}
              {confirmRotate === o.orgId ? (
                <>
                  <span className="muted">New keys are made on this computer; the old ones keep working for 7 days while partners switch over.</span>
                  <button type="button" onClick={() => setConfirmRotate(null)}>
                    Cancel
                  </button>
                  <button
                    type="button"
                    className="warning"
                    onClick={() => (setConfirmRotate(null), run(call('orgs.rotateKeys', { orgId: o.orgId }).then((r) => `New keys are in use for ${r.name}. Keep the new keys.zip safe: the old one no longer works.`)))}
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
      {passphraseFor === '' ? (
        <PassphraseForm
          mode="restore"
          onCancel={() => setPassphraseFor(null)}
          onSubmit={(passphrase) => (setPassphraseFor(null), run(call('orgs.importBackup', { passphrase }).then((r) => (r ? `${r.name} restored from the backup.` : null))))}
        />
      ) : (
        <button type="button" onClick={() => setPassphraseFor('')}>
          Restore from a backup…
        </button>
      )}
    </section>
  );
}

/**
 * Asks for the passphrase of an encrypted key backup. Exporting: at least 10 characters,
 * typed twice (a typo would make the backup unopenable). Restoring: typed once; main then
 * opens the file dialog itself.
 */
export function PassphraseForm({ mode, onSubmit, onCancel }: { mode: 'export' | 'restore'; onSubmit: (passphrase: string) => void; onCancel: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const problem =
    mode === 'restore'
      ? passphrase.length === 0 ? 'Type the passphrase of the backup.' : null
      : passphrase.length < 10 ? 'Use at least 10 characters.' : passphrase !== repeat ? 'The two passphrases are not the same.' : null;
  return (
    <form
      className="inline"
      aria-label={mode === 'export' ? 'Backup passphrase' : 'Passphrase of the backup to restore'}
      onSubmit={(e) => { e.preventDefault(); if (!problem) onSubmit(passphrase); }}
    >
      <label>
        Backup passphrase
        <input type="password" autoComplete="new-password" autoFocus value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
      </label>
      {mode === 'export' && (
        <label>
          Repeat it
          <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </label>
      )}
      <span className="muted" role="status">{problem ?? (mode === 'export' ? 'Keep it somewhere safe: without it the backup cannot be opened.' : '')}</span>
      <button type="button" onClick={onCancel}>Cancel</button>
      <button type="submit" className="primary" disabled={problem !== null}>
        {mode === 'export' ? 'Save backup…' : 'Choose backup file…'}
      </button>
    </form>
  );
}
