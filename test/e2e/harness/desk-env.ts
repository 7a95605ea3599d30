// Everything behind the browser in the end-to-end suite, all real: a local fxe relay on
// 127.0.0.1 with two demo orgs, and a REAL desk (createDesk, the main-process services) per
// org with its own data dir and keychain (the OS Secret Service when the lead's test runner
// provides one: FXE_TEST_KEYCHAIN=secret-service; else in-memory). Only the OS's parts are
// test doubles: file dialogs (return a chosen path) and the printer (records the job).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay, type RelayHandle } from '../../../electron/relay/index.ts';
import { createDemoOrgs, type DemoOrg } from '../../../electron/relay/demo.ts';
import { createDesk, type Desk } from '../../../electron/services/desk.ts';
import { createMemoryKeychain, type Keychain } from '../../../electron/services/keychain/keychain.ts';
import { createKeytarKeychain } from '../../../electron/services/keychain/keytar-keychain.ts';
import { KEYCHAIN_SERVICE, vaultAccountFor } from '../../../electron/services/vault/vault.ts';
import type { FetchLike } from '../../../electron/services/relay-client/relay-client.ts';

export interface PrintJob {
  pdf: Uint8Array;
  jobName: string;
}

export interface DeskUnderTest {
  desk: Desk;
  dataDir: string;
  /** What the next OS "open file" dialog answers (a path), then it resets to null (= cancel). */
  nextOpenPath: string | null;
  nextSavePath: string | null;
  printed: PrintJob[];
  /** Lets a test stand in the network path (a compromised relay); default passes through. */
  interceptFetch: ((input: string, init: RequestInit | undefined, real: FetchLike) => Promise<Response> | null) | null;
  /** Close this desk and open it again on the same data and keychain (the app restarted); `desk` is the new one. */
  restart(): Promise<void>;
}

export interface DeskEnv {
  relay: RelayHandle;
  relayDataDir: string;
  orgs: DemoOrg[];
  keychainKind: 'secret-service' | 'memory';
  openDesk(name: string): Promise<DeskUnderTest>;
  /** The relay goes away (an outage): its port refuses connections until startRelayAgain. */
  stopRelay(): Promise<void>;
  /** The same relay comes back: same port, same data. */
  startRelayAgain(): Promise<void>;
  close(): Promise<void>;
}

export async function startDeskEnv(): Promise<DeskEnv> {
  const root = mkdtempSync(join(tmpdir(), 'fxe-e2e-'));
  const relayDataDir = join(root, 'relay');
  let relay: RelayHandle | null = await startRelay({ dataDir: relayDataDir });
  const relayPort = relay.port;
  const orgs = await createDemoOrgs({ relayUrl: relay.url, outDir: join(root, 'orgs') });
  const keychainKind = process.env.FXE_TEST_KEYCHAIN === 'secret-service' ? 'secret-service' : 'memory';
  const desks: { desk: Desk; dataDir: string; keychain: Keychain }[] = [];

  const openDesk = async (name: string): Promise<DeskUnderTest> => {
    const dataDir = join(root, `desk-${name}`);
    const keychain = keychainKind === 'secret-service' ? createKeytarKeychain() : createMemoryKeychain();
    const realFetch: FetchLike = (input, init) => fetch(input, init);
    const t: Omit<DeskUnderTest, 'desk' | 'restart'> = { dataDir, nextOpenPath: null, nextSavePath: null, printed: [], interceptFetch: null };
    const build = (): Promise<Desk> => createDesk({
      dataDir,
      keychain,
      fetch: (input, init) => t.interceptFetch?.(String(input), init as RequestInit | undefined, realFetch) ?? realFetch(input, init),
      dialogs: {
        openFile: async () => {
          const p = t.nextOpenPath;
          t.nextOpenPath = null;
          return p;
        },
        saveFile: async () => {
          const p = t.nextSavePath;
          t.nextSavePath = null;
          return p;
        },
      },
      printer: {
        printPdf: async (pdf, jobName) => {
          t.printed.push({ pdf: pdf.slice(), jobName });
          return true;
        },
      },
      timings: { relayRetries: 1, outboxRetryBaseMs: 200 },
      // FXE_E2E_LOG=1 prints each desk's diagnostics (never secrets) while debugging a test.
      ...(process.env.FXE_E2E_LOG ? { log: (line: string) => console.log(`[desk ${name}] ${line}`) } : {}),
      // As the Electron shell does (electron/main/index.ts): "Try the demo" starts its own
      // local relay with the two demo orgs. Started only when the user clicks it.
      startDemoRelay: async () => {
        const demoRelay = await startRelay({ dataDir: join(root, `demo-${name}`, 'relay') });
        const demoOrgs = await createDemoOrgs({ relayUrl: demoRelay.url, outDir: join(root, `demo-${name}`, 'orgs') });
        return { url: demoRelay.url, orgs: demoOrgs, close: () => demoRelay.close() };
      },
    });
    const entry = { desk: await build(), dataDir, keychain };
    desks.push(entry);
    const out: DeskUnderTest = Object.assign(t, {
      desk: entry.desk,
      restart: async () => {
        await entry.desk.close();
        entry.desk = await build();
        out.desk = entry.desk;
      },
    });
    return out;
  };

  const env: DeskEnv = {
    relay,
    relayDataDir,
    orgs,
    keychainKind,
    openDesk,
    stopRelay: async () => {
      await relay?.close();
      relay = null;
    },
    startRelayAgain: async () => {
      relay ??= await startRelay({ dataDir: relayDataDir, port: relayPort });
      env.relay = relay;
    },
    close: async () => {
      for (const d of desks) {
        await d.desk.close();
        // Leave no test secrets behind in the real keychain.
        await d.keychain.delete(KEYCHAIN_SERVICE, vaultAccountFor(d.dataDir)).catch(() => false);
      }
      await relay?.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return env;
}
