// An office against the real local relay: the office's org (Harbor Pharmacy, a demo org)
// receives and sends through office lanes; the other demo org (Northside Clinic) is the
// outside world, sending with sealed uploads and receiving through its own CLI state.
import { asFaxId, asMessageId, asOrgId, type FaxId } from '../../shared/domain/ids.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readKeysZip, sealEnvelope, envelopeToJson } from '../../shared/protocol/index.ts';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { openOffice, type Office } from '../../electron/services/office/office.ts';
import { officeReceiveSink, type OfficeSinkOptions } from '../../electron/services/office/office-receive-sink.ts';
import { keysFromLookup } from '../../electron/services/trust/index.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';

export interface OfficeLane {
  c: CliServices;
  office: Office;
  close(): Promise<void>;
}

/** One desk (or the office receiver) of the office: its own state folder, the shared database. */
export async function openOfficeLane(p: { keysZipPath: string; stateDir: string; url: string; deskName: string; person?: string; sink?: OfficeSinkOptions; log?: (l: string) => void; nowMs?: () => number }): Promise<OfficeLane> {
  const keys = await readKeysZip(new Uint8Array(readFileSync(p.keysZipPath)));
  const office = await openOffice({
    url: p.url, orgId: asOrgId(keys.credentials.org_id), signingSeed: keys.signingSeed,
    desk: { deskId: `desk-${p.deskName}`, deskName: p.deskName, person: p.person ?? p.deskName }, ...(p.log ? { log: p.log } : {}), ...(p.nowMs ? { nowMs: p.nowMs } : {}),
  });
  try {
    const c = await openCliServices({ keysPath: p.keysZipPath, stateDir: p.stateDir, log: () => undefined, receiveSink: officeReceiveSink(office, p.sink) });
    return { c, office, close: async () => { await c.close(); await office.close(); } };
  } catch (e) {
    await office.close();
    throw e;
  }
}

/** Seals and uploads `n` small faxes from `sender` to `toNumber` (a few at a time); returns their ids. */
export async function sendFaxes(sender: CliServices, toNumber: string, n: number, opts: { concurrency?: number; from?: string } = {}): Promise<FaxId[]> {
  const client = await sender.s.clients.forOrg(sender.orgId);
  const keys = await sender.s.orgs.keys(sender.orgId);
  const target = keysFromLookup(await client.lookup(toNumber));
  const from = opts.from ?? sender.s.orgs.get(sender.orgId).faxNumbers[0]!;
  const backend = createNodeBackend();
  const ids: FaxId[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const { envelope, ciphertext } = await sealEnvelope({
        plaintext: new TextEncoder().encode(`%PDF-1.4\n% office fax ${i}\n%%EOF\n`), senderOrgId: keys.credentials.org_id, senderBundleId: keys.credentials.bundle_id,
        senderBundleSeed: keys.bundleSeed, recipientOrgId: target.orgId, recipientBundles: target.bundles, fromNumber: from, fromName: 'Northside Clinic',
        toNumber, metadata: { filename: `fax-${String(i).padStart(4, '0')}.pdf`, content_type: 'application/pdf' }, createdAt: Math.floor(Date.now() / 1000),
        backend,
      });
      await client.upload(envelopeToJson(envelope), asMessageId(envelope.message_id), ciphertext);
      ids.push(asFaxId(envelope.message_id));
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, () => worker()));
  return ids;
}

export interface RelayMessage {
  message_id: string;
  sender_org_id: string;
  recipient_org_id: string;
  delivered_at: number | null;
  receipt_json: string | null;
}

/** What the relay recorded (its own database, read-only): one row per message id. */
export function relayMessages(relayDataDir: string): RelayMessage[] {
  const db = new Database(join(relayDataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT message_id, sender_org_id, recipient_org_id, delivered_at, receipt_json FROM messages ORDER BY seq').all() as RelayMessage[];
  } finally {
    db.close();
  }
}
