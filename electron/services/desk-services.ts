/**
 * The unlocked services of one install, wired together: what exists once the vault key has
 * been read from the keychain. desk.ts builds this (or reports why it cannot) and the IPC
 * handlers use it.
 */
import { faxIdForMessage, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IpcEvent, ReceivingStatus, TunnelStatus } from '../../shared/ipc/contract.ts';
import type { PstnProviderName, UserError } from '../../shared/domain/types.ts';
import type { WebhookEvent } from '../../shared/fxe-api/types.ts';
import { isMessageId, nobleBackend, type CryptoBackend } from '../../shared/protocol/index.ts';
import { errorDetail } from './errors.ts';
import { BlobStore } from './storage/blob-store.ts';
import { ContactGroupRepository, sqliteContactGroups, type ContactGroupStore } from './inbox/contact-groups.ts';
import { CoverTemplateStore, type CoverTemplates } from './outbox/cover-templates.ts';
import { sqlitePageTurns, type PageTurns } from './inbox/page-rotations.ts';
import { ContactRepository } from './inbox/contacts.ts';
import { kvGet, kvSet, openDatabase } from './storage/database.ts';
import { FaxRepository } from './inbox/faxes.ts';
import { PageCounter } from './inbox/page-count.ts';
import { RetentionJob } from './inbox/retention.ts';
import type { Keychain } from './keychain/keychain.ts';
import { TrustStore } from './trust/index.ts';
import { officePinStorage } from './office/office-pins.ts';
import { WebhookSecretStore } from './receiver/webhook-secrets.ts';
import { registerWebhooks } from './receiver/webhook-registration.ts';
import { Outbox } from './outbox/outbox.ts';
import { PstnOutbox } from './outbox/pstn-outbox.ts';
import { ReceivePipeline, type CrashPoint } from './receiver/pipeline.ts';
import { Poller } from './receiver/poller.ts';
import type { ReceiveSink } from './receiver/receive-sink.ts';
import { ngrokDriver, Tunnel, type TunnelDriver } from './receiver/tunnel.ts';
import { pstnWebhookPath, startWebhookListener, type WebhookListener } from './receiver/webhook-listener.ts';
import { RelayClientPool } from './relay-client/client-pool.ts';
import type { FetchLike, RelayFetch } from './relay-client/relay-client.ts';
import type { FaxLaneDeps } from './service-deps.ts';
import { SettingsStore } from './settings.ts';
import { OfficeLink, type OfficeDuties } from './office-link/office-link.ts';
import type { Office } from './office/office.ts';
import {
  blockHeldOfficeSends, cancelScheduledOffice, checkOfficeRecipient, enqueueOfficeSend, heldOfficeSends, OfficeOutboxSender, releaseHeldOfficeSends, resendOfficeFax, sendScheduledNow, type OfficeSendRequest,
} from './office/office-outbox.ts';
import { forgetOfficeKeyChangeRejections, officeKeyChangeRejections, officeReceiveSink } from './office/office-receive-sink.ts';
import { OfficeReceiver } from './office/office-receiver.ts';
import { applyOfficePstnStatus, OfficePstnSender, queueOfficePstnSend, sendParkedOfficeFaxOverPstn, type OfficePstnLane } from './office/office-pstn.ts';
import type { InboxStore } from './storage/inbox-store.ts';
import { sqliteInboxStore } from './inbox/sqlite-inbox-store.ts';
import { definedOnly, type Timings } from './timings.ts';
import { KeyRotation } from './vault/key-rotation.ts';
import { OrgRegistry } from './vault/org-registry.ts';
import { openVault, type Vault } from './vault/vault.ts';

export interface ServiceOptions {
  dataDir: string;
  keychain: Keychain;
  fetch: FetchLike;
  /** The relay client's transport, when not `fetch` (the CLI's node:http one). */
  relayFetch?: RelayFetch;
  nowMs: () => number;
  emit: (e: IpcEvent) => void;
  notify?: (n: { title: string; body: string }) => void;
  /** The relay became reachable or unreachable: the window's Offline badge follows it. */
  onReachabilityChanged?: () => void;
  backend?: CryptoBackend;
  crashAt?: (point: CrashPoint) => boolean;
  log: (line: string) => void;
  /** Waits and retries (tests shorten them); unset ones keep each service's default. */
  timings?: Timings;
  /** Where received faxes go (default: the encrypted inbox; the CLI writes files). */
  receiveSink?: ReceiveSink;
  /** The built-in tunnel's library (default: the ngrok agent). */
  tunnelDriver?: TunnelDriver;
  /** Office mode: the connection state changed (the window's status follows). */
  onOfficeStatusChanged?: () => void;
  /** The pins every check uses (default: this install's own; `fxe-desk serve` passes the office's). */
  pins?: TrustStore;
}

/**
 * In webhook mode a poll still runs this often, where the relay offers polling: a webhook
 * lost on the way (tunnel down, desk asleep) is then picked up within minutes, not never.
 */
const WEBHOOK_SAFETY_POLL_SECONDS = 300;

/** The stores and clients both fax lanes share (service-deps.ts), plus everything else one install runs. */
export interface DeskServices extends Pick<FaxLaneDeps, 'db' | 'faxes' | 'blobs' | 'orgs' | 'pins' | 'clients'> {
  dataDir: string;
  vault: Vault;
  outbox: Outbox;
  /** The phone-network lane of the outbox. */
  pstn: PstnOutbox;
  pipeline: ReceivePipeline;
  poller: Poller;
  /** Fills in the page count of stored faxes, after they are stored (never blocking it). */
  pages: PageCounter;
  /** Key rotation of our orgs and the retirement of their old bundles. */
  rotation: KeyRotation;
  /** Retention policy and the purge of deleted faxes (start(): at once, then hourly). */
  retention: RetentionJob;
  contacts: ContactRepository;
  /** The phone book's groups, where the phone book is (the office's while in an office). */
  groups: () => ContactGroupStore;
  /** Cover-page templates and the office's logo. */
  /** The cover-page templates and logo: the office's while in an office, else this desk's own. */
  coverTemplates: () => CoverTemplates;
  /** Pages turned in the viewer: the office's while in an office, else this desk's own. */
  pageTurns: () => PageTurns;
  /** This desk's office, if it joined one (office-link/). */
  office: OfficeLink;
  /**
   * Where the window's faxes and phone book are: the office database while this desk is in an
   * office, else this desk's own SQLite. Throws `office.unreachable` while the office cannot be reached yet.
   */
  inbox(): InboxStore;
  settings: SettingsStore;
  relayReachable: boolean | null;
  webhook: WebhookListener | null;
  /** Whether the webhook listener takes an org's deliveries now (`fxe-desk serve --office`: only while leading). */
  acceptsWebhooks: (orgId: string) => boolean;
  /** Apply the receive mode in settings: start/stop the poller and the webhook listener. */
  applyReceiveMode(): Promise<void>;
  /** The public address of the webhook listener, if there is one (settings; the tunnel in time). */
  publicUrl(): string | null;
  tunnelStatus(): TunnelStatus;
  /** Turn the built-in tunnel on or off (it then runs whenever the desk receives by webhook); save or forget its authtoken. */
  configureTunnel(c: { enabled: boolean; authtoken?: string | null }): Promise<void>;
  /** How faxes reach this desk, and what each org's relay offers (the Receiving settings). */
  receivingStatus(): Promise<ReceivingStatus>;
  /** Each org's webhook signing secrets (in the vault). */
  webhookSecrets: WebhookSecretStore;
  close(): Promise<void>;
}

/** Told once per org and session when its relay has no polling and this desk has no public address. */
export const WEBHOOK_ONLY_NOTICE: UserError = {
  code: 'receive.webhook_only',
  message: "This organisation's fxe relay delivers faxes only by webhook, so this computer needs a public address to receive them. "
    + 'Set one up in Settings → Receiving: the address your IT provides (reverse proxy, Cloudflare Tunnel…) or the built-in tunnel.',
};

/** Whether the built-in tunnel should run (with webhook receiving). Not a secret: in the database. */
const TUNNEL_ENABLED_KEY = 'tunnel.enabled';

export async function openServices(o: ServiceOptions): Promise<DeskServices> {
  // The vault first: without a keychain nothing else is opened or written.
  const vault = await openVault(o.dataDir, o.keychain);
  const db = openDatabase(o.dataDir);
  const faxes = new FaxRepository(db, o.nowMs);
  const blobs = new BlobStore(o.dataDir, vault);
  const backend = o.backend ?? nobleBackend;
  const orgs = new OrgRegistry(db, vault, backend);
  const pins = o.pins ?? new TrustStore(db, o.nowMs);
  const webhookSecrets = new WebhookSecretStore(vault, o.nowMs);
  const settings = new SettingsStore(db);
  const pages = new PageCounter({ faxes, blobs, log: o.log, onCounted: () => o.emit({ type: 'faxes.changed' }) });
  // Every fax stored or queued gets its page count once it is safely on disk.
  const emit = (e: IpcEvent): void => {
    o.emit(e);
    if (e.type === 'fax.received' || (e.type === 'outbox.changed' && e.state === 'queued')) pages.enqueue(e.id);
  };
  const t = o.timings ?? {};
  const clients = new RelayClientPool(orgs, { fetch: o.relayFetch ?? o.fetch, nowMs: o.nowMs, backend, ...definedOnly({ retries: t.relayRetries, timeoutMs: t.relayTimeoutMs }) });
  // Providers post status events to our listener through the tunnel; without one (poll
  // mode, or no tunnel URL yet) submissions name no webhook and status polling does it.
  const pstnWebhookUrlFor = (provider: PstnProviderName): string | null => {
    const st = settings.get();
    return st.receiveMode === 'webhook' && st.webhookTunnelUrl ? `${st.webhookTunnelUrl.replace(/\/+$/, '')}${pstnWebhookPath(provider)}` : null;
  };
  const pstn = new PstnOutbox({
    db, faxes, blobs, vault, settings, fetch: o.fetch, nowMs: o.nowMs, emit, log: o.log,
    webhookUrlFor: pstnWebhookUrlFor,
    // A status event about none of this desk's own faxes may be about one of its office's.
    onOtherFax: (provider, providerFaxId, status) => {
      office.pstnStatus(provider, providerFaxId, status).catch((e: unknown) => o.log(`pstn webhook for the office: ${errorDetail(e)}`));
    },
    ...definedOnly({ pollBaseMs: t.pstnPollBaseMs, retryBaseMs: t.pstnRetryBaseMs, httpRetry: t.pstnHttpRetry }),
  });
  const lane: FaxLaneDeps = { db, faxes, blobs, orgs, pins, clients, backend, nowMs: o.nowMs, emit, log: o.log };
  const outbox = new Outbox({
    ...lane, spoolDir: join(o.dataDir, 'spool'), pstn,
    ...definedOnly({ retryBaseMs: t.outboxRetryBaseMs }),
  });
  const pipeline = new ReceivePipeline({
    ...lane,
    ...(o.notify ? { notify: (n: { title: string; body: string }) => { if (settings.get().notifications.enabled) o.notify?.(n); } } : {}),
    hideContentInNotifications: () => settings.get().notifications.hideContentOnLockScreen,
    ...(o.crashAt ? { crashAt: o.crashAt } : {}),
    ...(o.receiveSink ? { sink: o.receiveSink } : {}),
  });

  const rotation = new KeyRotation({
    db, vault, orgs, clients, faxes, nowMs: o.nowMs, log: o.log,
    isSettled: (orgId, messageId) => pipeline.isSettled(orgId, messageId),
    ...definedOnly({ graceMs: t.keyRotationGraceMs }),
  });

  const retention = new RetentionJob({
    faxes, blobs, nowMs: o.nowMs, log: o.log,
    settings: () => settings.get().retention,
    onChanged: () => o.emit({ type: 'faxes.changed' }),
  });

  // A crash between writing a body and committing its row leaves an orphan: remove it.
  if (existsSync(blobs.dir)) blobs.sweepOrphans((id) => faxes.blobReferenced(id));

  const contacts = new ContactRepository(db);
  const localInbox = sqliteInboxStore({ faxes, blobs, contacts, log: o.log });
  const localGroups = sqliteContactGroups(new ContactGroupRepository(db, o.nowMs));
  const localCoverTemplates = new CoverTemplateStore(db, o.nowMs);
  const localPageTurns = sqlitePageTurns(db, (id) => { faxes.row(id); });
  /**
   * A desk in an office receives for it while it leads (the same pipeline, storing into the
   * office database; whoever leads next sends a receipt still owed) and uploads from the
   * shared outbox; faxes it stores reach the window as for a single desk.
   */
  const officeDuties = (office: Office): OfficeDuties => {
    // The office's pins, shared by its desks: one desk's pin or accepted change holds for all.
    const officePins = new TrustStore(officePinStorage(office), o.nowMs);
    const officePipeline = new ReceivePipeline({
      ...lane,
      pins: officePins,
      ...(o.notify ? { notify: (n: { title: string; body: string }) => { if (settings.get().notifications.enabled) o.notify?.(n); } } : {}),
      hideContentInNotifications: () => settings.get().notifications.hideContentOnLockScreen,
      // The page counter works on this desk's own blobs: office faxes keep the count the envelope gives.
      sink: officeReceiveSink(office, { emit: o.emit }),
    });
    const officePoller = new Poller({ orgIds: () => [office.orgId], clients, pipeline: officePipeline, intervalMs: () => settings.get().pollIntervalSeconds * 1000, log: o.log });
    const receiver = new OfficeReceiver(office, {
      pollOnce: () => officePoller.pollOnce(),
      intervalMs: Math.min(settings.get().pollIntervalSeconds * 1000, 5_000),
      onLeadership: (leading) => o.log(leading ? 'office: this desk receives for the office' : 'office: another desk receives for the office'),
    });
    const sender = new OfficeOutboxSender(office, { clients, pins: officePins });
    // The phone network through this desk's own provider account (none: this desk sends no such fax).
    const pstnLane: OfficePstnLane = { provider: () => pstn.adapter(), callerId: () => pstn.callerId(), webhookUrlFor: pstnWebhookUrlFor };
    const pstnTiming = definedOnly({ pollBaseMs: t.pstnPollBaseMs, retryBaseMs: t.pstnRetryBaseMs });
    const pstnSender = new OfficePstnSender(office, { pstn: pstnLane, ...pstnTiming });
    const queuePstn = (req: OfficeSendRequest): Promise<{ id: FaxId }> => queueOfficePstnSend(office, { orgs, pstn: pstnLane }, req);
    receiver.start();
    sender.start();
    pstnSender.start();
    return {
      send: (req) => enqueueOfficeSend(office, { clients, orgs, pins: officePins, backend }, req),
      sendPstn: async (req) => {
        const res = await queuePstn(req);
        pstnSender.kick();
        return res;
      },
      sendViaPstn: async (id) => {
        await sendParkedOfficeFaxOverPstn(office, pstnLane, id);
        pstnSender.kick();
      },
      pstnStatus: (provider, providerFaxId, status) => applyOfficePstnStatus(office, provider, providerFaxId, status, pstnTiming),
      check: (to) => checkOfficeRecipient({ clients, pins: officePins }, office.orgId, to, pstn.configuredProvider()),
      acceptKeyChange: async (peerOrgId, fingerprint) => {
        await officePins.accept(peerOrgId, fingerprint);
        // Held faxes sealed for exactly these keys go now, from whichever desk claims them first;
        // its faxes refused meanwhile come in at the receiver's next poll.
        if ((await releaseHeldOfficeSends(office, peerOrgId, fingerprint)) > 0) sender.kick();
        await forgetOfficeKeyChangeRejections(office, peerOrgId);
      },
      incomingWaiting: () => officeKeyChangeRejections(office),
      pendingKeyChanges: () => officePins.pendingChanges(),
      heldSends: () => heldOfficeSends(office),
      keepBlocked: (peerOrgId) => blockHeldOfficeSends(office, peerOrgId),
      resend: async (id) => {
        const res = await resendOfficeFax(office, { clients, orgs, pins: officePins, backend, queuePstn }, id);
        sender.kick();
        pstnSender.kick();
        return res;
      },
      sendNow: async (id) => {
        await sendScheduledNow(office, id);
        sender.kick();
        pstnSender.kick();
      },
      cancelScheduled: (id) => cancelScheduledOffice(office, id),
      receiving: () => receiver.isLeader,
      received: async (messageId) => { await officePipeline.handle(office.orgId, messageId); },
      stop: async () => {
        await receiver.stop();
        await sender.stop();
        await pstnSender.stop();
      },
    };
  };
  const office = new OfficeLink({
    db, vault, orgs, nowMs: o.nowMs, log: o.log, duties: officeDuties,
    onStatusChanged: () => o.onOfficeStatusChanged?.(),
    // Another desk's change reaches this window as the same event as a change made here.
    onRemoteChange: () => o.emit({ type: 'faxes.changed' }),
    ...(t.officeReconnectMs === undefined ? {} : { reconnectMs: t.officeReconnectMs }),
  });
  settings.attachOffice({ values: () => office.settings(), save: (patch) => office.saveSettings(patch) });

  const webhookOnlyNoticed = new Set<string>();
  const tunnel = new Tunnel({ vault, driver: o.tunnelDriver ?? ngrokDriver(), log: o.log });
  const tunnelWanted = (): boolean => kvGet(db, TUNNEL_ENABLED_KEY) === 'true';
  const s: DeskServices = {
    dataDir: o.dataDir, vault, db, faxes, blobs, orgs, pins, clients, webhookSecrets, outbox, pstn, pipeline, pages, rotation, retention, contacts, settings,
    office,
    inbox: () => office.store() ?? localInbox,
    groups: () => office.groups() ?? localGroups,
    coverTemplates: () => office.coverTemplates() ?? localCoverTemplates,
    pageTurns: () => office.pageTurns() ?? localPageTurns,
    relayReachable: null,
    webhook: null,
    // The office's org: only while this desk receives for the office (others answer 503; the relay retries).
    acceptsWebhooks: (orgId) => orgId !== office.orgId() || office.receivingForOffice(),
    poller: new Poller({
      // The office's org is received by the office's leader, into the office database.
      orgIds: () => orgs.list().map((x) => x.orgId).filter((id) => id !== office.orgId()),
      clients,
      pipeline,
      intervalMs: () => {
        const st = settings.get();
        return (st.receiveMode === 'webhook' ? WEBHOOK_SAFETY_POLL_SECONDS : st.pollIntervalSeconds) * 1000;
      },
      onTick: async () => {
        await outbox.checkDeliveries();
        await rotation.tick();
      },
      onReachability: (ok) => {
        const was = s.relayReachable;
        s.relayReachable = ok;
        if (was === ok) return;
        o.onReachabilityChanged?.();
        // Back after an outage: what the outbox queued meanwhile goes out now.
        if (ok && was === false) void outbox.resumeAfterOutage();
      },
      onPollingUnavailable: (orgId) => {
        if (webhookOnlyNoticed.has(orgId)) return;
        webhookOnlyNoticed.add(orgId);
        o.log(`org ${orgId}: the relay offers no polling; faxes arrive by webhook only`);
        if (!(settings.get().receiveMode === 'webhook' && s.publicUrl())) o.emit({ type: 'receive.error', error: { ...WEBHOOK_ONLY_NOTICE, detail: `org ${orgId}` } });
      },
      log: o.log,
    }),
    publicUrl() {
      // The built-in tunnel's while it runs; else the address the office's IT provides.
      const url = tunnel.status().url ?? settings.get().webhookTunnelUrl;
      return url ? url : null;
    },
    tunnelStatus() {
      return tunnel.status();
    },
    async configureTunnel(c) {
      if (c.authtoken !== undefined) tunnel.setAuthtoken(c.authtoken);
      kvSet(db, TUNNEL_ENABLED_KEY, c.enabled ? 'true' : 'false');
      if (!c.enabled || c.authtoken !== undefined) await tunnel.stop();
      await s.applyReceiveMode();
    },
    async receivingStatus() {
      const publicUrl = s.publicUrl();
      const out: ReceivingStatus = { publicUrl, listenerUrl: s.webhook?.url ?? null, tunnel: s.tunnelStatus(), orgs: [] };
      for (const org of orgs.list()) {
        let offers: ReceivingStatus['orgs'][number]['offers'] = null;
        try {
          const client = await clients.forOrg(org.orgId);
          offers = {
            polling: await client.hasExtension('polling'),
            webhookRegistration: await client.hasExtension('webhook-endpoints'),
            deliveryProof: await client.hasExtension('message-status'),
          };
        } catch (e) {
          o.log(`receiving status of ${org.orgId}: ${errorDetail(e)}`);
        }
        out.orgs.push({
          orgId: org.orgId, offers,
          webhookUrl: publicUrl && s.webhook ? `${publicUrl.replace(/\/+$/, '')}${s.webhook.pathFor(org.orgId)}` : null,
          needsOperator: offers !== null && !offers.webhookRegistration,
          hasWebhookSecret: webhookSecrets.secrets(org.orgId).length > 0,
        });
      }
      return out;
    },
    async applyReceiveMode() {
      const st = settings.get();
      if (st.receiveMode === 'webhook') {
        const wanted = st.webhookListenPort;
        if (s.webhook && wanted !== 0 && s.webhook.port !== wanted) { await s.webhook.close(); s.webhook = null; }
        s.webhook ??= await startWebhookListener({
          db, port: wanted, nowMs: o.nowMs, log: o.log,
          secretsFor: (pathOrgId) => { const org = orgs.list().find((x) => x.orgId === pathOrgId); return org ? webhookSecrets.secrets(org.orgId) : []; },
          onEvent: (orgId, event) => { void onWebhookEvent(s, orgId, event, o.log); },
          accepting: (orgId) => s.acceptsWebhooks(orgId),
          pstnWebhook: (provider, headers, rawBody) => pstn.handleWebhook(provider, headers, rawBody),
        });
        // The built-in tunnel runs with webhook receiving; a failure is in its status, not thrown.
        if (tunnelWanted()) await tunnel.start(s.webhook.port);
        else await tunnel.stop();
        const publicUrl = s.publicUrl();
        if (publicUrl) await registerWebhooks(s, publicUrl, o.log);
      } else {
        await tunnel.stop();
        if (s.webhook) {
          await s.webhook.close();
          s.webhook = null;
        }
      }
      // Polling always runs: the receive mode in webhook mode, a slow safety net otherwise.
      await s.poller.stop();
      s.poller.start();
    },
    async close() {
      await office.close();
      await s.poller.stop();
      await pages.stop();
      await retention.stop();
      await outbox.stop();
      await pstn.stop();
      await tunnel.stop();
      if (s.webhook) await s.webhook.close();
      orgs.close();
      db.close();
      vault.close();
    },
  };
  return s;
}

async function onWebhookEvent(s: DeskServices, orgId: OrgId, event: WebhookEvent, log: (l: string) => void): Promise<void> {
  try {
    // The office's faxes go into the office database, through its pipeline, never this desk's own inbox.
    if (event.type === 'message.received' && orgId === s.office.orgId()) await s.office.receivedForOffice(event.message_id);
    else if (event.type === 'message.received') await s.pipeline.handle(orgId, event.message_id);
    else if (event.type === 'message.delivered' && event.receipt && isMessageId(event.message_id)) await s.outbox.acceptReceipt(faxIdForMessage(event.message_id), event.receipt);
  } catch (e) {
    log(`webhook event ${event.event_id}: ${errorDetail(e)}`);
  }
}
