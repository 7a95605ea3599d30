/**
 * Domain types shared by the main process and the renderer. No secrets ever appear in
 * these shapes: they are what may cross the IPC boundary.
 */
import type { FaxId, Fingerprint, MessageId, OrgId } from './ids.ts';

/** Where a fax lives in the UI. */
export type Folder = 'inbox' | 'sent' | 'outbox' | 'archive';

/**
 * Outgoing fax lifecycle: (scheduled →) queued → encrypting → uploading → sent → delivered |
 * failed | needs-pstn.
 */
export type OutboxState =
  | 'scheduled' // "Send later": waits in the Outbox until its time (sendAt), then queued
  | 'queued'
  | 'encrypting'
  | 'uploading'
  | 'sent'
  | 'delivered'
  | 'failed'
  | 'needs-pstn'
  | 'held-key-change'; // waiting for the user to accept the recipient org's new keys

/** How a fax travelled: end-to-end encrypted over fxe, or in the clear over the phone network. */
export type Route = 'fxe' | 'pstn';

export interface OrgSummary {
  orgId: OrgId;
  name: string;
  faxNumbers: string[];
  relay: string;
  bundleId: string;
  /** Hex fingerprint of our current bundle, to read out when verifying keys by phone. */
  fingerprint: Fingerprint;
  isDemo: boolean;
}

export interface FaxSummary {
  id: FaxId; // local id (= fxe message_id for fxe faxes, provider-prefixed for PSTN)
  orgId: OrgId;
  direction: 'in' | 'out';
  folder: Folder;
  route: Route;
  /** The other party: sender for incoming, recipient for outgoing. */
  peerNumber: string;
  /** Name from the phone book, else the name the sender put in the signed envelope. */
  peerName: string | null;
  fileName: string;
  /** The cover page's subject ("Referral for J. Smith"), when the fax has a cover page from fxe Desk. */
  subject: string | null;
  pages: number | null;
  sizeBytes: number;
  /** Unix ms: received for incoming, created for outgoing. */
  at: number;
  read: boolean;
  state: OutboxState | 'received';
  tags: string[];
  hasNote: boolean;
  /** When a scheduled fax goes out (unix ms, UTC); null when it was sent at once. */
  sendAt: number | null;
  /** Shared by the faxes of one send to several recipients (one row each); null for a single recipient. */
  sendGroup: string | null;
  /** Office mode: the person handling this fax ("Handled by"); null or absent when nobody is. */
  assignee?: string | null;
}

/** One recipient of a send to several: its own fax, with its own state. */
export interface SendGroupMember {
  id: FaxId;
  peerNumber: string;
  peerName: string | null;
  route: Route;
  state: OutboxState | 'received';
  failureReason: UserError | null;
}

export interface DeliveryReceiptView {
  messageId: MessageId;
  recipientOrgId: OrgId;
  recipientBundleId: string;
  ciphertextSha256: string;
  signedAt: number; // unix seconds
  verified: true; // only verified receipts are ever shown
  signatureB64u: string;
}

export interface FaxDetail extends FaxSummary {
  note: string;
  /** Verified facts from the signed envelope (incoming) or what we signed (outgoing). */
  senderOrgId: OrgId | null;
  recipientOrgId: OrgId | null;
  fromNumber: string;
  toNumber: string;
  ciphertextSha256: string | null;
  failureReason: UserError | null;
  receipt: DeliveryReceiptView | null;
  pstn: { provider: string; providerFaxId: string; status: string } | null;
  /** Progress 0..1 while uploading. */
  progress: number | null;
  /** Every recipient of the send this fax belongs to (this one included), or null for a single recipient. */
  group: SendGroupMember[] | null;
  /** Office mode: who opened or marked this fax read, on which desk; absent on a single desk. */
  readBy?: ReadMark[];
}

/** One person's read mark on a shared fax (office mode). */
export interface ReadMark {
  person: string;
  desk: string;
  at: number;
}

/**
 * One line of a fax's audit trail: what happened, when, and (in office mode) on which desk and
 * by whom. `detail` is for the record, never a secret.
 */
export interface AuditEntry {
  at: number;
  action: string;
  detail: string;
  desk: string | null;
  person: string | null;
}

export interface Contact {
  id: string;
  name: string;
  organisation: string;
  faxNumber: string; // E.164
}

/** A named list of contacts ("All pharmacies"): typed in "To", it expands to its members. */
export interface ContactGroup {
  id: string;
  name: string;
  /** The members, by name. */
  members: Contact[];
}

export type ReceiveMode = 'poll' | 'webhook';
export type PstnProviderName = 'telnyx' | 'mintfax';

export interface Settings {
  receiveMode: ReceiveMode;
  pollIntervalSeconds: number;
  /** Public URL of the tunnel in front of our local webhook listener (webhook mode). */
  webhookTunnelUrl: string;
  webhookListenPort: number;
  notifications: { enabled: boolean; hideContentOnLockScreen: boolean };
  /**
   * The phone-network provider as set up with settings.configurePstn. `baseUrl` is the saved
   * API address override ('' = the provider's public address): shown, since it is not a
   * secret. The credentials themselves stay in the vault and never appear here.
   */
  pstn: { provider: PstnProviderName | null; configured: boolean; fromNumber: string; baseUrl: string };
  retention: { enabled: boolean; days: number; action: 'archive' | 'delete' };
  theme: 'system' | 'light' | 'dark';
  /**
   * The country assumed for numbers typed without + and a country code (ISO 3166 code such
   * as "US"); '' = the country of the office's own fax number.
   */
  defaultCountry: string;
  /** Names the office gave its receiving numbers ("Front desk", "Billing", "Lab"), by E.164 number. */
  lineNames: Record<string, string>;
}

/** One receiving number of the office, as a view of the Inbox (a department). */
export interface FaxLine {
  number: string;
  /** The office's name for it; '' when none was given. */
  name: string;
  /** Faxes that came in on it, unread (by this person in an office), not archived, not deleted. */
  unread: number;
}

/**
 * An error a receptionist can act on: a stable code, one plain sentence, and the technical
 * detail one click away.
 */
export interface UserError {
  code: string;
  message: string;
  detail?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: UserError };
