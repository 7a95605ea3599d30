/**
 * Where the receive pipeline puts a fax once it verified: the desk's encrypted inbox (the
 * default, below) or, for the CLI, plain files in an output folder (cli/out-dir-sink.ts).
 * The pipeline owns fetching, verification, decryption, the owed receipt and its retries;
 * a sink only keeps the plaintext and says where it went.
 */
import { asFaxId, faxIdForMessage, type FaxId, type Fingerprint, type MessageId, type OrgId } from '../../../shared/domain/ids.ts';
import type { Envelope, Receipt } from '../../../shared/protocol/index.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import { DeskError, errorDetail } from '../errors.ts';
import type { StoredBlob } from '../storage/blob-store.ts';
import type { FaxLaneDeps } from '../service-deps.ts';

/** A verified, decrypted fax as the pipeline hands it over. */
export interface VerifiedFax {
  orgId: OrgId;
  envelope: Envelope;
  /** The envelope's message id and sender org, as verified (the id matched the one announced, the sender's keys their org). */
  messageId: MessageId;
  senderOrgId: OrgId;
  /** Plaintext bytes (what the sink received through write()). */
  sizeBytes: number;
  metadata: Envelope['metadata'];
  /** The signed receipt that will go to the relay once this fax is kept. */
  receipt: Receipt;
  nowMs: number;
}

export interface ReceiveSinkWriter {
  /** One chunk of plaintext, in order. Nothing is visible to anyone before commit(). */
  write(chunk: Uint8Array): void | Promise<void>;
  /**
   * Keep the fax durably and return its local id. Runs inside the database transaction that
   * records the owed receipt: throwing undoes that record, and the fax is fetched again later.
   * (Synchronous for sinks journalled in the desk's SQLite; a sink with its own journal, such
   * as the office's, may commit asynchronously.)
   */
  commit(fax: VerifiedFax): FaxId | Promise<FaxId>;
  /** Throw away what was written (decryption failed, or commit's transaction did). */
  abort(): void | Promise<void>;
}

/** The receiver's per-message state: 'stored' means the fax is kept and its receipt owed. */
export interface ReceiveJobRow {
  state: 'stored' | 'receipted' | 'rejected' | 'gone';
  fax_id: FaxId | null;
  receipt_json: string | null;
}

/**
 * Where the pipeline records each message's progress. The default is the desk's SQLite
 * (receive_jobs); the office keeps it in PostgreSQL, so that whoever receives next sees what
 * is stored and re-sends a receipt still owed.
 */
export interface ReceiveJournal {
  get(orgId: OrgId, messageId: string): Promise<ReceiveJobRow | undefined>;
  /** A fast "already done" for the poller; false when unsure (get() then decides). */
  isSettled(orgId: OrgId, messageId: string): boolean;
  /** Messages stored whose receipt is still owed. */
  owed(): Promise<{ orgId: OrgId; messageId: MessageId }[]>;
  /** Keeps the fax (writer.commit) and records its receipt as owed, in one transaction. */
  store(writer: ReceiveSinkWriter, fax: VerifiedFax): Promise<FaxId>;
  /** The relay accepted the receipt. */
  receipted(orgId: OrgId, messageId: MessageId, faxId: FaxId | null): Promise<void>;
  /**
   * Never to be fetched again: rejected (failed verification) or gone from the relay.
   * `keyChangeFingerprint`: set when only the sender's keys changed (the new keys the user may
   * accept, after which the message is fetched again).
   */
  done(orgId: OrgId, messageId: string, state: 'rejected' | 'gone', senderOrgId: OrgId | null, why: string, keyChangeFingerprint?: Fingerprint | null): Promise<void>;
}

export interface ReceiveSink {
  /** `messageId`: the envelope's, checked against the one the relay announced. */
  open(orgId: OrgId, envelope: Envelope, messageId: MessageId): ReceiveSinkWriter;
  /** After the fax and its owed receipt were recorded (events, notifications). */
  stored?(fax: VerifiedFax, localId: FaxId): void;
  /** After the relay accepted the receipt. */
  receipted?(orgId: OrgId, messageId: MessageId, localId: FaxId | null): void;
  /** A fax failed verification and was not kept; `keyChanged` when only the sender's keys changed. */
  rejected?(orgId: OrgId, messageId: string, error: UserError, keyChanged: boolean): void;
  /** Its own journal (default: the desk's SQLite receive_jobs). */
  journal?: ReceiveJournal;
}

export interface InboxSinkDeps extends Pick<FaxLaneDeps, 'faxes' | 'blobs' | 'emit'> {
  notify?: (n: { title: string; body: string }) => void;
  hideContentInNotifications?: () => boolean;
}

function fileNameOf(envelope: Envelope, metadata: Envelope['metadata']): string {
  const name = metadata['filename'];
  return typeof name === 'string' && name.trim() ? name.slice(0, 255) : `fax-${envelope.message_id.slice(0, 8)}.pdf`;
}

/** The desk's inbox: the plaintext encrypted chunk by chunk into the blob store, a row in `faxes`. */
export function inboxSink(d: InboxSinkDeps): ReceiveSink {
  return {
    open() {
      const writer = d.blobs.writer();
      let blob: StoredBlob | null = null;
      return {
        write: (chunk) => writer.write(chunk),
        commit(fax) {
          // The body is committed (fsynced) first, the row that points at it second. A crash
          // in between leaves an orphan file that start-up sweeps away, never a row without a body.
          blob ??= writer.commit();
          const { envelope, metadata } = fax;
          // A fax this desk sent to itself already holds the message id: the received copy gets its own.
          const localId = d.faxes.exists(faxIdForMessage(fax.messageId)) ? asFaxId(`${fax.messageId}-in`) : faxIdForMessage(fax.messageId);
          d.faxes.insert({
            id: localId, orgId: fax.orgId, direction: 'in', route: 'fxe', peerNumber: envelope.from_number, peerName: envelope.from_name, fileName: fileNameOf(envelope, metadata),
            pages: null, sizeBytes: fax.sizeBytes, at: fax.nowMs, read: false, state: 'received', senderOrgId: fax.senderOrgId,
            recipientOrgId: fax.orgId, fromNumber: envelope.from_number, toNumber: envelope.to_number,
            ciphertextSha256: envelope.ciphertext_sha256, metadataJson: JSON.stringify(metadata, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'lexeme' in v ? (v as { lexeme: string }).lexeme : v)),
            blobId: blob.blobId, blobKey: blob.wrappedKey,
          });
          d.faxes.audit('receive', fax.orgId, localId, `from ${envelope.from_number} (${envelope.sender_org_id}), ${fax.sizeBytes} bytes`);
          return localId;
        },
        abort() {
          if (blob) d.blobs.remove(blob.blobId);
          else writer.abort();
        },
      };
    },
    stored(fax, localId) {
      d.emit({ type: 'fax.received', id: localId, orgId: fax.orgId });
      d.emit({ type: 'faxes.changed' });
      if (d.notify) {
        const hide = d.hideContentInNotifications?.() ?? false;
        d.notify({ title: 'New fax', body: hide ? 'A new fax arrived.' : `From ${fax.envelope.from_name ?? fax.envelope.from_number}: ${fileNameOf(fax.envelope, fax.metadata)}` });
      }
    },
  };
}

/** The error a sink's failed commit becomes: the fax stays on the relay and is fetched again. */
export function storageFailed(e: unknown): DeskError {
  return new DeskError('storage.write_failed', 'fxe Desk could not save the fax on this computer. Check that the disk is not full; the fax stays on the relay and will be fetched again.', {
    detail: errorDetail(e), retryable: true, cause: e,
  });
}
