/**
 * One fax row in the one shape both InboxStore engines read it in: the desk's SQLite
 * (inbox/faxes.ts) and the office's PostgreSQL (office/postgres-inbox-store.ts). Each engine
 * brings its rows to this shape where it reads them (numbers as numbers, `read` as this
 * person's yes or no, tags as a list: PostgreSQL's bigint columns arrive as strings, SQLite
 * keeps tags as one line of text), and the one mapper below turns a record into what the
 * window is shown, so the two engines cannot drift apart.
 */
import type { FaxId, MessageId, OrgId } from '../../../shared/domain/ids.ts';
import type { DeliveryReceiptView, FaxDetail, FaxSummary, Folder, OutboxState, Route, UserError } from '../../../shared/domain/types.ts';

export interface FaxRecord {
  id: FaxId;
  org_id: OrgId;
  direction: 'in' | 'out';
  route: Route;
  /** Where the fax is listed (the Trash keeps the folder a fax was deleted from). */
  folder: Folder;
  peer_number: string;
  peer_name: string | null;
  /** The phone book's name for the peer's number, when it has one. */
  contact_name: string | null;
  file_name: string;
  subject: string | null;
  pages: number | null;
  size_bytes: number;
  at: number;
  /** Read by whoever asks: on a single desk the desk's flag, in an office this person's mark (a sent fax is always read). */
  read: boolean;
  state: OutboxState | 'received';
  tags: readonly string[];
  note: string;
  send_at: number | null;
  send_group: string | null;
  /** Office mode's "handled by"; absent on a single desk. */
  assigned_to?: string | null;
  sender_org_id: OrgId | null;
  recipient_org_id: OrgId | null;
  from_number: string;
  to_number: string;
  ciphertext_sha256: string | null;
  failure_json: string | null;
  receipt_json: string | null;
  pstn_json: string | null;
  progress: number | null;
}

/** What both engines write for a new fax (each adds its own: the desk its wrapped body key, the office the message id). */
export interface NewFaxRecord {
  id: FaxId;
  orgId: OrgId;
  direction: 'in' | 'out';
  route: Route;
  peerNumber: string;
  peerName: string | null;
  fileName: string;
  /** The cover page's subject, when the fax has one. */
  subject?: string | null;
  pages: number | null;
  sizeBytes: number;
  at: number;
  state: OutboxState | 'received';
  senderOrgId: OrgId | null;
  recipientOrgId: OrgId | null;
  fromNumber: string;
  toNumber: string;
  ciphertextSha256: string | null;
  metadataJson: string | null;
  blobId: string | null;
}

/** The office's new fax row: also the fxe message id it travels under (null for none). */
export interface NewOfficeFaxRecord extends NewFaxRecord {
  messageId: MessageId | null;
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function faxSummaryOf(r: FaxRecord): FaxSummary {
  return {
    id: r.id,
    orgId: r.org_id,
    direction: r.direction,
    folder: r.folder,
    route: r.route,
    peerNumber: r.peer_number,
    peerName: r.contact_name ?? r.peer_name,
    fileName: r.file_name,
    subject: r.subject,
    pages: r.pages,
    sizeBytes: r.size_bytes,
    at: r.at,
    read: r.read,
    state: r.state,
    tags: [...r.tags],
    hasNote: r.note.length > 0,
    sendAt: r.send_at,
    sendGroup: r.send_group,
    ...(r.assigned_to === undefined ? {} : { assignee: r.assigned_to }),
  };
}

/** The detail without what each engine adds from other tables (the send group's members, office read marks). */
export function faxDetailOf(r: FaxRecord): FaxDetail {
  return {
    ...faxSummaryOf(r),
    note: r.note,
    senderOrgId: r.sender_org_id,
    recipientOrgId: r.recipient_org_id,
    fromNumber: r.from_number,
    toNumber: r.to_number,
    ciphertextSha256: r.ciphertext_sha256,
    failureReason: parseJson<UserError>(r.failure_json),
    receipt: parseJson<DeliveryReceiptView>(r.receipt_json),
    pstn: parseJson<FaxDetail['pstn']>(r.pstn_json),
    progress: r.progress,
    group: null,
  };
}
