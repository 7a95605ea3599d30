/**
 * The single-desk engine of InboxStore: the desk's own SQLite database (FaxRepository,
 * ContactRepository) and its encrypted blob store. A thin adapter: the repositories keep
 * their synchronous API, which the receive and send lanes use directly.
 */
import { DeskError } from '../errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { ContactRepository } from './contacts.ts';
import type { FaxRepository } from './faxes.ts';
import { purgeFaxes } from './retention.ts';
import type { ContactStore, InboxStore } from '../storage/inbox-store.ts';

export interface SqliteInboxStoreDeps {
  faxes: FaxRepository;
  blobs: BlobStore;
  contacts: ContactRepository;
  log: (line: string) => void;
}

export function sqliteInboxStore(d: SqliteInboxStoreDeps): InboxStore {
  const { faxes, blobs } = d;
  const contacts: ContactStore = {
    list: async (query) => d.contacts.list(query),
    save: async (c) => d.contacts.save(c),
    delete: async (id) => { d.contacts.delete(id); },
    exportCsv: async () => d.contacts.exportCsv(),
    importCsv: async (csv) => d.contacts.importCsv(csv),
  };
  return {
    engine: 'sqlite',
    list: async (q) => faxes.list(q),
    detail: async (id) => faxes.detail(id),
    document: async (id) => {
      const row = faxes.row(id);
      if (!row.blob_id || !row.blob_key) throw new DeskError('fax.no_document', 'This fax has no document to show.', { detail: id });
      return { fileName: row.file_name, pdf: blobs.read(row.blob_id, row.blob_key) };
    },
    unreadCount: async () => faxes.unreadCount(),
    lineCounts: async (orgId) => faxes.lineCounts(orgId),
    markRead: async (ids, read) => { faxes.markRead(ids, read); },
    archive: async (ids, archived) => { faxes.archive(ids, archived); },
    delete: async (ids) => ({ undoToken: faxes.softDelete(ids) }),
    undoDelete: async (token) => faxes.undoDelete(token),
    listTrash: async (orgId, offset, limit) => faxes.listTrash(orgId, offset, limit),
    restore: async (ids) => faxes.restore(ids),
    deleteForever: async (ids) => purgeFaxes(faxes, blobs, faxes.trashed(ids), 'deleted forever', d.log),
    emptyTrash: async (orgId) => purgeFaxes(faxes, blobs, faxes.allTrashed(orgId), 'Trash emptied', d.log),
    setTags: async (id, tags) => { faxes.setTags(id, tags); },
    allTags: async () => faxes.allTags(),
    setNote: async (id, note) => { faxes.setNote(id, note); },
    assign: async (id) => {
      faxes.row(id);
      throw new DeskError('office.only', 'Assigning faxes to people needs office mode: join or create your office in Settings → Office.', { detail: 'single-desk inbox' });
    },
    audit: async (action, faxId, detail) => { faxes.audit(action, faxes.row(faxId, true).org_id, faxId, detail); },
    auditTrail: async (faxId) => faxes.auditTrail(faxId).map((e) => ({ at: e.at, action: e.action, detail: e.detail, desk: null, person: null })),
    contacts,
  };
}
