/**
 * The built-in tunnel: a public HTTPS address in front of the local webhook listener, for a
 * desk behind NAT on a relay without polling, through the ngrok agent library
 * (@ngrok/ngrok). Its authtoken lives in the vault only. It starts and stops with the desk;
 * while it runs, its URL is the desk's public address (registered as the webhook where the
 * relay offers registration, else shown for the relay's operator).
 *
 * The ngrok service itself is not reachable from tests: they drive the real library up to the
 * network boundary (no network: a clear error) and check the error wording ngrok documents.
 */
import type { TunnelStatus } from '../../../shared/ipc/contract.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import { errorDetail } from '../errors.ts';
import type { Vault } from '../vault/vault.ts';

export const TUNNEL_AUTHTOKEN_RECORD = 'tunnel/ngrok-authtoken';

/** What the tunnel needs from a tunnel library: forward a local port, give a URL, close. */
export interface TunnelDriver {
  forward(opts: { port: number; authtoken: string }): Promise<{ url: string; close(): Promise<void> }>;
}

/** The real driver: the ngrok agent library, loaded only when a tunnel is wanted. */
export function ngrokDriver(): TunnelDriver {
  return {
    async forward({ port, authtoken }) {
      const ngrok = (await import('@ngrok/ngrok')).default;
      const listener = await ngrok.forward({ addr: `127.0.0.1:${port}`, authtoken, proto: 'http' });
      const url = listener.url();
      if (!url) {
        await listener.close();
        throw new Error('the tunnel started without a public URL');
      }
      return { url, close: () => listener.close() };
    },
  };
}

/** A tunnel failure as the user should read it. ngrok documents its error codes (ERR_NGROK_…). */
export function tunnelError(e: unknown): UserError {
  const detail = errorDetail(e).slice(0, 500);
  if (/ERR_NGROK_(105|106|107|108|4018)|authtoken|authentication failed/i.test(detail)) {
    return { code: 'tunnel.bad_authtoken', message: 'The tunnel service did not accept the authtoken. Copy it again from your ngrok dashboard (Your Authtoken) and save it in Settings → Receiving.', detail };
  }
  if (/failed to (connect|establish)|dns|timed? ?out|connection refused|network is unreachable|tcp connection/i.test(detail)) {
    return { code: 'tunnel.unreachable', message: 'The tunnel service cannot be reached from this computer. Check the internet connection (or the firewall), then start the tunnel again.', detail };
  }
  return { code: 'tunnel.failed', message: 'The tunnel could not be started. Faxes sent by webhook cannot reach this computer until it runs, or until a public address is set in Settings → Receiving.', detail };
}

export interface TunnelDeps {
  vault: Vault;
  driver: TunnelDriver;
  log: (line: string) => void;
  /** The tunnel's state changed (to refresh the public address and the registration). */
  onChange?: (status: TunnelStatus) => void;
}

export class Tunnel {
  private readonly d: TunnelDeps;
  private state: TunnelStatus['state'] = 'off';
  private url: string | null = null;
  private error: UserError | null = null;
  private running: { close(): Promise<void> } | null = null;
  private port: number | null = null;

  constructor(deps: TunnelDeps) {
    this.d = deps;
  }

  status(): TunnelStatus {
    return { state: this.state, url: this.url, error: this.error, hasAuthtoken: this.d.vault.has(TUNNEL_AUTHTOKEN_RECORD) };
  }

  /** Keep (or with null, forget) the authtoken, in the vault only. */
  setAuthtoken(token: string | null): void {
    if (token === null) this.d.vault.delete(TUNNEL_AUTHTOKEN_RECORD);
    else this.d.vault.put(TUNNEL_AUTHTOKEN_RECORD, new TextEncoder().encode(token));
  }

  /** Start forwarding to the listener on `port` (again, if it runs for another port). */
  async start(port: number): Promise<TunnelStatus> {
    if (this.running && this.port === port) return this.status();
    await this.stop();
    const raw = this.d.vault.get(TUNNEL_AUTHTOKEN_RECORD);
    if (!raw) {
      this.set('error', null, { code: 'tunnel.no_authtoken', message: 'The built-in tunnel needs an ngrok authtoken: paste it in Settings → Receiving.' });
      return this.status();
    }
    this.set('starting', null, null);
    try {
      const t = await this.d.driver.forward({ port, authtoken: new TextDecoder().decode(raw) });
      raw.fill(0);
      this.running = t;
      this.port = port;
      this.set('running', t.url, null);
      this.d.log(`tunnel running: ${t.url} → 127.0.0.1:${port}`);
    } catch (e) {
      raw.fill(0);
      const err = tunnelError(e);
      this.d.log(`tunnel failed: ${err.code}: ${err.detail ?? ''}`);
      this.set('error', null, err);
    }
    return this.status();
  }

  async stop(): Promise<void> {
    const t = this.running;
    this.running = null;
    this.port = null;
    if (t) await t.close().catch((e: unknown) => this.d.log(`tunnel close: ${errorDetail(e)}`));
    if (this.state !== 'off') this.set('off', null, null);
  }

  private set(state: TunnelStatus['state'], url: string | null, error: UserError | null): void {
    this.state = state;
    this.url = url;
    this.error = error;
    this.d.onChange?.(this.status());
  }
}
