/**
 * The office's receive sink: the same ReceivePipeline as a single desk (fetch, verify,
 * decrypt, store, receipt), with the fax going into the office database instead of the
 * desk's SQLite. Its journal is the shared fxe.receive_jobs, so:
 *
 * - a fax is stored once: the fax row (unique per direction and message id), its encrypted
 *   body and the owed receipt commit in one PostgreSQL transaction; a second attempt, by this
 *   receiver or by a successor, finds the job and goes straight to the receipt;
 * - the receipt leaves only after that commit, and a receipt still owed when a receiver dies
 *   is re-sent by whichever receiver leads next (the relay answers a repeat with 200).
 */
import { asFaxId, faxIdForMessage, type FaxId, type MessageId, type OrgId } from '../../../shared/domain/ids.ts';
import type { Envelope } from '../../../shared/protocol/index.ts';
import type { IpcEvent } from '../../../shared/ipc/contract.ts';
import { DeskError } from '../errors.ts';
import type { ReceiveJobRow, ReceiveJournal, ReceiveSink, ReceiveSinkWriter, VerifiedFax } from '../receiver/receive-sink.ts';
import { insertOfficeFax } from './office-inbox.ts';
import type { Office, OfficeBlobWriter } from './office.ts';

export interface OfficeSinkOptions {
  emit?: (e: IpcEvent) => void;
  /** After each fax committed (tests count them; a desk may notify). */
  onStored?: (fax: VerifiedFax, faxId: FaxId) => void;
  onReceipted?: (messageId: MessageId) => void;
}

function fileNameOf(envelope: Envelope, metadata: Envelope['metadata']): string {
  const name = metadata['filename'];
  return typeof name === 'string' && name.trim() ? name.slice(0, 255) : `fax-${envelope.message_id.slice(0, 8)}.pdf`;
}

function metadataJson(metadata: Envelope['metadata']): string {
  return JSON.stringify(metadata, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'lexeme' in v ? (v as { lexeme: string }).lexeme : v));
}

export function officeJournal(office: Office, o: OfficeSinkOptions = {}): ReceiveJournal {
  const settled = new Set<string>();
  const key = (orgId: OrgId, messageId: string): string => `${orgId}\u0000${messageId}`;
  return {
    async get(orgId, messageId) {
      const r = await office.query<ReceiveJobRow>('SELECT state, fax_id, receipt_json FROM fxe.receive_jobs WHERE org_id = $1 AND message_id = $2', [orgId, messageId], 'receive state');
      const row = r.rows[0];
      if (row && row.state !== 'stored' && row.state !== 'rejected') settled.add(key(orgId, messageId));
      return row;
    },
    isSettled: (orgId, messageId) => settled.has(key(orgId, messageId)),
    async owed() {
      const r = await office.query<{ org_id: OrgId; message_id: MessageId }>("SELECT org_id, message_id FROM fxe.receive_jobs WHERE state = 'stored' ORDER BY updated_at", [], 'owed receipts');
      return r.rows.map((x) => ({ orgId: x.org_id, messageId: x.message_id }));
    },
    async store(writer: ReceiveSinkWriter, fax: VerifiedFax) {
      return writer.commit(fax);
    },
    async receipted(orgId, messageId, faxId) {
      await office.tx(async (c) => {
        const r = await c.query("UPDATE fxe.receive_jobs SET state = 'receipted', receipted_by = $3, updated_at = $4 WHERE org_id = $1 AND message_id = $2 AND state = 'stored'",
          [orgId, messageId, office.desk.deskId, office.nowMs()]);
        if (r.rowCount) await office.audit(c, 'receipt', faxId, `receipt sent for ${messageId}`);
      }, 'record receipt');
      settled.add(key(orgId, messageId));
      o.onReceipted?.(messageId);
    },
    async done(orgId, messageId, state, senderOrgId, why) {
      await office.tx(async (c) => {
        await c.query(`INSERT INTO fxe.receive_jobs (org_id, message_id, state, sender_org_id, last_error, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (org_id, message_id) DO UPDATE SET state = excluded.state, last_error = excluded.last_error, updated_at = excluded.updated_at
          WHERE fxe.receive_jobs.state NOT IN ('stored', 'receipted')`, [orgId, messageId, state, senderOrgId, why.slice(0, 2000), office.nowMs()]);
        if (state === 'rejected') await office.audit(c, 'reject', null, `message ${messageId} from ${senderOrgId ?? '?'}: ${why.slice(0, 500)}`);
      }, 'record receive outcome');
      // A refusal is not remembered here: any desk accepting the sender's new keys clears it in
      // the shared journal (forgetOfficeKeyChangeRejections), and the fax must then be fetched again.
      if (state !== 'rejected') settled.add(key(orgId, messageId));
    },
  };
}

/** Journal lines of faxes refused only because the sender's keys changed (the pipeline's reason starts so). */
const KEY_CHANGE_REJECTION = "state = 'rejected' AND sender_org_id IS NOT NULL AND last_error LIKE 'sender\\_key\\_changed %'";

/** How many faxes each sender org has waiting on the relay, in the office, because its keys changed. */
export async function officeKeyChangeRejections(office: Office): Promise<Map<string, number>> {
  const rows = (await office.query<{ sender_org_id: string; n: string }>(
    `SELECT sender_org_id, count(*) AS n FROM fxe.receive_jobs WHERE ${KEY_CHANGE_REJECTION} GROUP BY sender_org_id`, [], 'key change rejections')).rows;
  return new Map(rows.map((r) => [r.sender_org_id, Number(r.n)]));
}

/**
 * Someone accepted a sender org's new keys: its faxes refused for that reason are fetched again
 * by whichever desk receives for the office (they are still on the relay: no receipt was sent).
 */
export async function forgetOfficeKeyChangeRejections(office: Office, senderOrgId: string): Promise<number> {
  const r = await office.query(`DELETE FROM fxe.receive_jobs WHERE ${KEY_CHANGE_REJECTION} AND sender_org_id = $1`, [senderOrgId], 'forget key change rejections');
  return r.rowCount ?? 0;
}

export function officeReceiveSink(office: Office, o: OfficeSinkOptions = {}): ReceiveSink {
  return {
    journal: officeJournal(office, o),
    open(_orgId, _envelope, messageId) {
      let faxId: FaxId | null = null;
      let blob: OfficeBlobWriter | null = null;
      const ensure = async (): Promise<OfficeBlobWriter> => {
        if (blob) return blob;
        // A fax sent to the org's own number is already here as the 'out' row with this id.
        const taken = await office.query('SELECT 1 FROM fxe.faxes WHERE id = $1', [messageId], 'receive');
        const id = taken.rowCount ? asFaxId(`${messageId}-in`) : faxIdForMessage(messageId);
        faxId = id;
        blob = office.blobWriter(id);
        return blob;
      };
      return {
        async write(chunk) {
          await (await ensure()).write(chunk);
        },
        async commit(fax) {
          const w = await ensure();
          const id = faxId!;
          const { envelope: env, metadata } = fax;
          // Every chunk stored before the transaction takes its connection (see Office.writeBlob).
          await w.seal();
          await office.tx(async (c) => {
            const already = await c.query('SELECT 1 FROM fxe.receive_jobs WHERE org_id = $1 AND message_id = $2', [fax.orgId, env.message_id]);
            if (already.rowCount) {
              throw new DeskError('office.already_stored', 'This fax is already in the office inbox.', { detail: `message ${env.message_id}`, retryable: true });
            }
            const { blobId, sizeBytes } = await w.finish(c);
            await insertOfficeFax(c, office, {
              id, orgId: fax.orgId, direction: 'in', route: 'fxe', messageId: fax.messageId, peerNumber: env.from_number, peerName: env.from_name,
              fileName: fileNameOf(env, metadata), pages: null, sizeBytes, at: fax.nowMs, state: 'received', senderOrgId: fax.senderOrgId,
              recipientOrgId: fax.orgId, fromNumber: env.from_number, toNumber: env.to_number, ciphertextSha256: env.ciphertext_sha256,
              metadataJson: metadataJson(metadata), blobId,
            });
            await c.query(`INSERT INTO fxe.receive_jobs (org_id, message_id, state, fax_id, receipt_json, sender_org_id, updated_at) VALUES ($1, $2, 'stored', $3, $4, $5, $6)`,
              [fax.orgId, env.message_id, id, JSON.stringify(fax.receipt), env.sender_org_id, fax.nowMs]);
            await office.audit(c, 'receive', id, `from ${env.from_number} (${env.sender_org_id}), ${sizeBytes} bytes`);
          }, 'store received fax');
          return id;
        },
        async abort() {
          await blob?.abort();
        },
      };
    },
    stored(fax, faxId) {
      o.emit?.({ type: 'fax.received', id: faxId, orgId: fax.orgId });
      o.emit?.({ type: 'faxes.changed' });
      o.onStored?.(fax, faxId);
    },
  };
}
