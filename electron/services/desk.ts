/**
 * The composition root: the ONE thing the Electron shell and the test harness call.
 *
 *   const desk = await createDesk({ dataDir, keychain, fetch, dialogs, printer, ... });
 *   ipcMain.handle(IPC_INVOKE_CHANNEL, (_e, ch, req) => desk.invoke(ch, req));
 *   desk.onEvent((ev) => win.webContents.send(IPC_EVENT_CHANNEL, ev));
 *
 * `invoke` validates every request, runs its handler and always resolves to a Result: errors
 * become { code, message, detail } and never carry a secret or a stack. If the OS keychain
 * cannot be used the desk still starts, reports it in app.status, and every other call answers
 * with the same clear error (no plaintext fallback); app.status retries the keychain.
 */
import type { OrgId } from '../../shared/domain/ids.ts';
import { readFileSync } from 'node:fs';
import type { AppStatus, FxeApi, IpcEvent, RequestChannel, RequestOf, ResponseOf } from '../../shared/ipc/contract.ts';
import { isRequestChannel } from '../../shared/ipc/contract.ts';
import type { OrgSummary, Result, UserError } from '../../shared/domain/types.ts';
import type { CryptoBackend } from '../../shared/protocol/index.ts';
import { createNodeBackend } from './crypto/node-backend.ts';
import { openServices, type DeskServices } from './desk-services.ts';
import { DeskError, errorDetail, toUserError } from './errors.ts';
import { createHandlers, type Dialogs, type Printer } from './ipc/handlers/index.ts';
import { validateRequest } from './ipc/validate.ts';
import type { Keychain } from './keychain/keychain.ts';
import type { RetentionReport } from './inbox/retention.ts';
import type { CrashPoint } from './receiver/pipeline.ts';
import type { FetchLike } from './relay-client/relay-client.ts';
import type { Timings } from './timings.ts';
import { importKeysZipBytes } from './vault/onboarding.ts';

/** What the demo starter returns: a running local relay and its two demo orgs. */
export interface DemoOrgInfo {
  name: string;
  /** As the demo relay says; the org id the desk uses is the one in the imported keys.zip. */
  orgId: string;
  faxNumbers: string[];
  /** The org's keys.zip bytes (the app's embedded demo: never written to a plain file)… */
  keysZip?: Uint8Array;
  /** …or a file holding them (test harnesses). */
  keysZipPath?: string;
}

/** Where the demo starter keeps the demo orgs' keys.zip between runs: the desk's vault. */
export interface DemoKeyStore {
  get(slug: string): Uint8Array | null;
  put(slug: string, keysZip: Uint8Array): void;
}

/** The demo orgs' keys.zip live in the desk's encrypted vault, never in plain files. */
function demoKeysIn(s: DeskServices): DemoKeyStore {
  return {
    get: (slug) => s.vault.get(`demo/${slug}/keys.zip`),
    put: (slug, zip) => s.vault.put(`demo/${slug}/keys.zip`, zip),
  };
}

export interface DemoRelay {
  url: string;
  orgs: DemoOrgInfo[];
  close(): Promise<void>;
}

export interface DeskDeps {
  dataDir: string;
  keychain: Keychain;
  fetch: FetchLike;
  dialogs: Dialogs;
  printer: Printer;
  notify?: (n: { title: string; body: string }) => void;
  nowMs?: () => number;
  startDemoRelay?: (keys: DemoKeyStore) => Promise<DemoRelay>;
  /** Defaults to the native node:crypto backend when available, else noble. */
  cryptoBackend?: CryptoBackend;
  /** Diagnostics sink; never receives secrets. Defaults to silence. */
  log?: (line: string) => void;
  /** Start polling / the webhook listener / the outbox worker at once (default true). */
  autoStart?: boolean;
  /** Waits and retries; tests shorten them (timings.ts). */
  timings?: Timings;
  /** Test hook: fault injection at the receive pipeline's crash points. */
  testing?: {
    crashAt?: (point: CrashPoint) => boolean;
  };
}

export interface Desk extends FxeApi {
  close(): Promise<void>;
  /** Poll every org once now (tests, "check for faxes" button). Resolves with the number stored. */
  pollNow(): Promise<number>;
  /** Run the outbox until idle (tests). */
  flushOutbox(): Promise<void>;
  /** Run retention and the purge of deleted faxes now (tests; it also runs hourly). */
  runRetention(): Promise<RetentionReport>;
  /** The listener's local URL in webhook mode (for the tunnel setup screen and tests). */
  webhookListenerUrl(): string | null;
}

/**
 * The native backend (node:crypto) for every seal and open in the main process: a static
 * import, so the bundle always carries it and a packaging slip cannot silently fall back
 * to noble's ~10x slower SHA-256. It picks noble per primitive itself where the runtime
 * lacks one (Electron's BoringSSL has no streaming chacha20-poly1305).
 */
async function defaultBackend(): Promise<CryptoBackend | undefined> {
  return createNodeBackend();
}

export async function createDesk(deps: DeskDeps): Promise<Desk> {
  const nowMs = deps.nowMs ?? Date.now;
  const log = deps.log ?? (() => undefined);
  const listeners = new Set<(e: IpcEvent) => void>();
  const deliver = (e: IpcEvent): void => {
    for (const l of listeners) {
      try { l(e); } catch (err) { log(`event listener failed: ${errorDetail(err)}`); }
    }
  };
  // Every change to the faxes is followed by the fresh AppStatus (unread count), so the tray
  // and the sidebar stay right without polling. Declared as a function: `emitStatus` below
  // needs `status`, which needs the services this emitter is handed to.
  const emit = (e: IpcEvent): void => {
    deliver(e);
    if (e.type === 'faxes.changed') emitStatus();
  };
  const backend = deps.cryptoBackend ?? (await defaultBackend());
  let services: DeskServices | null = null;
  let unlockError: UserError | null = null;
  let opening: Promise<DeskServices> | null = null;
  let demo: DemoRelay | null = null;
  /** The demo orgs as imported (their keys.zip's org ids), for a second "Try the demo". */
  let demoOrgIds: OrgId[] = [];
  let closed = false;

  const open = (): Promise<DeskServices> => {
    if (services) return Promise.resolve(services);
    opening ??= (async () => {
      try {
        const s = await openServices({
          dataDir: deps.dataDir, keychain: deps.keychain, fetch: deps.fetch, nowMs, emit, log, onReachabilityChanged: () => emitStatus(),
          onOfficeStatusChanged: () => emitStatus(),
          ...(deps.notify ? { notify: deps.notify } : {}),
          ...(backend ? { backend } : {}),
          ...(deps.testing?.crashAt ? { crashAt: deps.testing.crashAt } : {}),
          ...(deps.timings ? { timings: deps.timings } : {}),
        });
        services = s;
        unlockError = null;
        if (deps.autoStart !== false) {
          await s.pipeline.resumeOwedReceipts();
          await s.rotation.resume();
          s.pages.backfill();
          s.retention.start();
          s.outbox.start();
          s.pstn.start();
          await s.applyReceiveMode();
        }
        // A desk in an office connects to it (and keeps retrying in the background if it cannot).
        await s.office.start();
        return s;
      } catch (e) {
        unlockError = toUserError(e);
        log(`desk could not open its vault: ${unlockError.code}: ${unlockError.detail ?? ''}`);
        throw e;
      } finally {
        opening = null;
      }
    })();
    return opening;
  };

  let lastUnread = 0;
  const status = async (): Promise<AppStatus> => {
    const s = await open().catch(() => null);
    if (!s) {
      return {
        orgs: [], activeOrgId: null, keychainAvailable: unlockError?.code !== 'keychain.unavailable', keychainError: unlockError,
        relayReachable: null, unreadCount: 0, demoRunning: demo !== null,
      };
    }
    // In an office that cannot be reached right now, the count last shown stays true enough:
    // the status must still go out (it carries the "reconnecting" state).
    const unreadCount = await Promise.resolve().then(() => s.inbox().unreadCount()).catch(() => lastUnread);
    lastUnread = unreadCount;
    return {
      orgs: s.orgs.list(), activeOrgId: s.orgs.activeOrgId(), keychainAvailable: true, keychainError: null,
      relayReachable: s.relayReachable, unreadCount, demoRunning: demo !== null, office: s.office.status(),
    };
  };

  function emitStatus(): void {
    void status().then((st) => deliver({ type: 'status.changed', status: st }), () => undefined);
  }
  const emitFaxesChanged = (): void => emit({ type: 'faxes.changed' });

  const startDemo = async (): Promise<OrgSummary[]> => {
    const s = await open();
    if (!deps.startDemoRelay) throw new DeskError('demo.unavailable', 'Demo mode is not available in this build.', { detail: 'no startDemoRelay injected' });
    if (demo) return demoOrgIds.map((id) => s.orgs.get(id));
    demo = await deps.startDemoRelay(demoKeysIn(s));
    const out: OrgSummary[] = [];
    const started = demo;
    for (const o of started.orgs) {
      const zip = o.keysZip ?? (o.keysZipPath ? new Uint8Array(readFileSync(o.keysZipPath)) : null);
      if (!zip) throw new DeskError('demo.unavailable', 'The demo could not be started.', { detail: `no keys for ${o.orgId}` });
      try {
        out.push(await importKeysZipBytes(s, zip, { isDemo: true, log }));
      } catch (e) {
        demo = null;
        await started.close();
        throw e;
      } finally {
        zip.fill(0); // the vault holds its own encrypted copy
      }
    }
    demoOrgIds = out.map((o) => o.orgId);
    await s.applyReceiveMode();
    emitStatus();
    return out;
  };

  const handlers = createHandlers({ services: open, status, startDemo, dialogs: deps.dialogs, printer: deps.printer, nowMs, log, emitStatus, emitFaxesChanged });

  // Start at once so polling and the outbox run even before the UI asks anything.
  const opened = await open().catch(() => null);
  // Demo orgs talk to the local demo relay: after a restart it must run again (on its own
  // data and address) or every demo send fails. A relay that cannot start is logged; the
  // orgs then report the relay as unreachable, as for any relay.
  if (opened && deps.startDemoRelay && opened.orgs.list().some((o) => o.isDemo)) {
    try {
      demo ??= await deps.startDemoRelay(demoKeysIn(opened));
    } catch (e) {
      log(`the demo relay did not start again: ${errorDetail(e)}`);
    }
  }

  const desk: Desk = {
    async invoke<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
      if (closed) return { ok: false, error: { code: 'closed', message: 'fxe Desk is shutting down.' } };
      if (!isRequestChannel(channel)) return { ok: false, error: { code: 'invalid_request', message: 'fxe Desk did not understand that request.', detail: `unknown channel ${String(channel)}` } };
      try {
        const valid = validateRequest(channel, request);
        const handler = handlers[channel] as (r: RequestOf<C>) => Promise<ResponseOf<C>>;
        return { ok: true, value: await handler(valid) };
      } catch (e) {
        const error = toUserError(e);
        log(`${channel} failed: ${error.code}: ${error.detail ?? error.message}`);
        return { ok: false, error };
      }
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    async pollNow() {
      const s = await open();
      const stored = await s.poller.pollOnce();
      // Page counts run in a worker thread after storing: settle them too, so a caller sees
      // each new fax complete (pages known, or null when pdf.js gave up within its limits).
      await s.pages.idle();
      return stored;
    },
    async flushOutbox() {
      const s = await open();
      await s.outbox.kick();
    },
    async runRetention() {
      const s = await open();
      return s.retention.runOnce();
    },
    webhookListenerUrl() {
      return services?.webhook?.url ?? null;
    },
    async close() {
      if (closed) return;
      closed = true;
      await opening?.catch(() => undefined);
      if (services) await services.close();
      services = null;
      if (demo) await demo.close();
      demo = null;
      listeners.clear();
    },
  };
  return desk;
}
