// Shared test helpers for the services suites: real relays on 127.0.0.1, real temp dirs,
// real PDFs. Nothing here mocks our own code.
import type { OrgId } from '../../shared/domain/ids.ts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startRelay, type RelayHandle, type RelayProfile } from '../../electron/relay/index.ts';
import { RelayStore } from '../../electron/relay/store.ts';
import { newWebhookSecret } from '../../electron/relay/webhooks.ts';
import { createDemoOrgs, type DemoOrg } from '../../electron/relay/demo.ts';
import { createDesk, type Desk, type DeskDeps } from '../../electron/services/desk.ts';
import { createMemoryKeychain, type Keychain } from '../../electron/services/keychain/keychain.ts';
import type { RequestChannel, RequestOf, ResponseOf } from '../../shared/ipc/contract.ts';

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `fxe-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A structurally valid PDF with `pages` pages; `padBytes` of random data in a stream. */
export function makePdf(pages = 1, padBytes = 0): Uint8Array {
  const objs: string[] = [];
  const kids = Array.from({ length: pages }, (_, i) => `${4 + i} 0 R`).join(' ');
  objs.push('<< /Type /Catalog /Pages 2 0 R >>');
  objs.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  const pad = randomBytes(padBytes);
  const head = new TextEncoder().encode('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  const parts: Uint8Array[] = [head];
  const offsets: number[] = [];
  let length = head.length;
  const add = (bytes: Uint8Array): void => { parts.push(bytes); length += bytes.length; };
  const te = new TextEncoder();
  // 3: the padding stream (random bytes: incompressible, like a scanned page).
  objs.push('');
  for (let i = 0; i < pages; i++) objs.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>');
  objs.forEach((o, i) => {
    offsets.push(length);
    if (i === 2) {
      add(te.encode(`3 0 obj\n<< /Length ${pad.length} >>\nstream\n`));
      add(pad);
      add(te.encode('\nendstream\nendobj\n'));
    } else add(te.encode(`${i + 1} 0 obj\n${o}\nendobj\n`));
  });
  const xref = length;
  add(te.encode(`xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`));
  add(te.encode(`trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`));
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface TestRelay {
  relay: RelayHandle;
  orgs: DemoOrg[];
  dir: { path: string; remove(): void };
  /** 'full' (our extensions) or 'reference' (only what the reference relay offers). */
  profile: RelayProfile;
  /** As the relay's operator does with `npm run relay -- webhook`: register a URL, get its secret. */
  registerWebhookAsOperator(orgId: OrgId, url: string): string;
  close(): Promise<void>;
}

export async function startTestRelay(opts: { webhookRetryDelaysMs?: number[]; profile?: RelayProfile } = {}): Promise<TestRelay> {
  const dir = tempDir('relay');
  const dataDir = join(dir.path, 'data');
  const profile = opts.profile ?? 'full';
  const relay = await startRelay({ dataDir, port: 0, profile, webhookRetryDelaysMs: opts.webhookRetryDelaysMs ?? [200, 500, 1000] });
  const orgs = await createDemoOrgs({ relayUrl: relay.url, outDir: join(dir.path, 'orgs') });
  const registerWebhookAsOperator = (orgId: OrgId, url: string): string => {
    const store = new RelayStore(dataDir);
    try {
      const secret = newWebhookSecret();
      store.putWebhook(orgId, url, secret, Math.floor(Date.now() / 1000));
      return secret;
    } finally {
      store.close();
    }
  };
  return { relay, orgs, dir, profile, registerWebhookAsOperator, close: async () => { await relay.close(); dir.remove(); } };
}

/**
 * Webhook receiving for a desk whose listener is reachable at 127.0.0.1 (as through a tunnel):
 * the desk registers it itself where the relay offers that, else the relay's operator does
 * and the desk is given the secret.
 */
export async function receiveByWebhook(relay: TestRelay, t: TestDesk, orgId: OrgId): Promise<void> {
  const port = await freePort();
  await t.call('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: `http://127.0.0.1:${port}` });
  const st = await t.call('receiving.status', {});
  const org = st.orgs.find((o) => o.orgId === orgId);
  if (!org?.webhookUrl) throw new Error(`no webhook URL for ${orgId}`);
  if (org.needsOperator) await t.call('receiving.setWebhookSecret', { orgId, secret: relay.registerWebhookAsOperator(orgId, org.webhookUrl) });
}

export interface TestDesk {
  desk: Desk;
  dataDir: string;
  keychain: Keychain;
  events: import('../../shared/ipc/contract.ts').IpcEvent[];
  /** The path the next openFile dialog returns. */
  nextOpen: string | null;
  nextSave: string | null;
  printed: { pdf: Uint8Array; jobName: string }[];
  call<C extends RequestChannel>(channel: C, req: RequestOf<C>): Promise<ResponseOf<C>>;
  close(): Promise<void>;
}

export async function openTestDesk(dataDir: string, extra: Partial<DeskDeps> = {}): Promise<TestDesk> {
  const keychain = extra.keychain ?? createMemoryKeychain();
  const t: Partial<TestDesk> & { events: TestDesk['events']; printed: TestDesk['printed'] } = { events: [], printed: [], nextOpen: null, nextSave: null, dataDir, keychain };
  const desk = await createDesk({
    dataDir,
    keychain,
    fetch: (input, init) => fetch(input, init),
    dialogs: {
      openFile: async () => t.nextOpen ?? null,
      saveFile: async () => t.nextSave ?? null,
    },
    printer: { printPdf: async (pdf, jobName) => { t.printed.push({ pdf: pdf.slice(), jobName }); return true; } },
    ...extra,
    timings: { relayRetries: 1, outboxRetryBaseMs: 200, ...extra.timings },
  });
  desk.onEvent((e) => t.events.push(e));
  t.desk = desk;
  t.call = async (channel, req) => {
    const r = await desk.invoke(channel, req);
    if (!r.ok) throw new Error(`${channel} failed: ${r.error.code}: ${r.error.message} (${r.error.detail ?? ''})`);
    return r.value;
  };
  t.close = () => desk.close();
  return t as TestDesk;
}

export async function importOrg(t: TestDesk, keysZipPath: string): Promise<OrgId> {
  t.nextOpen = keysZipPath;
  const org = await t.call('orgs.importKeysZip', {});
  if (!org) throw new Error('import returned null');
  return org.orgId;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port that was free a moment ago (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The usual scene of the end-to-end tests: a real local relay with its demo orgs, desk A with
 * the first org (Northside Clinic, +15551110001) and desk B with the second (Harbor Pharmacy,
 * +15552220002), both in one temp dir. `close` undoes all of it.
 */
export interface TwoDeskScene {
  relay: TestRelay;
  /**
   * Let `t` receive what was sent to it and resolve with how many faxes it stored: a poll
   * where the relay offers polling, else waiting for that many webhook deliveries.
   */
  receive(t: TestDesk, expected: number): Promise<number>;
  dirs: { path: string; remove(): void };
  a: TestDesk;
  b: TestDesk;
  aOrg: OrgId;
  bOrg: OrgId;
  close(): Promise<void>;
}

export async function openTwoDesks(label: string, deps: { a?: Partial<DeskDeps>; b?: Partial<DeskDeps> } = {}, opts: { profile?: RelayProfile } = {}): Promise<TwoDeskScene> {
  const relay = await startTestRelay(opts.profile ? { profile: opts.profile } : {});
  const dirs = tempDir(label);
  const opened: TestDesk[] = [];
  const close = async (): Promise<void> => {
    for (const t of opened) await t.close();
    await relay.close();
    dirs.remove();
  };
  try {
    const a = await openTestDesk(join(dirs.path, 'a'), deps.a);
    opened.push(a);
    const b = await openTestDesk(join(dirs.path, 'b'), deps.b);
    opened.push(b);
    const aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
    const bOrg = await importOrg(b, relay.orgs[1]!.keysZipPath);
    const counted = new Map<TestDesk, number>();
    const receivedSoFar = (t: TestDesk): number => t.events.filter((e) => e.type === 'fax.received').length;
    if (relay.profile === 'reference') {
      await receiveByWebhook(relay, a, aOrg);
      await receiveByWebhook(relay, b, bOrg);
    }
    const receive = async (t: TestDesk, expected: number): Promise<number> => {
      if (relay.profile !== 'reference') return t.desk.pollNow();
      const base = counted.get(t) ?? 0;
      if (expected > 0) await waitFor(`${expected} webhook deliveries`, () => receivedSoFar(t) >= base + expected);
      counted.set(t, receivedSoFar(t));
      return receivedSoFar(t) - base;
    };
    return { relay, dirs, a, b, aOrg, bOrg, receive, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * The node arguments that run the CLI as users run it: the built `bin` bundle
 * (out/cli/fxe-desk.js) when FXE_TEST_CLI=bundle (test/run.sh builds it and sets that), else the
 * TypeScript sources (`npm run cli`), so a developer can run one CLI test without rebuilding.
 */
export function cliArgv(args: string[]): string[] {
  const bundle = process.env.FXE_TEST_CLI === 'bundle';
  const cli = fileURLToPath(new URL(bundle ? '../../out/cli/fxe-desk.js' : '../../electron/services/cli/main.ts', import.meta.url));
  if (bundle && !existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  return [...(bundle ? [] : ['--experimental-strip-types']), '--no-warnings', cli, ...args];
}

/** Runs the fxe-desk CLI as a child process, as a user would. */
export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cliArgv(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
