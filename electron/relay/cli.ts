/**
 * The local relay's command line: `npm run relay -- <command> …` (docs/relay.md).
 *   serve   --port <p> --data <dir> [--public-url <u>] [--profile full|reference]
 *   demo    --data <dir> --out <dir> [--port <p>]
 *   invite  --data <dir> [--ttl <seconds>]
 *   webhook --data <dir> --org <org_id> --url <u>
 * Results go to stdout (one line, or JSON for `demo`); the server's log goes to stderr.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDemoOrgs } from './demo.ts';
import { RELAY_PROFILES, startRelay, type RelayHandle, type RelayProfile } from './index.ts';
import { mintInvite } from './invites.ts';
import { stderrLog } from './log.ts';
import { RelayStore } from './store.ts';
import { newWebhookSecret } from './webhooks.ts';

const USAGE = `usage: npm run relay -- <command> [options]
  serve   --port <p> --data <dir> [--public-url <u>] [--profile full|reference]
                                                       start the relay on 127.0.0.1; --profile reference
                                                       offers only what the reference relay offers
  demo    --data <dir> --out <dir> [--port <p>]        create two demo orgs and their keys.zip
  invite  --data <dir> [--ttl <seconds>]               mint a single-use invite token
  webhook --data <dir> --org <org_id> --url <u>        register a webhook endpoint, print its secret`;

/** A running `serve` leaves its URL here, so `demo` can use it instead of starting another. */
const SERVING_FILE = 'serving.json';

class UsageError extends Error {}

function need(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${flag}`);
  return value;
}

function portOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not "${value}"`);
  return port;
}

function profileOf(value: string | undefined): RelayProfile {
  if (value === undefined) return 'full';
  const profile = RELAY_PROFILES.find((p) => p === value);
  if (!profile) throw new UsageError(`--profile must be one of ${RELAY_PROFILES.join(', ')}, not "${value}"`);
  return profile;
}

async function serve(values: Record<string, string | undefined>): Promise<void> {
  const dataDir = resolve(need(values['data'], '--data'));
  const profile = profileOf(values['profile']);
  const relay = await startRelay({
    dataDir,
    profile,
    port: portOf(need(values['port'], '--port'), 0),
    log: stderrLog(),
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
  });
  const servingPath = join(dataDir, SERVING_FILE);
  writeFileSync(servingPath, JSON.stringify({ url: relay.url, pid: process.pid }));
  process.stdout.write(`fxe relay listening on ${relay.url}${profile === 'full' ? '' : ` (profile ${profile})`}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void relay.close().then(() => {
      rmSync(servingPath, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The URL of a `serve` already running on this data dir, if it answers. */
async function runningRelay(dataDir: string): Promise<string | undefined> {
  const servingPath = join(dataDir, SERVING_FILE);
  if (!existsSync(servingPath)) return undefined;
  try {
    const { url } = JSON.parse(readFileSync(servingPath, 'utf8')) as { url: string };
    // Any HTTP answer means it runs: a relay with the reference profile has no health route.
    const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status < 500 ? url : undefined;
  } catch {
    return undefined;
  }
}

async function demo(values: Record<string, string | undefined>): Promise<void> {
  const dataDir = resolve(need(values['data'], '--data'));
  const outDir = resolve(need(values['out'], '--out'));
  let relayUrl = await runningRelay(dataDir);
  let own: RelayHandle | undefined;
  if (!relayUrl) {
    own = await startRelay({ dataDir, port: portOf(values['port'], 8787) });
    relayUrl = own.url;
  }
  try {
    const orgs = await createDemoOrgs({ relayUrl, outDir });
    process.stdout.write(`${JSON.stringify({ relay: relayUrl, orgs }, null, 2)}\n`);
    if (own) process.stderr.write(`The demo relay has stopped; start it again with: npm run relay -- serve --port ${own.port} --data ${dataDir}\n`);
  } finally {
    await own?.close();
  }
}

function invite(values: Record<string, string | undefined>): void {
  const store = new RelayStore(resolve(need(values['data'], '--data')));
  try {
    const ttl = values['ttl'] === undefined ? undefined : Number(values['ttl']);
    if (ttl !== undefined && (!Number.isFinite(ttl) || ttl <= 0)) throw new UsageError('--ttl must be a positive number of seconds');
    const { invite_token } = mintInvite(store, Math.floor(Date.now() / 1000), ttl);
    process.stdout.write(`${invite_token}\n`);
  } finally {
    store.close();
  }
}

function webhook(values: Record<string, string | undefined>): void {
  const store = new RelayStore(resolve(need(values['data'], '--data')));
  try {
    const orgId = need(values['org'], '--org');
    const url = need(values['url'], '--url');
    if (!/^https?:\/\//.test(url)) throw new UsageError('--url must start with http:// or https://');
    if (!store.orgById(orgId)) throw new UsageError(`no org ${orgId} on this relay`);
    const secret = newWebhookSecret();
    store.putWebhook(orgId, url, secret, Math.floor(Date.now() / 1000));
    process.stdout.write(`${secret}\n`);
  } finally {
    store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      ttl: { type: 'string' },
      org: { type: 'string' },
      url: { type: 'string' },
      'public-url': { type: 'string' },
      profile: { type: 'string' },
    },
    strict: true,
  });
  const v = values as Record<string, string | undefined>;
  switch (command) {
    case 'serve':
      return serve(v);
    case 'demo':
      return demo(v);
    case 'invite':
      return invite(v);
    case 'webhook':
      return webhook(v);
    default:
      throw new UsageError(command === undefined ? 'no command' : `unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`relay: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
