/**
 * The one typed table of everything the renderer may ask the main process, and every event
 * main may push back. The preload exposes exactly this (as `window.fxe`); main registers one
 * handler per request channel and validates every argument (electron/services/ipc/validate.ts,
 * then the handlers beside it). Nothing here may carry a secret.
 */
import type { FaxId, Fingerprint, OrgId } from '../domain/ids.ts';
import type {
  AuditEntry,
  Contact,
  ContactGroup,
  FaxDetail,
  FaxLine,
  FaxSummary,
  Folder,
  OrgSummary,
  OutboxState,
  PstnProviderName,
  Result,
  Settings,
  UserError,
} from '../domain/types.ts';
import type { PaperSize } from '../domain/compose.ts';

/** What an org's relay offers beyond the seed's API (its /v1/health extensions). */
export interface RelayOffers {
  /** Faxes can be listed (polling); without it they arrive only by webhook. */
  polling: boolean;
  /** The desk can register its webhook itself; without it the relay's operator does. */
  webhookRegistration: boolean;
  /** The relay reports deliveries (status, delivery events): a proof of delivery can be shown. */
  deliveryProof: boolean;
}

export interface ReceivingOrgStatus {
  orgId: OrgId;
  /** null while the relay cannot be reached. */
  offers: RelayOffers | null;
  /** This org's webhook at the public address, or null without a public address. */
  webhookUrl: string | null;
  /** The relay cannot register webhooks: give `webhookUrl` to the relay's operator, enter the secret they give back. */
  needsOperator: boolean;
  /** A webhook secret is saved (from registration, or entered). */
  hasWebhookSecret: boolean;
}

export interface TunnelStatus {
  state: 'off' | 'starting' | 'running' | 'error';
  /** The tunnel's public URL while it runs. */
  url: string | null;
  error: UserError | null;
  /** An authtoken is saved in the vault (never shown). */
  hasAuthtoken: boolean;
}

/** How faxes reach this desk: the public address of its webhook, and what each relay offers. */
export interface ReceivingStatus {
  /** The public address in use: the tunnel's while it runs, else the one saved in settings. */
  publicUrl: string | null;
  /** The local webhook listener (what a reverse proxy or tunnel must forward to). */
  listenerUrl: string | null;
  tunnel: TunnelStatus;
  orgs: ReceivingOrgStatus[];
}

export interface AppStatus {
  orgs: OrgSummary[];
  activeOrgId: OrgId | null;
  /** false when no OS keychain is usable; `keychainError` then says what to do. */
  keychainAvailable: boolean;
  keychainError: UserError | null;
  relayReachable: boolean | null;
  unreadCount: number;
  demoRunning: boolean;
  /** Office mode: whether this desk shares an office's inbox, and whether it reaches it. Absent before the desk opens. */
  office?: OfficeStatus;
}

/**
 * This desk's place in an office (several desks sharing one inbox on the office's
 * PostgreSQL). Never carries the database password: `server` is host, port and database only.
 */
export interface OfficeStatus {
  joined: boolean;
  /** 'connected'; 'reconnecting' while the database cannot be reached (what is on screen stays); 'off' on a single desk. */
  connection: 'connected' | 'reconnecting' | 'off';
  /** "db.office.lan:5432/fxe": where the office database is, without user or password. */
  server: string | null;
  orgId: OrgId | null;
  personName: string;
  deskName: string;
  /** Everyone a fax can be assigned to: the people of the office's desks. */
  people: string[];
  /** Why the database cannot be reached, in a sentence; null while connected. */
  error: UserError | null;
}

export interface OfficeJoinRequest {
  /** postgresql://user:password@host:5432/db?sslmode=verify-full: kept in the vault only. */
  url: string;
  personName: string;
  deskName: string;
  /** true: set up the office database (first desk); false: join one that exists. */
  create: boolean;
  /** true: main first asks for the office's keys.zip (first run); false: the office is the active organisation's. */
  importKeysZip: boolean;
}

export interface ListFaxesRequest {
  folder: Folder;
  orgId?: OrgId;
  query?: string;
  tag?: string;
  /** Only faxes that came in on this number of ours (E.164): one department's view of the Inbox. */
  line?: string;
  offset: number;
  limit: number; // 1..500
}

export interface TrashPage {
  total: number;
  items: (FaxSummary & { deletedAt: number })[];
  /** Faxes in the Trash are purged this many days after their deletion (the retention setting's days). */
  removeAfterDays: number;
}

export type SendCheck =
  | { kind: 'fxe'; recipientOrgId: OrgId; keyChange: KeyChangeWarning | null }
  | { kind: 'not-on-fxe'; pstnProvider: PstnProviderName | null };

/** A fax of ours waiting for someone to accept (or refuse) its recipient's new keys. */
export interface HeldFax {
  id: FaxId;
  to: string;
  fileName: string;
  /** When it was queued (unix ms). */
  at: number;
}

/**
 * A partner org whose keys changed (or that now answers a number pinned to another org),
 * waiting for someone to accept the new keys: what Settings → Key changes lists. In an office
 * it is the office's, the same on every desk.
 */
export interface HeldKeyChange {
  peerOrgId: OrgId;
  /** Who it is as far as the phone book or the held faxes say ("Harbor Pharmacy"), else null. */
  peerName: string | null;
  /** Its fax numbers (pinned to it, or held for it). */
  numbers: string[];
  /** When the change is a number moving to this org: the org it belonged to. */
  previousOrgId: OrgId | null;
  /** '' when there was none (a number moved to an org never seen before). */
  previousFingerprint: Fingerprint | '';
  newFingerprint: Fingerprint;
  /** When a desk first met the new keys (unix ms). */
  firstSeenAt: number;
  /** Our faxes to it that wait in the Outbox for a decision, oldest first. */
  heldFaxes: HeldFax[];
  /** Faxes from it not taken in: they wait on the relay and come in once the new keys are accepted. */
  incomingWaiting: number;
}

export interface KeyChangeWarning {
  recipientOrgId: OrgId;
  /** '' when there was none (the number moved to an org never seen before). */
  previousFingerprint: Fingerprint | '';
  newFingerprint: Fingerprint;
  /** Present when the number used to belong to this other org: the relay moved it. */
  previousOrgId?: OrgId;
}

export interface CoverPage {
  toName: string;
  fromName: string;
  subject: string;
  message: string;
  /** The template whose letterhead (logo, office name, reply numbers, confidentiality notice) is drawn; absent or null: a plain cover. */
  templateId?: string | null;
}

/** A cover-page template: the office's default fields, filled into the send dialog when chosen. */
export interface CoverTemplate {
  id: string;
  name: string;
  /** Printed at the top, next to the logo; also the cover's "From (name)". */
  officeName: string;
  /** The caller ID chosen when the template is (if it is one of the org's numbers); '' = leave as is. */
  fromNumber: string;
  replyFax: string;
  replyPhone: string;
  /** The confidentiality notice printed at the foot of the cover. */
  notice: string;
  /** The cover's default message. */
  message: string;
  isDefault: boolean;
}

/** The office's logo, as stored (after the picture check). Not secret: it is printed on every cover. */
export interface CoverLogo {
  fileName: string;
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  data: Uint8Array;
}

export interface SendRequest {
  orgId: OrgId;
  to: string; // E.164
  from: string; // E.164, one of the org's numbers
  fileName: string;
  /** The PDF's bytes: not secret (the user chose the file); the renderer reads the dropped File. */
  pdf: Uint8Array;
  coverPage: CoverPage | null;
  route: 'fxe' | 'pstn';
}

/** One file the user added to a fax, as the renderer read it (the user chose it: not secret). */
export interface ComposeFile {
  fileName: string;
  data: Uint8Array;
  /** Pages of this file (1-based) the user removed. */
  removePages: number[];
}

export interface ComposeRequest {
  /** In the order they go out. */
  files: ComposeFile[];
  /** Paper pictures are fitted onto (PDF pages keep their size). */
  paper: PaperSize;
  /** For the preview: the cover page in front, as it will go out. null = the document alone (what send.submit takes). */
  cover: (CoverPage & { to: string; from: string }) | null;
}

export interface ComposedFax {
  pdf: Uint8Array;
  /** Pages in `pdf`, the cover included. */
  pages: number;
  /** 1 when `pdf` starts with the cover page. */
  coverPages: 0 | 1;
  /** Pages each file has, before removals. */
  filePages: number[];
  /** For every document page of `pdf` after the cover: which file (index into files) and which of its pages. */
  sources: { file: number; page: number }[];
}

/** A page the user turned in the viewer (clockwise degrees); pages not listed are upright. */
export interface PageRotation {
  page: number;
  degrees: 90 | 180 | 270;
}

/** One recipient of a send: where to, and how (fxe, or the phone network the user agreed to). */
export interface SendRecipient {
  to: string; // E.164
  route: 'fxe' | 'pstn';
  /** The name from the phone book, for this recipient's cover page when "To (name)" is left empty. */
  name?: string;
}

/**
 * One document to one or several recipients, now or later. Each recipient gets its own fax
 * (its own outbox row and sealed envelope): one refused never holds up the others.
 */
export interface SendGroupRequest extends Omit<SendRequest, 'to' | 'route'> {
  recipients: SendRecipient[]; // 1..MAX_RECIPIENTS, no number twice
  /** When to send (unix ms, UTC), or null for now. Sealed only then, with the keys of then. */
  sendAt: number | null;
}

/** Each recipient's fax id, or why that one could not be queued (the others are queued regardless). */
export interface SendGroupResult {
  sendGroup: string | null;
  items: { to: string; id: FaxId | null; error: UserError | null }[];
}

/** How many recipients one send may have. */
export const MAX_RECIPIENTS = 50;

/** Request channel → [request payload, response value]. Every response travels as Result<T>. */
export interface IpcRequests {
  'app.status': [Record<string, never>, AppStatus];
  'demo.start': [Record<string, never>, OrgSummary[]];
  /** Main opens the OS file dialog itself: keys.zip bytes never pass through the renderer. */
  'orgs.importKeysZip': [Record<string, never>, OrgSummary | null];
  'orgs.redeemInvite': [{ relayUrl: string; token: string; orgName: string; faxNumbers: string[] }, OrgSummary | null];
  'orgs.setActive': [{ orgId: OrgId }, null];
  /** Name and fax numbers, for a relay that cannot tell them (the reference relay has no orgs/me). */
  'orgs.setFacts': [{ orgId: OrgId; name?: string; faxNumbers?: string[] }, OrgSummary];
  'orgs.remove': [{ orgId: OrgId }, null];
  /** The backup is the keys.zip encrypted under this passphrase (scrypt + AES-256-GCM); at least 10 characters. */
  'orgs.exportBackup': [{ orgId: OrgId; passphrase?: string }, { savedTo: string } | null];
  'orgs.rotateKeys': [{ orgId: OrgId }, OrgSummary];
  /** Restore from an encrypted backup (orgs.exportBackup): main opens the file dialog itself. null = cancelled. */
  'orgs.importBackup': [{ passphrase: string }, OrgSummary | null];

  'faxes.list': [ListFaxesRequest, { total: number; items: FaxSummary[] }];
  'faxes.get': [{ id: FaxId }, FaxDetail];
  /** The decrypted PDF for the viewer. Only verified faxes are ever stored, so only they can be opened. */
  'faxes.document': [{ id: FaxId }, { fileName: string; pdf: Uint8Array; rotations: PageRotation[] }];
  /** Remembers how one page is turned (0 = upright); Print and Save honour it, the stored fax is never rewritten. */
  'faxes.setPageRotation': [{ id: FaxId; page: number; degrees: 0 | 90 | 180 | 270 }, null];
  /** The pages turned in the viewer, alone: an open fax follows another desk's turns without reading the document again. */
  'faxes.pageTurns': [{ id: FaxId }, PageRotation[]];
  'faxes.markRead': [{ ids: FaxId[]; read: boolean }, null];
  'faxes.archive': [{ ids: FaxId[]; archived: boolean }, null];
  'faxes.delete': [{ ids: FaxId[] }, { undoToken: string }];
  'faxes.undoDelete': [{ undoToken: string }, null];
  /** Deleted faxes of one org (or all), newest deletion first, and how long they stay. */
  'trash.list': [{ orgId?: OrgId; offset: number; limit: number }, TrashPage];
  /** Back to the folder each fax was deleted from. */
  'trash.restore': [{ ids: FaxId[] }, { restored: number }];
  /** Removed for good at once (row, key and encrypted body); only faxes already in the Trash. */
  'trash.deleteForever': [{ ids: FaxId[] }, { purged: number }];
  'trash.empty': [{ orgId?: OrgId }, { purged: number }];
  'faxes.setTags': [{ id: FaxId; tags: string[] }, null];
  'faxes.setNote': [{ id: FaxId; note: string }, null];
  'faxes.print': [{ id: FaxId }, { printed: boolean }];
  'faxes.saveAs': [{ id: FaxId }, { savedTo: string } | null];
  'faxes.printDeliveryConfirmation': [{ id: FaxId }, { printed: boolean }];
  'faxes.resend': [{ id: FaxId }, { id: FaxId }];
  /**
   * The user confirmed the phone-network prompt for an outgoing fax waiting in needs-pstn: the
   * same item goes to the configured provider, under the same idempotency key (its id). Without
   * a provider it stays in needs-pstn and says so; any other state is refused.
   */
  'faxes.sendViaPstn': [{ id: FaxId }, null];
  /** The same document to another number, now or at `sendAt` (unix ms, UTC; "Send later", as for a new fax). */
  'faxes.forward': [{ id: FaxId; to: string; from: string; sendAt?: number | null }, { id: FaxId }];
  'faxes.tags': [Record<string, never>, string[]];
  /** The org's receiving numbers (and any other a fax came in on), with their names and unread counts. */
  'faxes.lines': [{ orgId?: OrgId }, FaxLine[]];
  /** Office mode: who handles this fax (a person of the office), or null for nobody. */
  'faxes.assign': [{ id: FaxId; assignee: string | null }, null];
  /** What happened to this fax, oldest first: views, prints, exports, sends, deletions (desk and person in an office). */
  'faxes.audit': [{ id: FaxId }, AuditEntry[]];

  'office.status': [Record<string, never>, OfficeStatus];
  /** Join (or create) the office: null when the keys.zip dialog was cancelled. */
  'office.join': [OfficeJoinRequest, OfficeStatus | null];
  /** This desk stops sharing the office's inbox (the office keeps working); the password is wiped from the vault. */
  'office.leave': [Record<string, never>, OfficeStatus];

  /** Look the number up before sending: on fxe (maybe with a key change) or not. */
  'send.check': [{ orgId: OrgId; to: string }, SendCheck];
  'send.acceptKeyChange': [{ orgId: OrgId; recipientOrgId: OrgId; newFingerprint: Fingerprint }, null];
  /** Key changes waiting for a decision (the office's, when `orgId` is the office's org), oldest first. */
  'keys.changes': [{ orgId: OrgId }, HeldKeyChange[]];
  /** "Keep blocked": the faxes held for this org are not sent (they turn Failed, saying why); the change stays listed. */
  'keys.keepBlocked': [{ orgId: OrgId; peerOrgId: OrgId }, { cancelled: number }];
  'send.submit': [SendRequest, { id: FaxId }];
  /** Several files (PDFs, JPEG/PNG/TIFF pictures) combined into one PDF, checked against the limits; optionally with the cover, for the preview. */
  'compose.build': [ComposeRequest, ComposedFax];
  /** Several recipients and/or later: one fax per recipient, in the order given. */
  'send.submitGroup': [SendGroupRequest, SendGroupResult];
  /**
   * The transmission report of a sent fax, printed or saved as PDF. The window sends the first
   * page's thumbnail (PNG, drawn from the fax it shows) and its time zone (times are local).
   */
  'faxes.transmissionReport': [{ id: FaxId; thumbnailPng: Uint8Array | null; timeZone: string; action: 'print' | 'save' }, { done: boolean; savedTo: string | null }];
  /** Every fax of a date range [fromMs, toMs), saved as CSV or PDF where the save dialog says. null = cancelled. */
  'reports.activity': [
    { orgId?: OrgId; direction: 'received' | 'sent' | 'all'; fromMs: number; toMs: number; format: 'csv' | 'pdf'; timeZone: string },
    { savedTo: string; count: number } | null,
  ];
  /** A scheduled fax is not sent: it goes to the Trash (nothing was sealed or uploaded). */
  'outbox.cancelScheduled': [{ id: FaxId }, null];
  /** A scheduled fax goes now instead of at its time. */
  'outbox.sendNow': [{ id: FaxId }, null];

  'contacts.list': [{ query?: string }, Contact[]];
  'contacts.save': [Omit<Contact, 'id'> & { id?: string }, Contact];
  'contacts.delete': [{ id: string }, null];
  'contacts.importCsv': [{ csv: string }, { imported: number; skipped: number }];
  'contacts.exportCsv': [Record<string, never>, { csv: string }];
  'groups.list': [Record<string, never>, ContactGroup[]];
  /** Create (no id) or rename a group; names are unique, whatever their case. */
  'groups.save': [{ id?: string; name: string }, ContactGroup];
  /** The group goes; its contacts stay in the phone book. */
  'groups.delete': [{ id: string }, null];
  'groups.setMembers': [{ id: string; contactIds: string[] }, ContactGroup];

  'covers.list': [Record<string, never>, { templates: CoverTemplate[]; logo: CoverLogo | null }];
  /** Create (no id) or change a template; names are unique, whatever their case. Marking one the default unmarks the others. */
  'covers.save': [Omit<CoverTemplate, 'id'> & { id?: string }, CoverTemplate];
  'covers.delete': [{ id: string }, null];
  /** The logo picture the user chose (PNG or JPEG, checked and decoded by main before it is kept). */
  'covers.setLogo': [{ fileName: string; data: Uint8Array }, CoverLogo];
  'covers.removeLogo': [Record<string, never>, null];

  'settings.get': [Record<string, never>, Settings];
  'receiving.status': [Record<string, never>, ReceivingStatus];
  /** The secret the relay's operator gave for this org's webhook (stored in the vault, never read back). */
  'receiving.setWebhookSecret': [{ orgId: OrgId; secret: string }, ReceivingStatus];
  /**
   * The built-in tunnel (ngrok): on or off (it runs while the desk receives by webhook), and its
   * authtoken (kept in the vault, never read back; null forgets it, absent keeps it).
   */
  'receiving.configureTunnel': [{ enabled: boolean; authtoken?: string | null }, ReceivingStatus];
  'settings.update': [Partial<Omit<Settings, 'pstn'>>, Settings];
  /** Credentials go straight into the vault; they are never read back to the renderer. */
  'settings.configurePstn': [
    { provider: PstnProviderName | null; fromNumber: string; credentials: Record<string, string> },
    Settings,
  ];
}

export type RequestChannel = keyof IpcRequests;
export type RequestOf<C extends RequestChannel> = IpcRequests[C][0];
export type ResponseOf<C extends RequestChannel> = IpcRequests[C][1];

/** Events main pushes to the renderer over one channel. */
export type IpcEvent =
  | { type: 'fax.received'; id: FaxId; orgId: OrgId }
  | { type: 'outbox.changed'; id: FaxId; state: OutboxState; progress: number | null; error: UserError | null }
  | { type: 'faxes.changed' }
  | { type: 'status.changed'; status: AppStatus }
  | { type: 'receive.error'; error: UserError }
  /** An app-menu, tray or shortcut command from the desktop shell, for the UI to carry out. */
  | { type: 'menu.command'; command: MenuCommand };

/** Commands the Electron shell's menus and tray forward to the renderer. */
export type MenuCommand =
  | 'new-fax'
  | 'find'
  | 'open-inbox'
  | 'open-sent'
  | 'open-outbox'
  | 'open-archive'
  | 'open-phonebook'
  | 'open-settings'
  | 'print-selected'
  | 'save-selected';

/** The API object the preload exposes as `window.fxe`. */
export interface FxeApi {
  invoke<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  /** Subscribe to events; returns the unsubscribe function. */
  onEvent(listener: (event: IpcEvent) => void): () => void;
}

/** The IPC channel names on the wire (Electron ipcMain / ipcRenderer). */
export const IPC_INVOKE_CHANNEL = 'fxe:invoke';
export const IPC_EVENT_CHANNEL = 'fxe:event';

/**
 * Every request channel, as a table the compiler checks against IpcRequests: a channel added
 * to the contract but not here (or listed here but gone from it) fails the type check, so the
 * preload's and main's allow-list can never drift from the contract.
 */
const REQUEST_CHANNEL_TABLE: { readonly [C in RequestChannel]: true } = {
  'app.status': true,
  'demo.start': true,
  'orgs.importKeysZip': true, 'orgs.redeemInvite': true, 'orgs.setActive': true, 'orgs.setFacts': true,
  'orgs.remove': true, 'orgs.exportBackup': true, 'orgs.rotateKeys': true, 'orgs.importBackup': true,
  'faxes.list': true, 'faxes.get': true, 'faxes.document': true, 'faxes.markRead': true,
  'faxes.archive': true, 'faxes.delete': true, 'faxes.undoDelete': true, 'faxes.setTags': true,
  'trash.list': true, 'trash.restore': true, 'trash.deleteForever': true, 'trash.empty': true,
  'faxes.setNote': true, 'faxes.print': true, 'faxes.saveAs': true, 'faxes.printDeliveryConfirmation': true,
  'faxes.resend': true, 'faxes.sendViaPstn': true, 'faxes.forward': true, 'faxes.tags': true, 'faxes.lines': true,
  'faxes.assign': true, 'faxes.audit': true,
  'office.status': true, 'office.join': true, 'office.leave': true,
  'send.check': true, 'send.acceptKeyChange': true, 'send.submit': true, 'keys.changes': true, 'keys.keepBlocked': true,
  'compose.build': true, 'faxes.setPageRotation': true, 'faxes.pageTurns': true,
  'send.submitGroup': true, 'outbox.cancelScheduled': true, 'outbox.sendNow': true,
  'faxes.transmissionReport': true, 'reports.activity': true,
  'contacts.list': true, 'contacts.save': true, 'contacts.delete': true, 'contacts.importCsv': true,
  'contacts.exportCsv': true,
  'groups.list': true, 'groups.save': true, 'groups.delete': true, 'groups.setMembers': true,
  'covers.list': true, 'covers.save': true, 'covers.delete': true, 'covers.setLogo': true, 'covers.removeLogo': true,
  'settings.get': true, 'settings.update': true, 'settings.configurePstn': true,
  'receiving.status': true, 'receiving.setWebhookSecret': true, 'receiving.configureTunnel': true,
};

export const REQUEST_CHANNELS = Object.freeze(Object.keys(REQUEST_CHANNEL_TABLE) as RequestChannel[]);

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(REQUEST_CHANNEL_TABLE, value);
}

/**
 * The hidden print window's API, exposed as `window.fxePrint` by
 * electron/preload/print.ts: that window renders a decrypted fax page by page with pdf.js
 * and then main opens the OS print dialog on it. It never gets `window.fxe`.
 */
export interface FxePrintApi {
  getDocument(): Promise<{ pdf: Uint8Array; jobName: string }>;
  ready(outcome: { ok: true; pages: number } | { ok: false; message: string }): void;
}
