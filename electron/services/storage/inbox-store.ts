/**
 * What the window's side of the desk (the IPC handlers) needs from wherever the faxes live:
 * the folders, search, counts, one fax and its document, read state, tags, notes, archive,
 * the Trash, the audit trail and the phone book. Two engines implement it: SQLite on a single
 * desk (inbox/sqlite-inbox-store.ts, over FaxRepository and ContactRepository) and PostgreSQL in
 * office mode (office/postgres-inbox-store.ts, over the office's shared database). Every method is
 * async so that a network database can stand behind it; none returns a secret.
 */
import type { FaxId, OrgId } from '../../../shared/domain/ids.ts';
import type { AuditEntry, Contact, FaxDetail, FaxSummary } from '../../../shared/domain/types.ts';
import type { ListFaxesRequest, TrashPage } from '../../../shared/ipc/contract.ts';

/** Audit actions the window's side writes itself (the lanes write theirs in their own store). */
export type DeskAuditAction = 'view' | 'print' | 'export' | 'send';

export interface FaxPage {
  total: number;
  items: FaxSummary[];
}

export interface InboxStore {
  readonly engine: 'sqlite' | 'postgres';
  list(q: ListFaxesRequest): Promise<FaxPage>;
  /** Throws `fax.not_found` for a fax that is not there (or is in the Trash). */
  detail(id: FaxId): Promise<FaxDetail>;
  /** The decrypted PDF. Throws `fax.no_document` when the fax has none. */
  document(id: FaxId): Promise<{ fileName: string; pdf: Uint8Array }>;
  /** Incoming faxes not read (by this person, in office mode), not archived, not deleted. */
  unreadCount(): Promise<number>;
  /** The same count per number of ours the faxes came in on (departments), for one org or all. */
  lineCounts(orgId?: OrgId): Promise<{ number: string; unread: number }[]>;
  markRead(ids: FaxId[], read: boolean): Promise<void>;
  archive(ids: FaxId[], archived: boolean): Promise<void>;
  /** Into the Trash; the token undoes exactly this deletion. */
  delete(ids: FaxId[]): Promise<{ undoToken: string }>;
  undoDelete(undoToken: string): Promise<number>;
  listTrash(orgId: OrgId | undefined, offset: number, limit: number): Promise<Omit<TrashPage, 'removeAfterDays'>>;
  restore(ids: FaxId[]): Promise<number>;
  /** Removed for good (row, key, body): only faxes already in the Trash. */
  deleteForever(ids: FaxId[]): Promise<number>;
  emptyTrash(orgId: OrgId | undefined): Promise<number>;
  setTags(id: FaxId, tags: string[]): Promise<void>;
  allTags(): Promise<string[]>;
  setNote(id: FaxId, note: string): Promise<void>;
  /**
   * "Handled by": the person in charge of this fax, or null for nobody. Only an office has
   * several people: a single desk answers `office.only`.
   */
  assign(id: FaxId, assignee: string | null): Promise<void>;
  /** Records a view, print, export or send of one fax (naming desk and person in an office). */
  audit(action: DeskAuditAction, faxId: FaxId, detail: string): Promise<void>;
  /** The fax's audit trail, oldest first. */
  auditTrail(faxId: FaxId): Promise<AuditEntry[]>;
  contacts: ContactStore;
}

export interface ContactStore {
  list(query?: string): Promise<Contact[]>;
  /** Throws `contact.duplicate_number` for a number already in the book, `contact.not_found` for a stale id. */
  save(c: Omit<Contact, 'id'> & { id?: string }): Promise<Contact>;
  delete(id: string): Promise<void>;
  exportCsv(): Promise<string>;
  /** Name, organisation and fax number per row; rows without a name or a valid number, or with a number already in the book, are skipped. */
  importCsv(csv: string): Promise<{ imported: number; skipped: number }>;
}
