/** The decrypted PDF of one stored fax, for viewing, printing, saving or sending again. */
import type { FaxId } from '../../../shared/domain/ids.ts';
import { DeskError } from '../errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { FaxRepository } from './faxes.ts';

export interface FaxDocument {
  fileName: string;
  /** A fresh copy: the caller wipes it when done. */
  pdf: Uint8Array;
}

export function readFaxDocument(s: { faxes: FaxRepository; blobs: BlobStore }, id: FaxId): FaxDocument {
  const row = s.faxes.row(id);
  // A fax that failed verification was never stored: it has an error, never a document.
  if (!row.blob_id || !row.blob_key) throw new DeskError('fax.no_document', 'This fax has no document to show.', { detail: id });
  return { fileName: row.file_name, pdf: s.blobs.read(row.blob_id, row.blob_key) };
}
