/**
 * This desk's membership of an office: joining (or creating) it, staying connected, hearing
 * other desks' changes live, and leaving. While joined, the window's inbox, sent items,
 * outbox and phone book come from the office database (postgres-inbox-store.ts); otherwise
 * from the desk's own SQLite.
 *
 * Secrets: the database URL carries the password, so it is kept in the vault only (record
 * `office/url`); what the desk remembers in its database, shows and logs is the server
 * (host:port/database), the desk's name and the person's. The office's keys come from the
 * org's keys.zip, already in the vault.
 *
 * Live: the office's change feed (office/change-feed.ts: LISTEN plus the changes table)
 * becomes the window's `faxes.changed`, coalesced over a few milliseconds. When the database
 * goes away the desk says so (status `reconnecting`, with the reason), keeps what is on
 * screen, retries, and on return tells the window to reload: the window caches nothing, so
 * catching up is reading again.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { OfficeJoinRequest, OfficeStatus, SendCheck } from '../../../shared/ipc/contract.ts';
import type { FaxId, Fingerprint, OrgId } from '../../../shared/domain/ids.ts';
import type { PendingKeyChange } from '../trust/index.ts';
import type { HeldSend } from '../outbox/key-changes.ts';
import type { PstnProviderName, UserError } from '../../../shared/domain/types.ts';
import type { PstnStatus } from '../pstn/provider.ts';
import { DeskError, errorDetail, toUserError } from '../errors.ts';
import { kvGet, kvSet, type Db } from '../storage/database.ts';
import { ChangeFeed } from '../office/change-feed.ts';
import { OfficeInbox } from '../office/office-inbox.ts';
import { officeContactGroups } from '../office/office-groups.ts';
import { officeCoverTemplates } from '../office/office-cover-templates.ts';
import { officePageTurns } from '../office/office-page-turns.ts';
import type { PageTurns } from '../inbox/page-rotations.ts';
import type { CoverTemplateDraft, CoverTemplates } from '../outbox/cover-templates.ts';
import type { ContactGroupStore } from '../inbox/contact-groups.ts';
import { OFFICE_SETTING_KEYS, type OfficeWideSettings } from '../settings.ts';
import { openOffice, type Office, type OpenOfficeOptions } from '../office/office.ts';
import type { OfficeSendRequest } from '../office/office-outbox.ts';
import { clientConfig, parseOfficeUrl } from '../storage/postgres/connection.ts';
import type { InboxStore } from '../storage/inbox-store.ts';
import { postgresInboxStore } from '../office/postgres-inbox-store.ts';
import type { OrgRegistry } from '../vault/org-registry.ts';
import type { Vault } from '../vault/vault.ts';
import { officeError } from './office-errors.ts';

/** The vault record holding the office database URL (with its password). */
export const OFFICE_URL_RECORD = 'office/url';
const PROFILE_KEY = 'office.profile';
const DESK_ID_KEY = 'office.desk_id';
/** The office's settings as last read (not secret): what the desk shows while the database is away. */
const SETTINGS_KEY = 'office.settings';

/** What the desk remembers of its office, in its own database: nothing secret. */
interface OfficeProfile {
  server: string;
  orgId: OrgId;
  deskName: string;
  personName: string;
}

export interface OfficeLinkDeps {
  db: Db;
  vault: Vault;
  orgs: Pick<OrgRegistry, 'keys' | 'get'>;
  nowMs: () => number;
  log: (line: string) => void;
  /** The connection state or the people changed: the window's status follows. */
  onStatusChanged(): void;
  /** Another desk (or this one) changed shared data: the window reloads what it shows. */
  onRemoteChange(): void;
  /** Test hooks: how fast to retry, how long a connection attempt may take, how often the feed checks an idle connection. */
  reconnectMs?: number;
  feedCheckMs?: number;
  connectTimeoutMs?: number;
  /** Extra options for the office pool (a CA certificate). */
  caPem?: string | null;
  /**
   * What a desk in the office runs while connected: receiving for the office while it leads,
   * and sending from the shared outbox (desk-services.ts builds them from the fax lanes).
   */
  duties?: (office: Office) => OfficeDuties;
}

/** A desk's share of the office's work, started when the office opens and stopped when it closes. */
export interface OfficeDuties {
  /** Seals the fax once and queues it in the shared outbox (any desk may upload it). */
  send(req: OfficeSendRequest): Promise<{ id: FaxId }>;
  /** Looks a number up and checks its keys against the office's pins. */
  check(to: string): Promise<SendCheck>;
  /** Pins keys someone confirmed, for every desk of the office. */
  acceptKeyChange(peerOrgId: OrgId, newFingerprint: Fingerprint): Promise<void>;
  /** Key changes waiting in the office for someone to accept them. */
  pendingKeyChanges(): Promise<PendingKeyChange[]>;
  /** Faxes in the shared outbox held for a key change. */
  heldSends(): Promise<HeldSend[]>;
  /** Faxes from each sender org refused because its keys changed (they wait on the relay). */
  incomingWaiting(): Promise<Map<string, number>>;
  /** "Keep blocked": the faxes held for that org are not sent. */
  keepBlocked(peerOrgId: OrgId): Promise<number>;
  /** Resend: a failed fax's own row goes back in line; a sent one goes again as a new fax. */
  resend(id: FaxId): Promise<{ id: FaxId }>;
  /** A scheduled fax goes now / is not sent after all (to the Trash). */
  sendNow(id: FaxId): Promise<void>;
  cancelScheduled(id: FaxId): Promise<void>;
  /** Queues a fax for the phone network in the shared outbox (a desk with a provider sends it). */
  sendPstn(req: OfficeSendRequest): Promise<{ id: FaxId }>;
  /** "Send over phone network…" on an office fax waiting in needs-pstn, through this desk's provider. */
  sendViaPstn(id: FaxId): Promise<void>;
  /** A provider's status event this desk verified, about a fax of the shared outbox: false when none matches. */
  pstnStatus(provider: PstnProviderName, providerFaxId: string, status: PstnStatus): Promise<boolean>;
  /** Whether this desk receives for the office now (it holds the receiver lease). */
  receiving(): boolean;
  /** A webhook said a fax waits for the office: receive it into the office database. */
  received(messageId: string): Promise<void>;
  stop(): Promise<void>;
}

function officeServer(url: string): string {
  const u = parseOfficeUrl(url);
  return `${u.hostname}:${u.port || '5432'}${decodeURIComponent(u.pathname)}`;
}

export class OfficeLink {
  private readonly d: OfficeLinkDeps;
  private office: Office | null = null;
  private inbox: InboxStore | null = null;
  private feed: ChangeFeed | null = null;
  private duties: OfficeDuties | null = null;
  private connection: OfficeStatus['connection'] = 'off';
  private lastError: UserError | null = null;
  private people: string[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private changeTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(deps: OfficeLinkDeps) {
    this.d = deps;
  }

  private profile(): OfficeProfile | null {
    const raw = kvGet(this.d.db, PROFILE_KEY);
    return raw ? (JSON.parse(raw) as OfficeProfile) : null;
  }

  private deskId(): string {
    let id = kvGet(this.d.db, DESK_ID_KEY);
    if (!id) { id = randomUUID(); kvSet(this.d.db, DESK_ID_KEY, id); }
    return id;
  }

  joined(): boolean {
    return this.profile() !== null;
  }

  status(): OfficeStatus {
    const p = this.profile();
    if (!p) return { joined: false, connection: 'off', server: null, orgId: null, personName: '', deskName: '', people: [], error: null };
    return {
      joined: true, connection: this.connection, server: p.server, orgId: p.orgId, personName: p.personName, deskName: p.deskName,
      people: this.people, error: this.connection === 'connected' ? null : this.lastError,
    };
  }

  /** The office's inbox while joined (throws `office.unreachable` until it is first reached), else null. */
  store(): InboxStore | null {
    if (!this.joined()) return null;
    if (this.inbox) return this.inbox;
    throw new DeskError('office.unreachable', 'Office database unreachable — reconnecting…', { detail: this.lastError?.detail ?? 'not connected yet', retryable: true });
  }

  /**
   * The office while joined, with `guard`: a call through it that fails turns the desk to
   * "reconnecting" and reaches the caller as a plain office error. null when not in an office;
   * throws `office.unreachable` until the database was first reached.
   */
  private reachedOffice(): { office: Office; guard: <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => (...a: A) => Promise<R> } | null {
    if (!this.joined()) return null;
    const office = this.office;
    if (!office) throw new DeskError('office.unreachable', 'Office database unreachable — reconnecting…', { detail: this.lastError?.detail ?? 'not connected yet', retryable: true });
    const guard = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (e) {
        const err = e instanceof DeskError && !e.code.startsWith('office.') ? e : officeError(e, office.where);
        this.noticeFailure(err);
        throw err;
      }
    };
    return { office, guard };
  }

  /** The office's phone-book groups while joined (throws `office.unreachable` until first reached), else null. */
  groups(): ContactGroupStore | null {
    const reached = this.reachedOffice();
    if (!reached) return null;
    const { office, guard } = reached;
    const g = officeContactGroups(office);
    return { list: guard(() => g.list()), save: guard((req: { id?: string; name: string }) => g.save(req)), delete: guard((id: string) => g.delete(id)), setMembers: guard((id: string, ids: string[]) => g.setMembers(id, ids)) };
  }

  /** The office's cover-page templates and logo while joined (throws `office.unreachable` until first reached), else null. */
  coverTemplates(): CoverTemplates | null {
    const reached = this.reachedOffice();
    if (!reached) return null;
    const { office, guard } = reached;
    const t = officeCoverTemplates(office);
    return {
      list: guard(() => t.list()), save: guard((req: CoverTemplateDraft) => t.save(req)), delete: guard((id: string) => t.delete(id)), logo: guard(() => t.logo()),
      setLogo: guard((fileName: string, data: Uint8Array) => t.setLogo(fileName, data)), removeLogo: guard(() => t.removeLogo()), letterhead: guard((id: string) => t.letterhead(id)),
    };
  }

  /** The office's page turns while joined (throws `office.unreachable` until first reached), else null. */
  pageTurns(): PageTurns | null {
    const reached = this.reachedOffice();
    if (!reached) return null;
    const { office, guard } = reached;
    const t = officePageTurns(office);
    return { read: guard((id: FaxId) => t.read(id)), set: guard((id: FaxId, page: number, degrees: 0 | 90 | 180 | 270) => t.set(id, page, degrees)) };
  }

  /** The org whose faxes live in the office (the desk's own lanes leave it alone), or null. */
  orgId(): string | null {
    return this.profile()?.orgId ?? null;
  }

  /**
   * The office-wide settings (settings.ts) as last read from the office, or null when this
   * desk is in no office. Kept in the desk's database too, so a desk that starts while the
   * office database is away still applies the office's choices.
   */
  settings(): OfficeWideSettings | null {
    if (!this.joined()) return null;
    const raw = kvGet(this.d.db, SETTINGS_KEY);
    return raw ? (JSON.parse(raw) as OfficeWideSettings) : {};
  }

  /** Saves office-wide settings for every desk (one audit line each). */
  async saveSettings(patch: OfficeWideSettings): Promise<void> {
    const office = this.office;
    if (!office) throw new DeskError('office.unreachable', 'Office database unreachable — the setting was not saved. Try again when it is back.', { detail: this.lastError?.detail ?? 'not connected', retryable: true });
    const inbox = new OfficeInbox(office);
    try {
      for (const [key, value] of Object.entries(patch)) await inbox.setSetting(key, value);
    } catch (e) {
      const err = officeError(e, office.where);
      this.noticeFailure(err);
      throw err;
    }
    await this.loadSettings(office);
  }

  /** Reads the office's settings into the desk's copy; tells the window when they changed. */
  private async loadSettings(office: Office): Promise<void> {
    const all = await new OfficeInbox(office).settings();
    const picked = Object.fromEntries(OFFICE_SETTING_KEYS.filter((k) => k in all).map((k) => [k, all[k]]));
    const json = JSON.stringify(picked);
    if (json === kvGet(this.d.db, SETTINGS_KEY)) return;
    kvSet(this.d.db, SETTINGS_KEY, json);
    this.d.onStatusChanged();
  }

  /** The office's part of sending: the recipient check and key changes against the office's pins. */
  private dutiesOrThrow(what: string): OfficeDuties {
    if (!this.duties) throw new DeskError('office.unreachable', `Office database unreachable — ${what}. Try again when it is back.`, { detail: this.lastError?.detail ?? 'not connected', retryable: true });
    return this.duties;
  }

  check(to: string): Promise<SendCheck> {
    return this.dutiesOrThrow('the number could not be checked').check(to);
  }

  async acceptKeyChange(peerOrgId: OrgId, newFingerprint: Fingerprint): Promise<void> {
    await this.dutiesOrThrow('the new keys were not accepted').acceptKeyChange(peerOrgId, newFingerprint);
  }

  pendingKeyChanges(): Promise<PendingKeyChange[]> {
    return this.dutiesOrThrow('the key changes could not be read').pendingKeyChanges();
  }

  heldSends(): Promise<HeldSend[]> {
    return this.dutiesOrThrow('the held faxes could not be read').heldSends();
  }

  incomingWaiting(): Promise<Map<string, number>> {
    return this.dutiesOrThrow('the held faxes could not be read').incomingWaiting();
  }

  async keepBlocked(peerOrgId: OrgId): Promise<number> {
    const n = await this.dutiesOrThrow('nothing was changed').keepBlocked(peerOrgId);
    this.d.onRemoteChange();
    return n;
  }

  /** Whether this desk receives for the office now: only then does it take the office's webhooks. */
  receivingForOffice(): boolean {
    return this.duties?.receiving() ?? false;
  }

  /** A webhook for the office's org, taken while this desk receives for the office. */
  async receivedForOffice(messageId: string): Promise<void> {
    await this.dutiesOrThrow('the fax was left on the relay for the office\'s receiver').received(messageId);
  }

  /** Resend of an office fax (resendOfficeFax). */
  async resend(id: FaxId): Promise<{ id: FaxId }> {
    const res = await this.dutiesOrThrow('the fax was not sent again').resend(id);
    this.d.onRemoteChange();
    return res;
  }

  /** "Send now" for a scheduled office fax. */
  async sendNow(id: FaxId): Promise<void> {
    await this.dutiesOrThrow('the fax was not sent now').sendNow(id);
    this.d.onRemoteChange();
  }

  /** "Cancel" for a scheduled office fax: not sent, to the Trash. */
  async cancelScheduled(id: FaxId): Promise<void> {
    await this.dutiesOrThrow('the fax was not cancelled').cancelScheduled(id);
    this.d.onRemoteChange();
  }

  /** Sends through the shared outbox (office mode only). */
  async send(req: OfficeSendRequest): Promise<{ id: FaxId }> {
    if (!this.duties) throw new DeskError('office.unreachable', 'Office database unreachable — the fax was not queued. Try again when it is back.', { detail: this.lastError?.detail ?? 'not connected', retryable: true });
    const res = await this.duties.send(req);
    this.d.onRemoteChange();
    return res;
  }

  /** Queues a fax for the phone network in the shared outbox (office-pstn.ts). */
  async sendPstn(req: OfficeSendRequest): Promise<{ id: FaxId }> {
    const res = await this.dutiesOrThrow('the fax was not queued').sendPstn(req);
    this.d.onRemoteChange();
    return res;
  }

  /** "Send over phone network…" for an office fax waiting in needs-pstn. */
  async sendViaPstn(id: FaxId): Promise<void> {
    await this.dutiesOrThrow('the fax was not sent').sendViaPstn(id);
    this.d.onRemoteChange();
  }

  /** A provider's status event about a shared outbox fax; false when this desk is not in an office or no fax matches. */
  async pstnStatus(provider: PstnProviderName, providerFaxId: string, status: PstnStatus): Promise<boolean> {
    return this.duties ? this.duties.pstnStatus(provider, providerFaxId, status) : false;
  }

  /** At start: a desk that belongs to an office connects (and keeps trying). */
  async start(): Promise<void> {
    if (!this.joined()) return;
    await this.connect().catch(() => undefined);
  }

  /**
   * Joins (or creates) the office for `orgId`, whose keys are in the vault, or `signingSeed`
   * when the keys.zip comes with the join (first run: it is stored only once the join worked).
   * Nothing is saved unless the office opened.
   */
  async join(req: OfficeJoinRequest, orgId: OrgId, signingSeed?: Uint8Array): Promise<OfficeStatus> {
    const server = officeServer(req.url);
    const desk = { deskId: this.deskId(), deskName: req.deskName, person: req.personName };
    await this.checkOfficeExists(req.url, server, req.create);
    await this.disconnect();
    const office = await this.openWith(req.url, orgId, desk, signingSeed);
    this.d.vault.put(OFFICE_URL_RECORD, new TextEncoder().encode(req.url));
    kvSet(this.d.db, PROFILE_KEY, JSON.stringify({ server, orgId, deskName: req.deskName, personName: req.personName } satisfies OfficeProfile));
    this.d.log(`office at ${server}: joined as desk ${req.deskName}`);
    await this.attach(office);
    return this.status();
  }

  async leave(): Promise<OfficeStatus> {
    const p = this.profile();
    if (!p) return this.status();
    try {
      await this.office?.leave();
    } catch (e) {
      // Leaving works offline too: the office marks the desk gone when it next sees it, or never; nothing depends on it.
      this.d.log(`office at ${p.server}: could not record the leave: ${errorDetail(e)}`);
    }
    await this.disconnect();
    this.d.vault.delete(OFFICE_URL_RECORD);
    kvSet(this.d.db, PROFILE_KEY, '');
    kvSet(this.d.db, SETTINGS_KEY, '');
    this.connection = 'off';
    this.lastError = null;
    this.people = [];
    this.d.log(`office at ${p.server}: this desk left`);
    this.d.onStatusChanged();
    this.d.onRemoteChange();
    return this.status();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.disconnect();
  }

  /** A query failed because the database went away: show it and start reconnecting. */
  noticeFailure(e: unknown): void {
    if (!(e instanceof DeskError) || e.code !== 'office.unreachable' || this.connection !== 'connected') return;
    this.lost(e);
  }

  // --- connection --------------------------------------------------------------------------

  private async checkOfficeExists(url: string, server: string, create: boolean): Promise<void> {
    const c = new pg.Client(clientConfig({ url, connectTimeoutMs: this.d.connectTimeoutMs ?? 5_000 }));
    c.on('error', () => undefined);
    try {
      await c.connect();
      const exists = (await c.query<{ t: string | null }>("SELECT to_regclass('fxe.office')::text AS t")).rows[0]?.t
        ? ((await c.query('SELECT 1 FROM fxe.office')).rowCount ?? 0) > 0
        : false;
      if (!exists && !create) {
        throw new DeskError('office.not_created', 'There is no office in this database yet. On the first desk, choose “Create the office”; the others then join it.', { detail: server });
      }
    } catch (e) {
      throw officeError(e, server);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  private async openWith(url: string, orgId: OrgId, desk: { deskId: string; deskName: string; person: string }, signingSeed?: Uint8Array): Promise<Office> {
    const server = officeServer(url);
    const o: OpenOfficeOptions = {
      url, orgId, signingSeed: signingSeed ?? (await this.d.orgs.keys(orgId)).signingSeed, desk, nowMs: this.d.nowMs, log: this.d.log,
      connectTimeoutMs: this.d.connectTimeoutMs ?? 5_000,
      ...(this.d.caPem ? { caPem: this.d.caPem } : {}),
    };
    try {
      return await openOffice(o);
    } catch (e) {
      throw officeError(e, server);
    }
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const p = this.profile();
      const urlBytes = this.d.vault.get(OFFICE_URL_RECORD);
      if (!p || !urlBytes) return;
      const url = new TextDecoder().decode(urlBytes);
      urlBytes.fill(0);
      try {
        const office = this.office ?? await this.openWith(url, p.orgId, { deskId: this.deskId(), deskName: p.deskName, person: p.personName });
        await this.attach(office);
      } catch (e) {
        this.lost(e);
        throw e;
      }
    })().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  /** Office open: its store, the change feed, the heartbeat, and the people to assign to. */
  private async attach(office: Office): Promise<void> {
    if (this.closed) { await office.close(); return; }
    this.office = office;
    this.inbox ??= this.wrapStore(postgresInboxStore({ office, toError: (e) => officeError(e, office.where) }));
    await this.follow(office);
    await this.refreshPeople();
    await this.loadSettings(office);
    this.duties ??= this.d.duties?.(office) ?? null;
    this.heartbeatTimer ??= setInterval(() => {
      void this.office?.heartbeat().then(() => this.refreshPeople(), (e: unknown) => this.noticeFailure(officeError(e, office.where)));
    }, 30_000);
    this.heartbeatTimer.unref();
    this.connected();
  }

  private connected(): void {
    const was = this.connection;
    this.connection = 'connected';
    this.lastError = null;
    if (was !== 'connected') {
      this.d.onStatusChanged();
      // Back (or first there): whatever changed meanwhile is read again.
      this.d.onRemoteChange();
    }
  }

  /** Other desks' changes, live; the feed reconnects by itself and says when it is cut off. */
  private async follow(office: Office): Promise<void> {
    if (this.feed) return;
    const urlBytes = this.d.vault.get(OFFICE_URL_RECORD);
    const url = urlBytes ? new TextDecoder().decode(urlBytes) : null;
    urlBytes?.fill(0);
    if (!url) return;
    const feed = new ChangeFeed({
      db: { url, connectTimeoutMs: this.d.connectTimeoutMs ?? 5_000, ...(this.d.caPem ? { caPem: this.d.caPem } : {}) },
      onChanges: (changes) => {
        // A desk joining or leaving writes an audit line: the people to assign to may have changed.
        if (changes.some((c) => c.kind === 'audit_log')) void this.refreshPeople().catch(() => undefined);
        if (changes.some((c) => c.kind === 'office_settings' || c.kind === 'reset') && this.office) void this.loadSettings(this.office).catch(() => undefined);
        this.changed();
      },
      onStatus: (st) => {
        if (st.connected) this.connected();
        else this.lost(new DeskError('office.unreachable', 'The office database cannot be reached right now.', { detail: `${office.where}: ${st.error}`, retryable: true }));
      },
      log: this.d.log,
      ...(this.d.feedCheckMs === undefined ? {} : { checkEveryMs: this.d.feedCheckMs }),
    });
    try {
      await feed.start();
    } catch (e) {
      await feed.stop();
      throw officeError(e, office.where);
    }
    this.feed = feed;
  }

  private changed(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.d.onRemoteChange();
    }, 25);
  }

  private async refreshPeople(): Promise<void> {
    if (!this.office) return;
    const rows: { person: string }[] = (await this.office.query<{ person: string }>("SELECT DISTINCT person FROM fxe.desks WHERE left_at IS NULL AND person <> '' ORDER BY person", [], 'people')).rows;
    const next = rows.map((r) => r.person);
    if (next.join('\n') !== this.people.join('\n')) {
      this.people = next;
      this.d.onStatusChanged();
    }
  }

  /**
   * The database went away: say so, and try again shortly (opening the office if this desk
   * has not yet, else one query; the change feed also reconnects by itself).
   */
  private lost(e: unknown): void {
    if (this.closed || !this.joined()) return;
    const err = toUserError(e instanceof DeskError ? e : officeError(e, this.profile()?.server ?? 'office'));
    const was = this.connection;
    this.connection = 'reconnecting';
    this.lastError = { ...err, message: 'Office database unreachable — showing what was loaded; reconnecting…' };
    if (was !== 'reconnecting') {
      this.d.log(`office: connection lost: ${err.code} ${err.detail ?? ''}`);
      this.d.onStatusChanged();
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect().catch(() => undefined);
    }, this.d.reconnectMs ?? 1_000);
    this.retryTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.retryTimer = this.heartbeatTimer = this.changeTimer = null;
    const duties = this.duties;
    this.duties = null;
    await duties?.stop();
    const feed = this.feed;
    this.feed = null;
    await feed?.stop();
    const office = this.office;
    this.office = null;
    this.inbox = null;
    await office?.close();
  }

  /** Every store call that finds the database gone turns the desk to "reconnecting". */
  private wrapStore(store: InboxStore): InboxStore {
    const guard = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (e) {
        this.noticeFailure(e);
        throw e;
      }
    };
    const c = store.contacts;
    return {
      engine: store.engine,
      list: guard(store.list.bind(store)), detail: guard(store.detail.bind(store)), document: guard(store.document.bind(store)), unreadCount: guard(store.unreadCount.bind(store)),
      lineCounts: guard(store.lineCounts.bind(store)),
      markRead: guard(store.markRead.bind(store)), archive: guard(store.archive.bind(store)), delete: guard(store.delete.bind(store)), undoDelete: guard(store.undoDelete.bind(store)),
      listTrash: guard(store.listTrash.bind(store)), restore: guard(store.restore.bind(store)), deleteForever: guard(store.deleteForever.bind(store)), emptyTrash: guard(store.emptyTrash.bind(store)),
      setTags: guard(store.setTags.bind(store)), allTags: guard(store.allTags.bind(store)), setNote: guard(store.setNote.bind(store)), assign: guard(store.assign.bind(store)),
      audit: guard(store.audit.bind(store)), auditTrail: guard(store.auditTrail.bind(store)),
      contacts: { list: guard(c.list.bind(c)), save: guard(c.save.bind(c)), delete: guard(c.delete.bind(c)), exportCsv: guard(c.exportCsv.bind(c)), importCsv: guard(c.importCsv.bind(c)) },
    };
  }
}
