// The webhook side of "Receiving faxes": what each organisation's relay offers, the address
// to give a relay operator who registers webhooks by hand (and where their secret goes), and
// the built-in tunnel (ngrok) with its authtoken, which goes to the vault and is never shown.
import { useEffect, useState } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';
import type { ReceivingStatus } from '../../../shared/ipc/contract.ts';
import { call, toUserError } from '../api.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

const TUNNEL_STATE: Record<ReceivingStatus['tunnel']['state'], string> = {
  off: 'Off',
  starting: 'Starting…',
  running: 'Running',
  error: 'Not running',
};

export function ReceivingPanel({ onError }: { onError: (e: UserError) => void }) {
  const [status, setStatus] = useState<ReceivingStatus | null>(null);
  const [token, setToken] = useState('');
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const run = (p: Promise<ReceivingStatus>): void => {
    p.then(setStatus, (e: unknown) => onError(toUserError(e)));
  };
  useEffect(() => { run(call('receiving.status', {})); }, []);
  if (!status) return <p className="muted">Checking what your relay offers…</p>;
  const tunnelOn = status.tunnel.state !== 'off';
  return (
    <div className="receiving-panel" data-testid="receiving-panel">
      <p className="muted">
        Public address: {status.publicUrl ?? 'none yet'}
        {status.listenerUrl ? ` (forwards to ${status.listenerUrl})` : ''}
      </p>
      <fieldset>
        <legend>Built-in tunnel (ngrok)</legend>
        <label className="check">
          <input type="checkbox" checked={tunnelOn} onChange={(e) => run(call('receiving.configureTunnel', { enabled: e.target.checked }))} />
          Give this computer a public address through ngrok · {TUNNEL_STATE[status.tunnel.state]}
          {status.tunnel.url ? `: ${status.tunnel.url}` : ''}
        </label>
        <label className="field">
          <span>ngrok authtoken {status.tunnel.hasAuthtoken ? '(saved)' : ''}</span>
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} placeholder={status.tunnel.hasAuthtoken ? 'Saved in your keychain-protected vault' : 'Paste it from your ngrok dashboard'} />
        </label>
        <button type="button" disabled={token.trim().length === 0} onClick={() => { run(call('receiving.configureTunnel', { enabled: true, authtoken: token.trim() })); setToken(''); }}>
          Save authtoken and start
        </button>
        {status.tunnel.error && <ErrorNotice error={status.tunnel.error} />}
      </fieldset>
      {status.orgs.filter((o) => o.offers && (!o.offers.polling || !o.offers.webhookRegistration || !o.offers.deliveryProof)).map((o) => (
        <fieldset key={o.orgId}>
          <legend>Relay of {o.orgId}</legend>
          {!o.offers?.polling && <p>This relay delivers faxes only by webhook: this computer needs a public address.</p>}
          {!o.offers?.deliveryProof && <p>This relay does not report deliveries: sent faxes show no proof of delivery.</p>}
          {o.needsOperator && (
            <>
              <p>Give this address to your relay's operator: <code>{o.webhookUrl ?? 'set a public address first'}</code></p>
              <label className="field">
                <span>Webhook secret from the operator {o.hasWebhookSecret ? '(saved)' : ''}</span>
                <input type="password" autoComplete="off" value={secrets[o.orgId] ?? ''} onChange={(e) => setSecrets({ ...secrets, [o.orgId]: e.target.value })} />
              </label>
              <button type="button" disabled={(secrets[o.orgId] ?? '').trim().length < 16} onClick={() => { run(call('receiving.setWebhookSecret', { orgId: o.orgId, secret: (secrets[o.orgId] ?? '').trim() })); setSecrets({ ...secrets, [o.orgId]: '' }); }}>
                Save secret
              </button>
            </>
          )}
        </fieldset>
      ))}
    </div>
  );
}
