/**
 * The shared outbox. A desk that sends looks the number up, checks its pins and seals the fax
 * once, then commits in one transaction: the Sent-folder row, its body (encrypted under the
 * office key) and an outbox row holding the envelope and the end-to-end ciphertext (which
 * only the recipient can open). From then on any desk, or the office receiver, may upload it:
 *
 *   claim: one row at a time, `FOR UPDATE SKIP LOCKED`, and a lease (claimed_by, lease_until)
 *   upload: the very same envelope and ciphertext every time, so the message id never changes
 *   done: the row is marked sent by whoever uploaded it
 *
 * "Send later": the row carries its time (`send_at`) and is not due before it, so it goes at
 * its time from whichever desk (or office receiver) is running then. A fax in the Trash is
 * never claimed; restoring it lets it go on (OfficeInbox.restore), and Resend of a
 * failed fax puts the very same row back in line (resendOfficeFax).
 *
 * A desk that dies mid-send leaves its lease to run out, and another desk claims the row and
 * uploads again. If the first upload had reached the relay, the relay answers 409 for that
 * message id and the relay client reports it as already uploaded: sent. The relay keeps one
 * message per id, so the recipient gets each fax exactly once.
 */
import type pg from 'pg';
import type { CryptoBackend } from '../../../shared/protocol/index.ts';
import { envelopeToJson, sealEnvelope, uuid4, verifyReceipt } from '../../../shared/protocol/index.ts';
import type { Receipt } from '../../../shared/fxe-api/types.ts';
import { asFaxId, asOrgId, messageIdOfSentFax, type FaxId, type Fingerprint, type OrgId } from '../../../shared/domain/ids.ts';
import { exponentialDelayMs, halfJitter } from '../backoff.ts';
import { DeskError, errorDetail, toUserError } from '../errors.ts';
import { CANCELLED_BEFORE_SENDING, keepBlockedReason as keptBlocked, keyChangeWarning } from '../outbox/outbox.ts';
import { checkPdfStructure } from '../outbox/pdf-check.ts';
import type { HeldFax, SendCheck } from '../../../shared/ipc/contract.ts';
import type { PstnProviderName, UserError } from '../../../shared/domain/types.ts';
import { RelayErrorCodes } from '../relay-client/relay-errors.ts';
import type { RelayClientPool } from '../relay-client/client-pool.ts';
import { keysFromLookup, type TrustDecision, type TrustStore } from '../trust/index.ts';
import type { OrgRegistry } from '../vault/org-registry.ts';
import { insertOfficeFax } from './office-inbox.ts';
import type { Office } from './office.ts';

export interface OfficeSendRequest {
  orgId: OrgId;
  to: string;
  from: string;
  fileName: string;
  pdf: Uint8Array;
  subject?: string | null;
  /** The sender name in the envelope (default: the org's name). */
  fromName?: string | null;
  /** Pages, when the desk already counted them (its preview did); null: unknown. */
  pages?: number | null;
  /** "Send later": not before this time (ms); null or past: as soon as possible. */
  sendAt?: number | null;
}

export interface OfficeSendDeps {
  clients: RelayClientPool;
  orgs: Pick<OrgRegistry, 'get' | 'keys'>;
  pins: Pick<TrustStore, 'check' | 'receiptKey'>;
  backend?: CryptoBackend;
  /** Resend of a phone-network fax: queues the copy on the office's phone lane (office-pstn.ts). */
  queuePstn?: (req: OfficeSendRequest) => Promise<{ id: FaxId }>;
}

/**
 * Looks the number up before sending from the office, as a single desk does (Outbox.check),
 * against the office's pins: a change one desk accepted is accepted for all.
 */
export async function checkOfficeRecipient(deps: Pick<OfficeSendDeps, 'clients' | 'pins'>, orgId: OrgId, to: string, pstnProvider: PstnProviderName | null): Promise<SendCheck> {
  const client = await deps.clients.forOrg(orgId);
  try {
    const verified = keysFromLookup(await client.lookup(to));
    const decision = await deps.pins.check(verified, to);
    return { kind: 'fxe', recipientOrgId: verified.orgId, keyChange: decision.kind === 'changed' ? keyChangeWarning(decision) : null };
  } catch (e) {
    if (e instanceof DeskError && e.code === RelayErrorCodes.notOnFxe) return { kind: 'not-on-fxe', pstnProvider };
    throw e;
  }
}

/**
 * Seals a fax once and puts it into the shared outbox. A recipient whose keys changed since
 * the last fax is met here as on a single desk: the fax is sealed for the keys the relay
 * showed and held (state held-key-change), listed on every desk under Key changes, and no
 * desk claims it until someone accepts exactly those keys (releaseHeldOfficeSends) or keeps
 * them blocked (blockHeldOfficeSends).
 */
export async function enqueueOfficeSend(office: Office, deps: OfficeSendDeps, req: OfficeSendRequest): Promise<{ id: FaxId }> {
  const org = assertFromIsOrgs(deps.orgs, req);
  checkPdfStructure(req.pdf);
  const client = await deps.clients.forOrg(req.orgId);
  const lookup = await client.lookup(req.to);
  const verified = keysFromLookup(lookup);
  const decision = await deps.pins.check(verified, req.to);
  const held = decision.kind === 'changed' ? decision : null;
  const keys = await deps.orgs.keys(req.orgId);
  // A new fax: its id is also the message id it is sealed under.
  const id = asFaxId(uuid4());
  const messageId = messageIdOfSentFax(id);
  const fromName = req.fromName === undefined ? (org.name && org.name !== org.orgId ? org.name : null) : req.fromName;
  const { envelope, ciphertext } = await sealEnvelope({
    plaintext: req.pdf, senderOrgId: keys.credentials.org_id, senderBundleId: keys.credentials.bundle_id, senderBundleSeed: keys.bundleSeed,
    recipientOrgId: verified.orgId, recipientBundles: verified.bundles, fromNumber: req.from, fromName, toNumber: req.to,
    metadata: { filename: req.fileName, content_type: 'application/pdf' }, createdAt: Math.floor(office.nowMs() / 1000), messageId,
    ...(deps.backend ? { backend: deps.backend } : {}),
  });
  const now = office.nowMs();
  const sendAt = req.sendAt !== null && req.sendAt !== undefined && req.sendAt > now ? Math.round(req.sendAt) : null;
  await office.tx(async (c) => {
    const blobId = await office.writeBlob(c, id, req.pdf);
    await insertOfficeFax(c, office, {
      id, orgId: req.orgId, direction: 'out', route: 'fxe', messageId, peerNumber: req.to, peerName: null, fileName: req.fileName,
      subject: req.subject?.trim() ? req.subject.trim().slice(0, 200) : null, pages: req.pages ?? null, sizeBytes: req.pdf.length, at: now, state: held ? 'held-key-change' : sendAt !== null ? 'scheduled' : 'queued',
      senderOrgId: req.orgId, recipientOrgId: verified.orgId, fromNumber: req.from, toNumber: req.to, ciphertextSha256: envelope.ciphertext_sha256,
      metadataJson: null, blobId,
    });
    // Sealed now, whenever it goes (a scheduled fax too): every upload of it, by any desk, is the
    // same message. Not due before its time: no desk claims it earlier.
    await c.query(`INSERT INTO fxe.outbox (fax_id, org_id, envelope_json, ciphertext, recipient_org_id, held_org_id, held_fingerprint, send_at, next_attempt_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, req.orgId, envelopeToJson(envelope), Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength), verified.orgId, held?.orgId ?? null, held?.newFingerprint ?? null,
      sendAt, sendAt ?? 0]);
    await office.audit(c, 'send', id, `${sendAt === null ? 'queued' : `scheduled for ${new Date(sendAt).toISOString()}`} to ${req.to} (${req.pdf.length} bytes)`);
    if (held) {
      await c.query('UPDATE fxe.faxes SET failure_json = $2 WHERE id = $1', [id, JSON.stringify(heldReason(req.to, held))]);
      await office.audit(c, 'key-change', id, held.previousOrgId !== null
        ? `${req.to} moved from ${held.previousOrgId} to ${held.orgId} (${held.newFingerprint})`
        : `${held.orgId}: ${held.previousFingerprint} → ${held.newFingerprint}`);
    }
  }, 'queue fax');
  return { id };
}

/** The number a fax goes out from must be one of the org's own; returns the org. */
export function assertFromIsOrgs(orgs: Pick<OrgRegistry, 'get'>, req: { orgId: OrgId; from: string }): ReturnType<OrgRegistry['get']> {
  const org = orgs.get(req.orgId);
  if (org.faxNumbers.length > 0 && !org.faxNumbers.includes(req.from)) {
    throw new DeskError('send.from_not_yours', `${req.from} is not one of ${org.name}'s fax numbers. Pick one of: ${org.faxNumbers.join(', ')}.`, { detail: `from ${req.from}` });
  }
  return org;
}

function heldReason(to: string, d: Extract<TrustDecision, { kind: 'changed' }>): UserError {
  return {
    code: 'recipient.key_changed',
    message: d.previousOrgId !== null
      ? `The number ${to} is now answered by a different organisation than before. Confirm with the recipient (for example by phone) that this is really them, then accept the change under Key changes.`
      : "The recipient's security keys have changed. Confirm the new keys with them (for example by phone), then accept them under Key changes.",
    detail: `${d.previousOrgId ? `${d.previousOrgId} → ${d.orgId}: ` : ''}${d.previousFingerprint} → ${d.newFingerprint}`,
  };
}

/** Faxes in the shared outbox waiting on a key change, oldest first. */
export async function heldOfficeSends(office: Office): Promise<{ peerOrgId: OrgId; peerName: string | null; fax: HeldFax }[]> {
  const rows = (await office.query<{ held_org_id: OrgId; id: FaxId; to_number: string; file_name: string; at: string; peer_name: string | null }>(
    `SELECT o.held_org_id, f.id, f.to_number, f.file_name, f.at, f.peer_name FROM fxe.outbox o JOIN fxe.faxes f ON f.id = o.fax_id
     WHERE o.held_org_id IS NOT NULL AND NOT o.done AND f.deleted_at IS NULL ORDER BY f.at, f.id`, [], 'held sends')).rows;
  return rows.map((r) => ({ peerOrgId: r.held_org_id, peerName: r.peer_name, fax: { id: r.id, to: r.to_number, fileName: r.file_name, at: Number(r.at) } }));
}

/**
 * Someone accepted `fingerprint` for `peerOrgId` (the pins already say so): the faxes sealed
 * for exactly those keys go, once, by whichever desk claims them. One sealed for other keys
 * (they changed again meanwhile) is not sent: it turns Failed, to be sent again.
 */
export async function releaseHeldOfficeSends(office: Office, peerOrgId: OrgId, fingerprint: Fingerprint): Promise<number> {
  return office.tx(async (c) => {
    const rows = (await c.query<{ fax_id: FaxId; held_fingerprint: string }>('SELECT fax_id, held_fingerprint FROM fxe.outbox WHERE held_org_id = $1 AND NOT done FOR UPDATE', [peerOrgId])).rows;
    let released = 0;
    for (const r of rows) {
      if (r.held_fingerprint === fingerprint) {
        // A scheduled one still waits for its time.
        await c.query('UPDATE fxe.outbox SET held_org_id = NULL, held_fingerprint = NULL, next_attempt_at = coalesce(send_at, 0) WHERE fax_id = $1', [r.fax_id]);
        await c.query("UPDATE fxe.faxes SET state = 'queued', failure_json = NULL, updated_at = $2 WHERE id = $1", [r.fax_id, office.nowMs()]);
        await office.audit(c, 'key-accept', r.fax_id, `accepted ${fingerprint} for ${peerOrgId}`);
        released++;
      } else {
        await endHeld(c, office, r.fax_id, {
          code: 'recipient.keys_changed_again', message: "This fax was sealed for keys the recipient no longer shows, so it was not sent. Send it again.",
          detail: `sealed for ${r.held_fingerprint}, accepted ${fingerprint}`,
        });
      }
    }
    return released;
  }, 'release held faxes');
}

/** "Keep blocked": the faxes held for `peerOrgId` are not sent; they turn Failed, saying why. */
export async function blockHeldOfficeSends(office: Office, peerOrgId: OrgId): Promise<number> {
  return office.tx(async (c) => {
    const rows = (await c.query<{ fax_id: FaxId }>('SELECT fax_id FROM fxe.outbox WHERE held_org_id = $1 AND NOT done FOR UPDATE', [peerOrgId])).rows;
    for (const r of rows) await endHeld(c, office, r.fax_id, keptBlocked(peerOrgId));
    return rows.length;
  }, 'keep key change blocked');
}

async function endHeld(c: pg.ClientBase, office: Office, faxId: FaxId, why: UserError): Promise<void> {
  await c.query('UPDATE fxe.outbox SET done = true, held_org_id = NULL, held_fingerprint = NULL, last_error = $2 WHERE fax_id = $1', [faxId, `${why.code}: ${why.detail ?? ''}`]);
  await c.query("UPDATE fxe.faxes SET state = 'failed', failure_json = $2, updated_at = $3 WHERE id = $1", [faxId, JSON.stringify(why), office.nowMs()]);
  await office.audit(c, 'key-blocked', faxId, why.code);
}

function notFound(id: FaxId): DeskError {
  return new DeskError('fax.not_found', 'That fax is no longer here.', { detail: `no fax ${id}` });
}

/**
 * Resend of an office fax. A failed one goes back in line as the very same outbox row: the
 * same sealed message, so if an earlier attempt did reach the relay its answer ("already have
 * it") counts as sent and the recipient still gets it once. One already sent is sent again as
 * a new fax, like on a single desk; one still on its way is left alone.
 */
export async function resendOfficeFax(office: Office, deps: OfficeSendDeps, id: FaxId): Promise<{ id: FaxId }> {
  const row = (await office.query<{ direction: string; route: string; state: string; org_id: OrgId; to_number: string; from_number: string; file_name: string; subject: string | null; blob_id: string | null; queued: boolean }>(
    `SELECT f.direction, f.route, f.state, f.org_id, f.to_number, f.from_number, f.file_name, f.subject, f.blob_id, (o.fax_id IS NOT NULL) AS queued
     FROM fxe.faxes f LEFT JOIN fxe.outbox o ON o.fax_id = f.id WHERE f.id = $1`, [id], 'resend')).rows[0];
  if (!row) throw notFound(id);
  if (row.direction !== 'out') throw new DeskError('fax.not_sent', 'Only faxes you sent can be sent again; use Forward for received faxes.', { detail: id });
  if (row.state === 'needs-pstn') {
    throw new DeskError('fax.needs_pstn_choice', 'This fax is not on the fxe network yet. Open it and choose "Send over phone network…" to send it unencrypted.', { detail: `${id} is needs-pstn` });
  }
  if (row.state === 'failed' && row.queued) {
    await office.tx(async (c) => {
      const r = await c.query(`UPDATE fxe.outbox SET done = false, attempts = 0, next_attempt_at = 0, claimed_by = NULL, lease_until = NULL, last_error = NULL
        WHERE fax_id = $1 AND done`, [id]);
      if (!r.rowCount) throw new DeskError('send.already_queued', 'This fax is already on its way; it will be sent once.', { detail: `${id} is queued` });
      await c.query("UPDATE fxe.faxes SET state = 'queued', failure_json = NULL, progress = NULL, updated_at = $2 WHERE id = $1", [id, office.nowMs()]);
      await office.audit(c, 'send', id, 'resent: the same sealed fax back in the shared outbox');
    }, 'resend');
    return { id };
  }
  if (row.state !== 'sent' && row.state !== 'delivered' && row.state !== 'failed') {
    throw new DeskError('send.already_queued', 'This fax is already on its way; it will be sent once.', { detail: `${id} is ${row.state}` });
  }
  if (!row.blob_id) throw new DeskError('office.blob_missing', 'The fax body is missing from the office database.', { detail: `fax ${id}` });
  const pdf = await office.readBlob(row.blob_id);
  const copy: OfficeSendRequest = { orgId: row.org_id, to: row.to_number, from: row.from_number, fileName: row.file_name, subject: row.subject, pdf };
  if (row.route === 'pstn') {
    // A new fax, so a new idempotency key: the provider would answer the old one with the old
    // fax. Its from number is the caller ID it went with; the lane puts this desk's in again.
    if (!deps.queuePstn) throw new DeskError('office.no_pstn', 'This desk cannot send over the phone network from the office.', { detail: 'no phone lane' });
    const org = deps.orgs.get(row.org_id);
    return deps.queuePstn({ ...copy, from: org.faxNumbers.includes(row.from_number) ? row.from_number : (org.faxNumbers[0] ?? row.from_number) });
  }
  return enqueueOfficeSend(office, deps, copy);
}

async function lockScheduled(c: pg.ClientBase, id: FaxId, what: string): Promise<void> {
  // The outbox row (or phone-network job) first, as a claim does (no deadlock), then the fax's state.
  await c.query('SELECT 1 FROM fxe.outbox WHERE fax_id = $1 FOR UPDATE', [id]);
  await c.query('SELECT 1 FROM fxe.pstn_jobs WHERE fax_id = $1 FOR UPDATE', [id]);
  const state = (await c.query<{ state: string }>('SELECT state FROM fxe.faxes WHERE id = $1 FOR UPDATE', [id])).rows[0]?.state;
  if (state === undefined) throw notFound(id);
  if (state !== 'scheduled') throw new DeskError('send.not_scheduled', `This fax is no longer waiting for its time, so it cannot be ${what}.`, { detail: `${id} is ${state}` });
}

/** A scheduled office fax goes now rather than at its time (whichever desk claims it first). */
export async function sendScheduledNow(office: Office, id: FaxId): Promise<void> {
  await office.tx(async (c) => {
    await lockScheduled(c, id, 'sent now');
    await c.query('UPDATE fxe.outbox SET next_attempt_at = 0 WHERE fax_id = $1 AND NOT done', [id]);
    await c.query('UPDATE fxe.pstn_jobs SET next_attempt_at = 0 WHERE fax_id = $1 AND NOT done', [id]);
    await c.query("UPDATE fxe.faxes SET state = 'queued', updated_at = $2 WHERE id = $1", [id, office.nowMs()]);
    await office.audit(c, 'send', id, 'scheduled fax sent now by the user');
  }, 'send now');
}

/**
 * A scheduled office fax is not sent after all: its row is done, the fax marked cancelled and
 * put in the Trash (restoring it does not send it). The fax row's lock orders this against a
 * desk's claim: a claimed fax is no longer 'scheduled', and a cancelled one is never claimed.
 */
export async function cancelScheduledOffice(office: Office, id: FaxId): Promise<void> {
  await office.tx(async (c) => {
    await lockScheduled(c, id, 'cancelled');
    await c.query('UPDATE fxe.outbox SET done = true WHERE fax_id = $1', [id]);
    await c.query('UPDATE fxe.pstn_jobs SET done = true WHERE fax_id = $1', [id]);
    const now = office.nowMs();
    await c.query("UPDATE fxe.faxes SET state = 'failed', failure_json = $2, deleted_at = $3, deleted_by = $4, updated_at = $3 WHERE id = $1",
      [id, JSON.stringify(CANCELLED_BEFORE_SENDING), now, office.desk.person]);
    await office.audit(c, 'send', id, 'scheduled fax cancelled before sending');
  }, 'cancel scheduled fax');
}

interface ClaimedRow {
  fax_id: FaxId;
  org_id: OrgId;
  envelope_json: string;
  ciphertext: Buffer;
  attempts: number;
}

export interface OfficeOutboxSenderOptions {
  clients: RelayClientPool;
  pins?: Pick<TrustStore, 'receiptKey'>;
  /** How long a claim holds without renewal (default 30 s); renewed every third of it while uploading. */
  leaseMs?: number;
  /** How often an idle sender looks for work (default 1 s; the change feed can also kick it). */
  idleMs?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Tests: called after an upload went through, before it is recorded (to die there). */
  afterUpload?: (faxId: FaxId) => void;
}

/** Claims and uploads shared outbox rows, one at a time, until stopped. */
export class OfficeOutboxSender {
  private readonly office: Office;
  private readonly o: OfficeOutboxSenderOptions;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Faxes this sender uploaded (tests and the CLI report them). */
  sent = 0;

  constructor(office: Office, o: OfficeOutboxSenderOptions) {
    this.office = office;
    this.o = o;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** Look for work now (a new row arrived). */
  kick(): void {
    this.wake?.();
  }

  /** Runs claims until nothing is due; for tests and `serve --once`-style callers. */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.sendOne()) n++;
    return n;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.sendOne();
      } catch (e) {
        this.office.log(`office outbox: ${errorDetail(e)}`);
      }
      if (!worked && !this.stopped) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.o.idleMs ?? 1_000);
          this.wake = () => { clearTimeout(t); resolve(); };
        });
        this.wake = null;
      }
    }
  }

  private async claim(): Promise<ClaimedRow | undefined> {
    const leaseMs = this.o.leaseMs ?? 30_000;
    // The fax turns 'uploading' in the same statement, so "Send now" and "Cancel" (which lock
    // the outbox row first, then the fax) see either a claimed fax or an unclaimed one.
    const r = await this.office.query<ClaimedRow>(
      `WITH claimed AS (
         UPDATE fxe.outbox o SET claimed_by = $1, lease_until = now() + $2 * interval '1 millisecond', attempts = o.attempts + 1
         WHERE o.fax_id = (
           SELECT q.fax_id FROM fxe.outbox q
           WHERE NOT q.done AND q.held_org_id IS NULL AND q.next_attempt_at <= $3 AND (q.lease_until IS NULL OR q.lease_until < now())
             -- Deleting an outgoing fax means "stop this one": nothing sends it from the Trash.
             AND NOT EXISTS (SELECT 1 FROM fxe.faxes f WHERE f.id = q.fax_id AND f.deleted_at IS NOT NULL)
           ORDER BY q.next_attempt_at, q.fax_id
           FOR UPDATE OF q SKIP LOCKED LIMIT 1)
         RETURNING o.fax_id, o.org_id, o.envelope_json, o.ciphertext, o.attempts),
       marked AS (
         UPDATE fxe.faxes f SET state = 'uploading', failure_json = NULL, updated_at = $3
         FROM claimed WHERE f.id = claimed.fax_id AND f.state NOT IN ('sent', 'delivered'))
       SELECT * FROM claimed`,
      [this.office.desk.deskId, leaseMs, this.office.nowMs()], 'claim outbox row');
    return r.rows[0];
  }

  /** One claimed row uploaded and recorded; false when nothing was due. */
  async sendOne(): Promise<boolean> {
    const row = await this.claim();
    if (!row) return false;
    const leaseMs = this.o.leaseMs ?? 30_000;
    const renew = setInterval(() => {
      this.office.query("UPDATE fxe.outbox SET lease_until = now() + $3 * interval '1 millisecond' WHERE fax_id = $1 AND claimed_by = $2 AND NOT done",
        [row.fax_id, this.office.desk.deskId, leaseMs], 'renew outbox claim').catch(() => undefined);
    }, Math.max(1_000, leaseMs / 3));
    renew.unref?.();
    try {
      const client = await this.o.clients.forOrg(row.org_id);
      const result = await client.upload(row.envelope_json, messageIdOfSentFax(row.fax_id), row.ciphertext);
      this.o.afterUpload?.(row.fax_id);
      await this.office.tx(async (c) => {
        await c.query('UPDATE fxe.outbox SET done = true, sent_by = $2, sent_at = $3, claimed_by = NULL, lease_until = NULL, last_error = NULL WHERE fax_id = $1',
          [row.fax_id, this.office.desk.deskId, this.office.nowMs()]);
        await this.setState(c, row.fax_id, 'sent', null);
        await this.office.audit(c, 'send', row.fax_id, result.alreadyUploaded ? 'uploaded (the relay already had it)' : 'uploaded');
      }, 'record sent fax');
      this.sent++;
    } catch (e) {
      await this.failed(row, e);
    } finally {
      clearInterval(renew);
    }
    return true;
  }

  private async setState(c: pg.ClientBase | null, faxId: FaxId, state: string, failure: string | null): Promise<void> {
    const sql = "UPDATE fxe.faxes SET state = $2, failure_json = $3, updated_at = $4 WHERE id = $1 AND state NOT IN ('sent', 'delivered')";
    const params = [faxId, state, failure, this.office.nowMs()];
    if (c) await c.query(sql, params);
    else await this.office.query(sql, params, 'fax state');
  }

  private async failed(row: ClaimedRow, e: unknown): Promise<void> {
    const err = toUserError(e);
    const final = !(e instanceof DeskError && e.retryable) || (e instanceof DeskError && e.code === RelayErrorCodes.notOnFxe);
    const delay = halfJitter(exponentialDelayMs(row.attempts - 1, this.o.retryBaseMs ?? 2_000, this.o.retryCapMs ?? 5 * 60_000));
    this.office.log(`office outbox ${row.fax_id}: ${final ? 'failed' : `retry in ${Math.round(delay)} ms`}: ${err.code} ${err.detail ?? ''}`);
    try {
      await this.office.tx(async (c) => {
        await c.query('UPDATE fxe.outbox SET claimed_by = NULL, lease_until = NULL, done = $2, next_attempt_at = $3, last_error = $4 WHERE fax_id = $1 AND claimed_by = $5',
          [row.fax_id, final, Math.round(this.office.nowMs() + delay), `${err.code}: ${err.detail ?? ''}`.slice(0, 2000), this.office.desk.deskId]);
        await this.setState(c, row.fax_id, final ? 'failed' : 'queued', JSON.stringify(err));
        if (final) await this.office.audit(c, 'send', row.fax_id, `failed: ${err.code}`);
      }, 'record send failure');
    } catch (again) {
      // The database is gone too: the lease runs out and someone claims the row again.
      this.office.log(`office outbox ${row.fax_id}: could not record the failure: ${errorDetail(again)}`);
    }
  }

  /**
   * Asks the relay about sent faxes not yet delivered, and keeps each receipt that verifies
   * against the recipient's pinned keys (the Sent folder's proof of delivery).
   */
  async checkDeliveries(limit = 100): Promise<number> {
    if (!this.o.pins) return 0;
    const rows = (await this.office.query<{ id: FaxId; org_id: OrgId; recipient_org_id: OrgId; ciphertext_sha256: string }>(
      "SELECT id, org_id, recipient_org_id, ciphertext_sha256 FROM fxe.faxes WHERE direction = 'out' AND state = 'sent' AND recipient_org_id IS NOT NULL ORDER BY at LIMIT $1",
      [limit], 'delivery check')).rows;
    let delivered = 0;
    for (const f of rows) {
      try {
        const client = await this.o.clients.forOrg(f.org_id);
        if (!(await client.hasExtension('message-status'))) return delivered;
        const st = await client.status(messageIdOfSentFax(f.id));
        const receipt = st.receipt as Receipt | null | undefined;
        if (st.status !== 'delivered' || !receipt) continue;
        if (receipt.message_id !== f.id || receipt.ciphertext_sha256 !== f.ciphertext_sha256) throw new Error(`receipt for ${receipt.message_id} does not match`);
        const bundle = await client.keyBundle(receipt.recipient_bundle_id);
        verifyReceipt(receipt, { recipientOrgId: f.recipient_org_id, recipientBundleEd25519Pub: await this.o.pins.receiptKey(asOrgId(f.recipient_org_id), bundle) });
        await this.office.tx(async (c) => {
          const r = await c.query("UPDATE fxe.faxes SET state = 'delivered', receipt_json = $2, updated_at = $3 WHERE id = $1 AND state = 'sent'", [f.id, JSON.stringify(receipt), this.office.nowMs()]);
          if (r.rowCount) await this.office.audit(c, 'delivered', f.id, `receipt signed ${receipt.signed_at} by ${receipt.recipient_bundle_id}`);
        }, 'record delivery');
        delivered++;
      } catch (e) {
        this.office.log(`delivery check ${f.id}: ${errorDetail(e)}`);
      }
    }
    return delivered;
  }
}
