/**
 * The local fxe relay: a real HTTP server on 127.0.0.1 that behaves like the real relay as
 * far as the seeds and ../shared/fxe-wire.md say, plus our documented extensions
 * (docs/relay.md). Plain Node: tests, the CLI and the app's demo mode all embed it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayAuth } from './auth.ts';
import type { RelayContext, RelayProfile } from './context.ts';
import { sweepOrphans } from './fs-util.ts';
import { mintInvite } from './invites.ts';
import { silentLog, type RelayLog } from './log.ts';
import { sendJson } from './http-util.ts';
import { handleRequest } from './routes.ts';
import { RelayStore, relayPaths } from './store.ts';
import { WebhookDispatcher } from './webhooks.ts';

export interface StartRelayOptions {
  dataDir: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Unix seconds; defaults to the system clock. Drives auth skew, invites and rotation overlap. */
  nowSeconds?: () => number;
  /** Backoff after each failed webhook attempt (ms); defaults to DEFAULT_WEBHOOK_RETRY_DELAYS_MS. */
  webhookRetryDelaysMs?: number[];
  /** The base URL redeemed credentials point at; defaults to the URL the relay listens on. */
  publicUrl?: string;
  /** Serve POST /v1/dev/invites (local relay only). Default true. */
  devInvites?: boolean;
  /**
   * Answer only requests addressed to 127.0.0.1:<port> or localhost:<port> (the app's embedded
   * demo relay). A web page the user visits can make the browser talk to a local port under
   * its own host name (DNS rebinding); the Host header gives that away. Default false: a relay
   * behind a proxy or tunnel is reached under other names.
   */
  localHostOnly?: boolean;
  /** What the relay offers (context.ts); default 'full'. */
  profile?: RelayProfile;
  log?: RelayLog;
}

export interface RelayHandle {
  url: string;
  port: number;
  /** Mints a single-use invite token (the operator console of the real relay). */
  mintInvite(opts?: { ttlSeconds?: number }): Promise<{ token: string; expiresAt: number }>;
  /** Stops accepting, finishes open answers, stops webhook deliveries, closes the database. */
  close(): Promise<void>;
}

const systemSeconds = (): number => Math.floor(Date.now() / 1000);

function isLocalHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export async function startRelay(options: StartRelayOptions): Promise<RelayHandle> {
  const now = options.nowSeconds ?? systemSeconds;
  const log = options.log ?? silentLog;
  const paths = relayPaths(options.dataDir);
  const store = new RelayStore(options.dataDir);
  const swept = sweepOrphans({ incomingDir: paths.incoming, messagesDir: paths.messages, undelivered: store.undeliveredIds() });
  if (swept.removed > 0) log.info('removed leftovers of interrupted work', { files: swept.removed });

  const webhooks = new WebhookDispatcher({ store, now, log, ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}) });
  let url = '';
  const ctx: RelayContext = {
    store,
    auth: new RelayAuth(store, now),
    webhooks,
    log,
    now,
    messagesDir: paths.messages,
    incomingDir: paths.incoming,
    publicUrl: () => options.publicUrl ?? url,
    devInvites: options.devInvites ?? true,
    profile: options.profile ?? 'full',
  };

  let port = 0;
  const server: Server = createServer((req, res) => {
    if (options.localHostOnly && !isLocalHost(req.headers.host, port)) {
      sendJson(res, 421, { error: 'misdirected_request', message: 'This relay only answers requests addressed to 127.0.0.1 or localhost.' });
      return;
    }
    void handleRequest(ctx, req, res);
  });
  // Uploads of 100 MiB on a slow link take a while; idle sockets should not linger forever.
  server.requestTimeout = 15 * 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  log.info('relay listening', { url, profile: ctx.profile });
  webhooks.kick(); // deliveries left over from before a restart

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    mintInvite: async (opts) => {
      const invite = mintInvite(store, now(), opts?.ttlSeconds);
      return { token: invite.invite_token, expiresAt: invite.expires_at };
    },
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Give in-flight answers a moment, then cut what is left (a stalled upload).
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(force);
        await webhooks.close();
        store.close();
      })();
      return closing;
    },
  };
}

export { createDemoOrgs, type DemoOrg } from './demo.ts';
export { RELAY_PROFILES, type RelayProfile } from './context.ts';
