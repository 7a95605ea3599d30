// Secrets never in logs, never in IPC answers or events, never at rest in plaintext.
//
// One full run of the product against real parts on 127.0.0.1 — import two orgs' keys.zip,
// switch both desks to webhook mode (the relay hands out webhook secrets), send an fxe fax
// from A to B (B stores and receipts it, A sees it delivered), configure a PSTN provider with
// an API key and webhook secret and send over it, export an encrypted backup — with every
// log line, console call, IPC answer and event captured. Then every captured text and every
// file under both data directories (SQLite, WAL, vault, blobs, spool, incoming) is searched
// for each secret in raw/hex/base64/base64url form, and for a plaintext marker from the PDF.
import { asOrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKeysZip } from '../../shared/protocol/index.ts';
import type { IpcEvent, RequestChannel, RequestOf, ResponseOf } from '../../shared/ipc/contract.ts';
import { startRelay, createDemoOrgs, type RelayHandle, type DemoOrg } from '../../electron/relay/index.ts';
import { createMemoryKeychain, type Keychain } from '../../electron/services/keychain/keychain.ts';
import { MINTFAX_SANDBOX_SECRET, startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { freePort, openTestDesk, tempDir, waitFor, type TestDesk } from '../services/helpers.ts';
import { UNCOVERED, FAST_PSTN, waitForState } from '../services/pstn-helpers.ts';
import { filesUnder, leaksIn, needlesOf, payloadText, pdfWithMarker, scanFiles, textSecret, type Secret } from './helpers.ts';

const A_NUMBER = '+15551110001';
const B_NUMBER = '+15552220002';
const MARKER = `FXE-PLAINTEXT-MARKER-${randomBytes(8).toString('hex')}`;
const BACKUP_PASSPHRASE = `correct horse ${randomBytes(6).toString('hex')}`;

describe('secrets and plaintext through a full import → send → receive → PSTN flow', () => {
  const dirs = tempDir('security-flow');
  const logs: string[] = [];
  const consoleLines: string[] = [];
  const payloads: string[] = [];
  const secrets: Secret[] = [];
  const webhookSecrets: string[] = [];
  let relay: RelayHandle;
  let demo: DemoOrg[];
  let mintfax: MintfaxStandIn;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg = asOrgId('');
  let pdf: Uint8Array;

  /** A keychain that remembers what the vault stored in it: the vault key is a secret to hunt for. */
  function recordingKeychain(): Keychain {
    const inner = createMemoryKeychain();
    return {
      get: (s, acc) => inner.get(s, acc),
      delete: (s, acc) => inner.delete(s, acc),
      async set(s, acc, secret) {
        secrets.push({ label: `vault key ${acc}`, bytes: new Uint8Array(Buffer.from(secret, 'base64')) });
        secrets.push(textSecret(`vault key ${acc} (keychain text)`, secret));
        await inner.set(s, acc, secret);
      },
    };
  }

  /** Node's fetch, noting the webhook secret the relay hands out when an endpoint is registered. */
  const recordingFetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    if (/\/v1\/webhook-endpoint(\/rotate)?$/.test(input) && res.ok) {
      const body = (await res.clone().json()) as { secret?: unknown };
      if (typeof body.secret === 'string') webhookSecrets.push(body.secret);
    }
    return res;
  };

  async function desk(name: string): Promise<TestDesk> {
    const t = await openTestDesk(join(dirs.path, name), {
      keychain: recordingKeychain(),
      fetch: recordingFetch,
      log: (line) => logs.push(`${name}: ${line}`),
      timings: { relayRetries: 1, outboxRetryBaseMs: 200, ...FAST_PSTN },
    });
    // Every answer of every call is kept for the scan, successes and failures alike.
    const invoke = t.desk.invoke.bind(t.desk);
    t.desk.invoke = async <C extends RequestChannel>(channel: C, req: RequestOf<C>) => {
      const r = await invoke(channel, req);
      payloads.push(`${channel}: ${payloadText(channel === 'faxes.document' && r.ok ? { ...r.value, pdf: '<the fax itself>' } : r)}`);
      return r;
    };
    t.call = async <C extends RequestChannel>(channel: C, req: RequestOf<C>): Promise<ResponseOf<C>> => {
      const r = await t.desk.invoke(channel, req);
      if (!r.ok) throw new Error(`${channel} failed: ${r.error.code}: ${r.error.message} (${r.error.detail ?? ''})`);
      return r.value;
    };
    t.desk.onEvent((e: IpcEvent) => payloads.push(`event: ${payloadText(e)}`));
    return t;
  }

  beforeAll(async () => {
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => { consoleLines.push(args.map((x) => (typeof x === 'string' ? x : payloadText(x))).join(' ')); });
    }
    relay = await startRelay({
      dataDir: join(dirs.path, 'relay'), port: 0, webhookRetryDelaysMs: [200, 500, 1000],
      log: { info: (e, f) => logs.push(`relay: ${e} ${payloadText(f ?? {})}`), warn: (e, f) => logs.push(`relay: ${e} ${payloadText(f ?? {})}`) },
    });
    demo = await createDemoOrgs({ relayUrl: relay.url, outDir: join(dirs.path, 'orgs') });
    for (const org of demo) {
      const keys = await readKeysZip(new Uint8Array(readFileSync(org.keysZipPath)));
      for (const field of ['signingSeed', 'bundleSeed', 'mlkemSecret', 'x25519Secret'] as const) secrets.push({ label: `${org.name} ${field}`, bytes: keys[field] });
    }
    mintfax = await startMintfaxStandIn({ eventGapMs: 5 });
    secrets.push(textSecret('PSTN API key', mintfax.apiKey), textSecret('PSTN webhook secret', MINTFAX_SANDBOX_SECRET), textSecret('backup passphrase', BACKUP_PASSPHRASE));
    a = await desk('a');
    b = await desk('b');
    pdf = pdfWithMarker(MARKER);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await mintfax?.close();
    await relay?.close();
    vi.restoreAllMocks();
    dirs.remove();
  });

  it('runs the whole flow', async () => {
    a.nextOpen = demo[0]!.keysZipPath;
    aOrg = (await a.call('orgs.importKeysZip', {}))!.orgId;
    b.nextOpen = demo[1]!.keysZipPath;
    await b.call('orgs.importKeysZip', {});
    for (const t of [a, b]) {
      const port = await freePort();
      await t.call('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: `http://127.0.0.1:${port}` });
    }
    expect(webhookSecrets.length).toBeGreaterThanOrEqual(2);
    for (const s of webhookSecrets) secrets.push(textSecret('fxe webhook secret', s));

    const { id } = await a.call('send.submit', { orgId: aOrg, to: B_NUMBER, from: A_NUMBER, fileName: 'referral.pdf', pdf, coverPage: null, route: 'fxe' });
    await waitFor('B to store the fax', () => b.events.some((e) => e.type === 'fax.received' && e.id === id));
    const doc = await b.call('faxes.document', { id });
    expect(Buffer.from(doc.pdf).includes(MARKER)).toBe(true);
    await waitFor('A to see the fax delivered', async () => (await a.call('faxes.get', { id })).state === 'delivered');

    await a.call('settings.configurePstn', { provider: 'mintfax', fromNumber: '+15551119999', credentials: { apiKey: mintfax.apiKey, baseUrl: mintfax.url, webhookSecret: MINTFAX_SANDBOX_SECRET } });
    const pstn = await a.call('send.submit', { orgId: aOrg, to: UNCOVERED.success, from: A_NUMBER, fileName: 'pstn.pdf', pdf, coverPage: null, route: 'pstn' });
    expect((await waitForState(a, pstn.id, ['delivered', 'failed'])).state).toBe('delivered');

    a.nextSave = join(dirs.path, 'backup.json');
    await a.call('orgs.exportBackup', { orgId: aOrg, passphrase: BACKUP_PASSPHRASE });
    // The ordinary reads the renderer makes, so their answers are scanned too.
    for (const t of [a, b]) {
      await t.call('app.status', {});
      await t.call('settings.get', {});
      await t.call('faxes.list', { folder: 'inbox', offset: 0, limit: 50 });
      await t.call('faxes.list', { folder: 'sent', offset: 0, limit: 50 });
    }
    await a.call('faxes.get', { id: pstn.id });
    // A wrong passphrase and a broken call: error answers are scanned as well.
    a.nextOpen = join(dirs.path, 'backup.json');
    expect((await a.desk.invoke('orgs.importBackup', { passphrase: 'not the passphrase at all' })).ok).toBe(false);
    expect(logs.length).toBeGreaterThan(0);
    expect(secrets.length).toBeGreaterThanOrEqual(13);
  }, 90_000);

  it('no secret appears in any log line, console call or relay log', () => {
    const hits = [...logs, ...consoleLines].flatMap((line, i) => leaksIn(line, secrets).map((s) => `line ${i}: ${s}`));
    expect(hits).toEqual([]);
  });

  it('no secret appears in any IPC answer or event', () => {
    expect(payloads.length).toBeGreaterThan(20);
    const hits = payloads.flatMap((p) => leaksIn(p, secrets).map((s) => `${p.slice(0, 40)}: ${s}`));
    expect(hits).toEqual([]);
  });

  it('no secret and no plaintext at rest in either data directory (SQLite and WAL included), nor in the relay', () => {
    const needles = [...needlesOf(secrets), { label: 'PDF plaintext marker', bytes: new TextEncoder().encode(MARKER) }];
    const files = [...filesUnder(join(dirs.path, 'a')), ...filesUnder(join(dirs.path, 'b'))];
    expect(files.some((f) => f.endsWith('desk.sqlite'))).toBe(true);
    expect(files.some((f) => f.endsWith('.fxv'))).toBe(true);
    expect(files.some((f) => f.includes(`${join('blobs', '')}`))).toBe(true);
    expect([...scanFiles(join(dirs.path, 'a'), needles), ...scanFiles(join(dirs.path, 'b'), needles)]).toEqual([]);
    // The relay holds ciphertext only: the marker must not be there either.
    expect(scanFiles(join(dirs.path, 'relay'), [{ label: 'PDF plaintext marker', bytes: new TextEncoder().encode(MARKER) }])).toEqual([]);
    // The encrypted backup is not the passphrase nor any key in the clear.
    expect(scanFiles(dirs.path, needlesOf(secrets.filter((s) => s.label.includes('passphrase')))).filter((h) => !h.includes('/orgs/'))).toEqual([]);
  });

  it('leaves no spool, incoming or temp files behind once everything is delivered', () => {
    for (const name of ['a', 'b']) {
      const root = join(dirs.path, name);
      for (const sub of ['spool', 'incoming']) {
        const d = join(root, sub);
        expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);
      }
      expect(filesUnder(root).filter((f) => f.endsWith('.tmp') || f.endsWith('.part'))).toEqual([]);
    }
  });
});
