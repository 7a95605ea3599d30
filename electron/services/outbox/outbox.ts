/**
 * The outbox: a persistent queue of outgoing faxes. Every step is recorded before the next
 * one starts, so a restart (or a relay outage) resumes where it stopped:
 *
 *   (scheduled →) queued → (lookup, pin check) → encrypting → uploading → sent → delivered
 *                             ↘ needs-pstn     ↘ held-key-change (until the user accepts)   ↘ failed
 *
 * The envelope is sealed once and kept (with its ciphertext in the spool directory), so a
 * retry re-uploads the very same message_id: the relay's 409 for our own id means an earlier
 * attempt got through. "Delivered" is shown only for a receipt that verifies against the
 * recipient's pinned keys.
 */
import { asFaxId, asOrgId, messageIdOfSentFax, type FaxId, type Fingerprint, type OrgId } from '../../../shared/domain/ids.ts';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { StoredBlob } from '../storage/blob-store.ts';
import { relaxedCommit } from '../storage/database.ts';
import type { HeldFax, KeyChangeWarning, SendCheck } from '../../../shared/ipc/contract.ts';
import type { DeliveryReceiptView, OutboxState, UserError } from '../../../shared/domain/types.ts';
import type { LookupResponse, Receipt } from '../../../shared/fxe-api/types.ts';
import { envelopeToJson, uuid4, verifyReceipt } from '../../../shared/protocol/index.ts';
import { DeskError, errorDetail, toUserError } from '../errors.ts';
import { RelayErrorCodes } from '../relay-client/relay-errors.ts';
import { sealStreamToFile } from '../crypto/stream-seal.ts';
import { FILE_CHUNK_BYTES } from '../crypto/file-chunks.ts';
import { exponentialDelayMs, halfJitter } from '../backoff.ts';
import type { FaxLaneDeps } from '../service-deps.ts';
import { keysFromLookup, type ObservedKeys, type TrustDecision } from '../trust/index.ts';
import { JobLoop } from './job-loop.ts';
import { checkPdfStructure, checkPdfStructureOf, validatePdf, validatePdfSource } from './pdf-check.ts';
import type { PstnOutbox } from './pstn-outbox.ts';

export interface OutboxDeps extends FaxLaneDeps {
  spoolDir: string;
  /** Backoff between attempts of one job after retryable failures. */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** The phone-network lane: takes faxes the user chose to send over PSTN. */
  pstn?: PstnOutbox;
}

export interface SubmitRequest {
  orgId: OrgId;
  to: string;
  from: string;
  fileName: string;
  pdf: Uint8Array;
  route: 'fxe' | 'pstn';
  /** The cover page's subject, if one was added: listed and searchable in Sent. */
  subject?: string | null;
  /** The sender name in the envelope (default: the org's name). */
  fromName?: string | null;
  /** Shared by the faxes of one send to several recipients. */
  sendGroup?: string | null;
  /** Send at this time (unix ms) instead of now; a time already past means now. */
  sendAt?: number | null;
}

interface JobRow {
  fax_id: FaxId;
  org_id: OrgId;
  attempts: number;
  next_attempt_at: number;
  recipient_org_id: OrgId | null;
  envelope_json: string | null;
  ciphertext_file: string | null;
  held_json: string | null;
  from_name: string | null;
  done: number;
}

/** A fax sealed before it was queued (Outbox.submitFileSealed). */
interface SealedFax {
  envelopeJson: string;
  spool: string;
  recipientOrgId: OrgId;
  ciphertextSha256: string;
}

/** How long check()'s lookup stands in for the one before sealing (submitFileSealed). */
const LOOKUP_REUSE_MS = 60_000;

/** The open file from its start, `size` bytes, 1 MiB at a time through one buffer (each chunk is valid until the next). */
async function* fileChunks(fd: number, size: number, unreadable: (e: unknown) => DeskError): AsyncGenerator<Uint8Array> {
  const chunk = Buffer.allocUnsafe(FILE_CHUNK_BYTES);
  try {
    for (let at = 0; at < size; ) {
      let n: number;
      try { n = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at); } catch (e) { throw unreadable(e); }
      if (n === 0) throw new DeskError('file.read_failed', 'The file changed while it was read.', { detail: `it ended at ${at} of the ${size} bytes it had` });
      at += n;
      yield chunk.subarray(0, n);
    }
  } finally {
    chunk.fill(0);
  }
}

/** `length` bytes of an open file from `begin`, in a buffer of their own (pdf.js's worker takes it over). */
function readRange(fd: number, begin: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; ) {
    const n = readSync(fd, out, at, length - at, begin + at);
    if (n === 0) throw new DeskError('file.read_failed', 'The file changed while it was read.', { detail: `ended at ${begin + at} of ${begin + length}` });
    at += n;
  }
  return out;
}

/**
 * How long a lookup made at submit stands in for the one made when sending. A fax sent at once
 * is sealed within a second or so; one that waited longer (a relay outage, a retry) looks its
 * recipient up again.
 */
const LOOKUP_AHEAD_FRESH_MS = 10_000;

const ACTIVE_STATES: OutboxState[] = ['queued', 'encrypting', 'uploading'];
/** What the worker picks up when due: active jobs, and scheduled ones once their time comes. */
const DUE_STATES: OutboxState[] = ['scheduled', ...ACTIVE_STATES];

/** Said on a scheduled fax whose time passed while it was in the Trash (restoring it does not send it late). */
export function scheduleMissedInTrash(sendAt: number): UserError {
  return {
    code: 'send.schedule_missed',
    message: 'Not sent: its scheduled time passed while it was in the Trash. Choose Resend to send it now.',
    detail: `send_at ${new Date(sendAt).toISOString()}`,
  };
}

/** Said on a scheduled fax the user cancelled (it goes to the Trash, and stays unsent if restored). */
export const CANCELLED_BEFORE_SENDING: UserError = {
  code: 'send.cancelled',
  message: 'You cancelled this fax before its time came. It was not sent.',
};

/** Shown on a sent fax when its relay cannot report delivery (no status, no delivery event). */
export const NO_DELIVERY_PROOF: UserError = {
  code: 'relay.no_delivery_proof',
  message: "Sent. This fxe relay does not report deliveries, so fxe Desk cannot show a proof of delivery for this fax.",
};

/** The org's name for the envelope; none while the relay has not told it (the name is then the org id). */
function senderNameOf(org: { orgId: OrgId; name: string }): string | null {
  return org.name && org.name !== org.orgId ? org.name : null;
}

export class Outbox {
  private readonly d: OutboxDeps;
  private readonly loop: JobLoop<JobRow>;
  /** The fax being sent right now and how to stop its upload (one job at a time). */
  private readonly sending = new Map<FaxId, AbortController>();
  /**
   * Faxes whose spool this process sealed. The upload reads a spool a second time to check it
   * against the envelope only because it is not fsynced: a power cut could have damaged it,
   * and a power cut would also have ended this process. So these are not checked (a second
   * SHA-256 pass, ~40 ms for 64 MiB here); the relay still checks the bytes it gets.
   */
  private readonly sealedThisRun = new Set<FaxId>();
  /** Recipients looked up while their PDF was checked (submit), by fax. */
  private readonly lookupsAhead = new Map<FaxId, { at: number; lookup: Promise<LookupResponse | undefined> }>();
  /** The last check()'s verified lookup: submitFileSealed right after it needs no second round trip. */
  private lastLookup: { orgId: OrgId; to: string; at: number; keys: ObservedKeys } | null = null;

  constructor(deps: OutboxDeps) {
    this.d = deps;
    this.loop = new JobLoop<JobRow>({
      dueJob: () => this.dueJob(),
      process: (job) => this.process(job),
      nextDueAt: () => this.nextDueAt(),
      nowMs: deps.nowMs,
      minWaitMs: 50,
    });
    mkdirSync(deps.spoolDir, { recursive: true, mode: 0o700 });
  }

  /** Look the number up before sending: on fxe (maybe with a key change) or not. */
  async check(orgId: OrgId, to: string): Promise<SendCheck> {
    const client = await this.d.clients.forOrg(orgId);
    try {
      const lookup = await client.lookup(to);
      const verified = keysFromLookup(lookup, undefined, this.d.backend);
      this.lastLookup = { orgId, to, at: this.d.nowMs(), keys: verified };
      const decision = await this.d.pins.check(verified, to);
      return { kind: 'fxe', recipientOrgId: verified.orgId, keyChange: decision.kind === 'changed' ? keyChangeWarning(decision) : null };
    } catch (e) {
      if (e instanceof DeskError && e.code === RelayErrorCodes.notOnFxe) return { kind: 'not-on-fxe', pstnProvider: this.d.pstn?.configuredProvider() ?? null };
      throw e;
    }
  }

  /**
   * Validate and queue. The PDF is stored encrypted (and fsynced) before it is queued, so a
   * crash right after loses nothing. Three things overlap, since each waits on something else
   * (a worker, the disk, the relay): pdf.js checks the document in its worker while the body is
   * stored, and a fax that goes now has its recipient looked up meanwhile. A document the check
   * refuses leaves nothing behind (its stored body is removed before the refusal is thrown).
   * `alreadyChecked`: these very bytes already passed validatePdf (a send to several
   * recipients checks its document once), so pdf.js is not run on them again.
   */
  async submit(req: SubmitRequest, alreadyChecked?: { pages: number | null }): Promise<{ id: FaxId; pages: number | null }> {
    this.assertFromIsOurs(req);
    // The cheap checks first: a file that is no PDF, or too large, is turned away before anything starts.
    checkPdfStructure(req.pdf);
    // Over the provider's size limit: say so now, before anything is stored or uploaded.
    if (req.route === 'pstn') this.d.pstn?.assertFits(req.pdf.length);
    const lookup = req.route === 'fxe' && !(req.sendAt != null && req.sendAt > this.d.nowMs()) ? this.lookupAhead(req.orgId, req.to) : undefined;
    const check = alreadyChecked ? Promise.resolve(alreadyChecked) : validatePdf(req.pdf, this.d.log);
    const [checked, stored] = await Promise.allSettled([check, this.d.blobs.writeAsync(req.pdf)]);
    if (checked.status === 'rejected') {
      if (stored.status === 'fulfilled') this.d.blobs.remove(stored.value.blobId);
      throw checked.reason;
    }
    if (stored.status === 'rejected') throw stored.reason;
    return this.queue(req, stored.value, req.pdf.length, checked.value.pages, { lookup });
  }

  /**
   * The recipient's lookup, started while the PDF is checked and stored (a signed round trip
   * the fax would otherwise wait for after "queued"). Its answer is checked exactly as one made
   * when sending (keysFromLookup, then the pins); a failed one is simply made again then.
   */
  private lookupAhead(orgId: OrgId, to: string): Promise<LookupResponse | undefined> {
    return this.d.clients.forOrg(orgId).then((client) => client.lookup(to)).catch(() => undefined);
  }

  /** The lookup made at submit for this fax, if it answered and is recent; each is used once. */
  private async lookedUpAhead(id: FaxId): Promise<LookupResponse | undefined> {
    const ahead = this.lookupsAhead.get(id);
    if (!ahead) return undefined;
    this.lookupsAhead.delete(id);
    const answer = await ahead.lookup;
    return this.d.nowMs() - ahead.at <= LOOKUP_AHEAD_FRESH_MS ? answer : undefined;
  }

  /**
   * For a process that sends one file and ends (the CLI's send): no encrypted copy of the PDF
   * is stored first. The file is sealed straight into the spool, 1 MiB at a time, and the PDF
   * check then reads the document back out of that ciphertext (each range pdf.js asks for is
   * decrypted on its own): what was checked is byte for byte what is uploaded, and a file
   * that fails leaves nothing behind. The fax is queued already sealed (its envelope and
   * spool recorded with it, as process() records them before uploading): kick() uploads it.
   * A 64 MiB file was read, encrypted into the blob store, read and decrypted again to be
   * sealed: ~0.4 s of a CLI send here. The recipient's keys are the last check()'s if it was
   * for this number in the last minute, checked against the pins again.
   */
  async submitFileSealed(req: Omit<SubmitRequest, 'pdf' | 'route' | 'sendAt'> & { pdfPath: string }): Promise<{ id: FaxId; pages: number | null }> {
    this.assertFromIsOurs(req);
    const name = basename(req.pdfPath);
    const unreadable = (e: unknown): DeskError => new DeskError('file.read_failed', `Cannot read ${name}.`, { detail: `${req.pdfPath}: ${errorDetail(e)}`, cause: e });
    let fd: number;
    try { fd = openSync(req.pdfPath, 'r'); } catch (e) { throw unreadable(e); }
    try {
      const size = fstatSync(fd).size;
      // The cheap checks on the file first: a file that is no PDF (or too large) is turned away before anything else.
      checkPdfStructureOf({ size, read: (begin, length) => readRange(fd, begin, length) });
      const recipient = await this.recipientKeys(req.orgId, req.to);
      const keys = await this.d.orgs.keys(req.orgId);
      const org = this.d.orgs.get(req.orgId);
      const id = asFaxId(uuid4());
      const spool = join(this.d.spoolDir, `${id}.ct`);
      let pages: number | null = null;
      const { envelope } = await sealStreamToFile({
        source: fileChunks(fd, size, unreadable), plaintextSize: size, outputPath: spool,
        senderOrgId: keys.credentials.org_id, senderBundleId: keys.credentials.bundle_id, senderBundleSeed: keys.bundleSeed,
        recipientOrgId: recipient.orgId, recipientBundles: recipient.bundles, fromNumber: req.from,
        fromName: req.fromName === undefined ? senderNameOf(org) : req.fromName,
        toNumber: req.to, metadata: { filename: req.fileName, content_type: 'application/pdf' },
        createdAt: Math.floor(this.d.nowMs() / 1000), messageId: id, backend: this.d.backend,
        durable: false, // as in process(); a spool sealed by this run is not checked again (sealedThisRun)
        checkWritten: async (plaintext) => { ({ pages } = await validatePdfSource(plaintext, this.d.log)); },
      });
      const sealed = { envelopeJson: envelopeToJson(envelope), spool, recipientOrgId: recipient.orgId, ciphertextSha256: envelope.ciphertext_sha256 };
      this.sealedThisRun.add(id);
      try {
        this.queue({ ...req, route: 'fxe' }, null, size, pages, { presealed: { id, sealed } });
      } catch (e) {
        try { unlinkSync(spool); } catch { /* already gone */ }
        throw e;
      }
      return { id, pages };
    } finally {
      closeSync(fd);
    }
  }

  /** The recipient's keys: the last check()'s, if fresh and for the same number, else looked up now; refused if they changed. */
  private async recipientKeys(orgId: OrgId, to: string): Promise<ObservedKeys> {
    const last = this.lastLookup;
    const fresh = last !== null && last.orgId === orgId && last.to === to && this.d.nowMs() - last.at < LOOKUP_REUSE_MS;
    const keys = fresh ? last.keys : keysFromLookup(await (await this.d.clients.forOrg(orgId)).lookup(to), undefined, this.d.backend);
    const decision = await this.d.pins.check(keys, to);
    if (decision.kind === 'changed') {
      throw new DeskError('recipient.key_changed', "The recipient's security keys have changed. Confirm the new keys with them (for example by phone) before this fax is sent.", {
        detail: `${decision.orgId}: ${decision.previousFingerprint} → ${decision.newFingerprint}`,
      });
    }
    return keys;
  }

  private assertFromIsOurs(req: { orgId: OrgId; from: string }): void {
    const org = this.d.orgs.get(req.orgId);
    if (org.faxNumbers.length > 0 && !org.faxNumbers.includes(req.from)) {
      throw new DeskError('send.from_not_yours', `${req.from} is not one of ${org.name}'s fax numbers. Pick one of: ${org.faxNumbers.join(', ')}.`, { detail: `from ${req.from}` });
    }
  }

  /**
   * A checked PDF, stored in `blob`: its row and job, in one transaction, then the loop is
   * woken. `lookup`: the recipient's lookup already under way (submit), used when the fax's
   * turn comes. `presealed`: a fax sealed before it was queued (submitFileSealed), with no
   * stored copy: its envelope and spool go into the job, and process() only uploads it.
   */
  private queue(
    req: Omit<SubmitRequest, 'pdf'>, blob: StoredBlob | null, sizeBytes: number, pages: number | null,
    ahead: { lookup?: Promise<LookupResponse | undefined>; presealed?: { id: FaxId; sealed: SealedFax } } = {},
  ): { id: FaxId; pages: number | null } {
    const { lookup, presealed } = ahead;
    const org = this.d.orgs.get(req.orgId);
    // A new fax: its id is also the message id it will be sealed under.
    const id = presealed?.id ?? asFaxId(uuid4());
    const sealed = presealed?.sealed ?? null;
    const now = this.d.nowMs();
    const pstn = req.route === 'pstn';
    const sendAt = req.sendAt != null && req.sendAt > now ? req.sendAt : null;
    this.d.db.transaction(() => {
      this.d.faxes.insert({
        id, orgId: req.orgId, direction: 'out', route: req.route, peerNumber: req.to, peerName: null, fileName: req.fileName, pages,
        sizeBytes, at: now, read: true, state: sendAt !== null ? 'scheduled' : pstn ? 'needs-pstn' : 'queued', senderOrgId: req.orgId, recipientOrgId: sealed?.recipientOrgId ?? null,
        fromNumber: req.from, toNumber: req.to, ciphertextSha256: sealed?.ciphertextSha256 ?? null, metadataJson: null, blobId: blob?.blobId ?? null, blobKey: blob?.wrappedKey ?? null,
        subject: req.subject?.trim() ? req.subject.trim().slice(0, 200) : null, sendGroup: req.sendGroup ?? null, sendAt,
      });
      if (!pstn || sendAt !== null) {
        this.d.db.prepare('INSERT INTO outbox_jobs (fax_id, org_id, next_attempt_at, from_name, envelope_json, ciphertext_file, recipient_org_id) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(id, req.orgId, sendAt ?? 0, req.fromName === undefined ? senderNameOf(org) : req.fromName, sealed?.envelopeJson ?? null, sealed?.spool ?? null, sealed?.recipientOrgId ?? null);
      }
      this.d.faxes.audit('send', req.orgId, id, `${sendAt !== null ? `scheduled for ${new Date(sendAt).toISOString()}` : 'queued'} to ${req.to} (${req.route}, ${sizeBytes} bytes, ${pages ?? 'unknown'} pages)`);
    })();
    if (sendAt !== null) {
      this.emitState(id, 'scheduled', null, null);
      void this.kick(); // re-arms the loop's timer for the new due time
    } else if (pstn && this.d.pstn) {
      this.d.pstn.enqueue(id);
    } else if (pstn) {
      this.setState(id, 'needs-pstn', null, { code: 'pstn.not_configured', message: 'Sending over the phone network is not set up yet. Configure a PSTN provider in Settings.' });
    } else {
      if (lookup) this.rememberLookupAhead(id, lookup);
      this.emitState(id, 'queued', null, null);
      void this.kick();
    }
    this.d.emit({ type: 'faxes.changed' });
    return { id, pages };
  }

  private rememberLookupAhead(id: FaxId, lookup: Promise<LookupResponse | undefined>): void {
    const now = this.d.nowMs();
    // Faxes that never reached their turn (deleted, the app closing) do not pile up.
    for (const [other, ahead] of this.lookupsAhead) if (now - ahead.at > LOOKUP_AHEAD_FRESH_MS) this.lookupsAhead.delete(other);
    this.lookupsAhead.set(id, { at: now, lookup });
  }

  /** The user checked the new keys (ideally by phone): pin them and release held faxes. */
  async acceptKeyChange(recipientOrgId: OrgId, newFingerprint: Fingerprint): Promise<number> {
    await this.d.pins.accept(recipientOrgId, newFingerprint);
    const held = this.d.db.prepare(
      "SELECT j.fax_id FROM outbox_jobs j JOIN faxes f ON f.id = j.fax_id WHERE j.done = 0 AND f.state = 'held-key-change' AND j.held_recipient_org_id = ?",
    ).all(recipientOrgId) as { fax_id: FaxId }[];
    for (const h of held) {
      this.d.db.prepare('UPDATE outbox_jobs SET held_json = NULL, held_recipient_org_id = NULL, next_attempt_at = 0 WHERE fax_id = ?').run(h.fax_id);
      this.setState(h.fax_id, 'queued', null, null);
      this.d.faxes.audit('key-accept', null, h.fax_id, `accepted ${newFingerprint} for ${recipientOrgId}`);
    }
    void this.kick();
    return held.length;
  }

  /** Faxes waiting on a key change (Settings → Key changes lists them under their org), oldest first. */
  heldSends(): { peerOrgId: OrgId; peerName: string | null; fax: HeldFax }[] {
    const rows = this.d.db.prepare(`SELECT j.held_recipient_org_id, f.id, f.to_number, f.file_name, f.at, f.peer_name FROM outbox_jobs j JOIN faxes f ON f.id = j.fax_id
      WHERE j.done = 0 AND f.state = 'held-key-change' AND f.deleted_at IS NULL AND j.held_recipient_org_id IS NOT NULL ORDER BY f.at, f.id`)
      .all() as { held_recipient_org_id: OrgId; id: FaxId; to_number: string; file_name: string; at: number; peer_name: string | null }[];
    return rows.map((r) => ({ peerOrgId: r.held_recipient_org_id, peerName: r.peer_name, fax: { id: r.id, to: r.to_number, fileName: r.file_name, at: r.at } }));
  }

  /**
   * "Keep blocked": the user will not accept the new keys (not now, at least), so the faxes
   * held for that org are not sent: they turn Failed, saying so (Resend tries again later).
   * The change itself stays pending, so the next send to that org warns again.
   */
  keepBlocked(peerOrgId: OrgId): number {
    const held = this.heldSends().filter((h) => h.peerOrgId === peerOrgId);
    for (const h of held) {
      this.d.db.prepare('UPDATE outbox_jobs SET done = 1, held_json = NULL, held_recipient_org_id = NULL WHERE fax_id = ?').run(h.fax.id);
      this.setState(h.fax.id, 'failed', null, keepBlockedReason(peerOrgId));
      this.d.faxes.audit('key-blocked', null, h.fax.id, `kept ${peerOrgId}'s new keys blocked`);
    }
    if (held.length > 0) this.d.emit({ type: 'faxes.changed' });
    return held.length;
  }

  /**
   * The relay answers again: faxes waiting out a backoff after an outage go now, rather than
   * at the end of a wait that may have grown to minutes while the network was down.
   */
  resumeAfterOutage(): Promise<void> {
    this.d.db.prepare(
      "UPDATE outbox_jobs SET next_attempt_at = 0 WHERE done = 0 AND held_json IS NULL AND fax_id IN (SELECT id FROM faxes WHERE state = 'queued' AND deleted_at IS NULL)",
    ).run();
    return this.kick();
  }

  /**
   * Faxes of ours just brought back from the Trash (Restore, or the delete's Undo), put back as
   * they were. Deleting an outgoing fax means "stop this one", and while it is in the Trash
   * nothing sends it; restoring means "undo my delete", so:
   * - one that was on its way (queued, encrypting, uploading) carries on at once: it was being
   *   sent when it was deleted, and the user took it back to have it sent;
   * - a scheduled one keeps its time; if that time passed while it was in the Trash it is NOT
   *   sent late by itself (a fax meant for 9:00 going at 15:00 can be wrong: a cancelled
   *   appointment, a superseded order): it comes back as failed, saying so, and Resend sends it;
   * - anything else (failed, needs-pstn, held for a key change, sent) comes back unchanged:
   *   those were not being sent, and a restore never sends on its own;
   * - on the phone lane, a fax on its way with the provider resumes too (PstnOutbox).
   */
  resumeRestored(faxIds: readonly FaxId[]): Promise<void> {
    const now = this.d.nowMs();
    for (const id of faxIds) {
      const fax = this.d.faxes.row(id, true);
      if (fax.deleted_at !== null || fax.direction !== 'out') continue;
      if (fax.state === 'scheduled' && (fax.send_at ?? 0) <= now) {
        this.d.db.prepare('UPDATE outbox_jobs SET done = 1 WHERE fax_id = ?').run(id);
        this.setState(id, 'failed', null, scheduleMissedInTrash(fax.send_at ?? 0));
        this.d.faxes.audit('send', fax.org_id, id, 'restored after its scheduled time: not sent');
      } else if (fax.route === 'pstn' && fax.state !== 'scheduled') {
        this.d.pstn?.resumeRestored(id);
      } else if ((ACTIVE_STATES as string[]).includes(fax.state)) {
        this.d.db.prepare('UPDATE outbox_jobs SET next_attempt_at = 0 WHERE fax_id = ? AND done = 0 AND held_json IS NULL').run(id);
      }
    }
    this.d.emit({ type: 'faxes.changed' });
    // Re-arms the loop for what came back (a scheduled fax's time, an active job now).
    return this.kick();
  }

  /**
   * Faxes just moved to the Trash: deleting an outgoing fax means "stop this one", so an upload
   * of one of them that is running now is cut off (the relay keeps nothing of a cut upload).
   * The fax waits in the Trash as it was, queued: restoring it sends it (resumeRestored).
   */
  stopDeleted(faxIds: readonly FaxId[]): void {
    for (const id of faxIds) this.sending.get(id)?.abort();
  }

  /** A scheduled fax goes now rather than at its time. */
  sendNow(faxId: FaxId): Promise<void> {
    const fax = this.scheduledRow(faxId, 'sent now');
    this.d.db.prepare('UPDATE outbox_jobs SET next_attempt_at = 0 WHERE fax_id = ?').run(faxId);
    this.d.faxes.audit('send', fax.org_id, faxId, 'scheduled fax sent now by the user');
    this.setState(faxId, 'queued', null, null);
    return this.kick();
  }

  /**
   * A scheduled fax is not sent after all. Nothing was sealed or uploaded yet; it goes to the
   * Trash marked as cancelled (restoring it does not send it). Returns the Trash's undo token.
   */
  cancelScheduled(faxId: FaxId): string {
    const fax = this.scheduledRow(faxId, 'cancelled');
    this.d.db.transaction(() => {
      this.d.db.prepare('UPDATE outbox_jobs SET done = 1 WHERE fax_id = ?').run(faxId);
      this.d.faxes.update(faxId, { state: 'failed', failure: CANCELLED_BEFORE_SENDING, progress: null });
    })();
    const token = this.d.faxes.softDelete([faxId], 'scheduled fax cancelled');
    this.emitState(faxId, 'failed', null, CANCELLED_BEFORE_SENDING);
    this.d.faxes.audit('send', fax.org_id, faxId, 'scheduled fax cancelled before sending');
    this.d.emit({ type: 'faxes.changed' });
    return token;
  }

  private scheduledRow(faxId: FaxId, action: string): ReturnType<OutboxDeps['faxes']['row']> {
    const fax = this.d.faxes.row(faxId);
    if (fax.direction !== 'out' || fax.state !== 'scheduled') {
      throw new DeskError('send.not_scheduled', 'This fax is not waiting for a later time any more: it is already on its way (or done), so it cannot be changed here.', {
        detail: `${faxId} is ${fax.state}, not ${action}`,
      });
    }
    return fax;
  }

  /** Retry a failed fax now (same message id if it was already sealed). */
  retryNow(faxId: FaxId): void {
    this.d.db.prepare('UPDATE outbox_jobs SET done = 0, next_attempt_at = 0 WHERE fax_id = ?').run(faxId);
    this.setState(faxId, 'queued', null, null);
    void this.kick();
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Run every due job now; resolves when the queue is idle (or only has future work). */
  kick(): Promise<void> {
    return this.loop.kick();
  }

  /** Ask the relay about every sent-but-not-delivered fax (polling mode, and at start). */
  async checkDeliveries(): Promise<void> {
    const rows = this.d.db.prepare("SELECT j.fax_id, j.org_id FROM outbox_jobs j JOIN faxes f ON f.id = j.fax_id WHERE j.done = 0 AND f.state = 'sent'").all() as { fax_id: FaxId; org_id: OrgId }[];
    for (const r of rows) {
      if (this.loop.stopped) return;
      try {
        const client = await this.d.clients.forOrg(r.org_id);
        if (!(await client.hasExtension('message-status'))) continue;
        const st = await client.status(messageIdOfSentFax(r.fax_id));
        if (st.status === 'delivered' && st.receipt) await this.acceptReceipt(r.fax_id, st.receipt);
      } catch (e) {
        this.d.log?.(`delivery check ${r.fax_id}: ${errorDetail(e)}`);
      }
    }
  }

  /** A receipt from a message.delivered webhook or the status endpoint. */
  async acceptReceipt(faxId: FaxId, receipt: Receipt): Promise<boolean> {
    const fax = this.d.faxes.row(faxId, true);
    if (fax.state === 'delivered') return true;
    if (fax.direction !== 'out' || !fax.recipient_org_id || !fax.ciphertext_sha256) return false;
    try {
      if (receipt.message_id !== faxId || receipt.ciphertext_sha256 !== fax.ciphertext_sha256) {
        throw new DeskError('receipt.mismatch', 'The delivery receipt does not match this fax.', { detail: `receipt for ${receipt.message_id}` });
      }
      const client = await this.d.clients.forOrg(fax.org_id);
      const bundle = await client.keyBundle(receipt.recipient_bundle_id);
      const signer = await this.d.pins.receiptKey(asOrgId(fax.recipient_org_id), bundle);
      verifyReceipt(receipt, { recipientOrgId: fax.recipient_org_id, recipientBundleEd25519Pub: signer, backend: this.d.backend });
      const view: DeliveryReceiptView = {
        messageId: messageIdOfSentFax(faxId), recipientOrgId: fax.recipient_org_id, recipientBundleId: receipt.recipient_bundle_id,
        ciphertextSha256: receipt.ciphertext_sha256, signedAt: receipt.signed_at, verified: true, signatureB64u: receipt.recipient_sig,
      };
      this.d.db.transaction(() => {
        this.d.faxes.update(faxId, { state: 'delivered', receipt: view, failure: null, progress: null });
        this.d.db.prepare('UPDATE outbox_jobs SET done = 1 WHERE fax_id = ?').run(faxId);
        this.d.faxes.audit('delivered', fax.org_id, faxId, `receipt signed ${receipt.signed_at} by ${receipt.recipient_bundle_id}`);
      })();
      this.emitState(faxId, 'delivered', null, null);
      this.d.emit({ type: 'faxes.changed' });
      return true;
    } catch (e) {
      this.d.log?.(`receipt for ${faxId} rejected: ${errorDetail(e)}`);
      this.d.faxes.audit('reject', fax.org_id, faxId, `receipt rejected: ${errorDetail(e)}`);
      return false;
    }
  }

  // --- the worker ----------------------------------------------------------------------

  private dueJob(): JobRow | undefined {
    return this.d.db.prepare(
      `SELECT j.* FROM outbox_jobs j JOIN faxes f ON f.id = j.fax_id
       WHERE j.done = 0 AND f.state IN (${DUE_STATES.map(() => '?').join(',')}) AND f.deleted_at IS NULL AND j.next_attempt_at <= ?
       ORDER BY j.next_attempt_at, f.at LIMIT 1`,
    ).get(...DUE_STATES, this.d.nowMs()) as JobRow | undefined;
  }

  private nextDueAt(): number | null {
    const next = this.d.db.prepare(
      `SELECT min(j.next_attempt_at) AS t FROM outbox_jobs j JOIN faxes f ON f.id = j.fax_id WHERE j.done = 0 AND f.deleted_at IS NULL AND f.state IN (${DUE_STATES.map(() => '?').join(',')})`,
    ).get(...DUE_STATES) as { t: number | null };
    return next.t;
  }

  private async process(job: JobRow): Promise<void> {
    const id = job.fax_id;
    const fax = this.d.faxes.row(id, true);
    if (fax.state === 'scheduled') this.d.faxes.audit('send', job.org_id, id, 'scheduled time reached');
    if (fax.route === 'pstn') {
      // Only a scheduled fax the user already agreed to send over the phone network has a job
      // here: its time has come, so it goes to the phone-network lane like any other.
      this.d.db.prepare('UPDATE outbox_jobs SET done = 1 WHERE fax_id = ?').run(id);
      if (this.d.pstn) this.d.pstn.enqueue(id);
      else this.setState(id, 'needs-pstn', null, { code: 'pstn.not_configured', message: 'Sending over the phone network is not set up yet. Configure a PSTN provider in Settings.' });
      this.d.emit({ type: 'faxes.changed' });
      return;
    }
    const stop = new AbortController();
    this.sending.set(id, stop);
    try {
      const client = await this.d.clients.forOrg(job.org_id);
      let envelopeJson = job.envelope_json;
      let spool = job.ciphertext_file;
      if (!envelopeJson || !spool || !existsSync(spool)) {
        const lookup = (await this.lookedUpAhead(id)) ?? (await client.lookup(fax.to_number));
        // A scheduled fax may have been cancelled while the relay answered: then it stays unsent.
        if (this.cancelledMeanwhile(id)) return;
        const verified = keysFromLookup(lookup, undefined, this.d.backend);
        const decision = await this.d.pins.check(verified, fax.to_number);
        if (decision.kind === 'changed') {
          const held = keyChangeWarning(decision);
          this.d.db.prepare('UPDATE outbox_jobs SET held_json = ?, held_recipient_org_id = ? WHERE fax_id = ?').run(JSON.stringify(held), held.recipientOrgId, id);
          const moved = decision.previousOrgId !== null;
          this.d.faxes.audit('key-change', job.org_id, id, moved
            ? `${fax.to_number} moved from ${decision.previousOrgId ?? '?'} to ${decision.orgId} (${decision.newFingerprint})`
            : `${decision.orgId}: ${decision.previousFingerprint} → ${decision.newFingerprint}`);
          this.setState(id, 'held-key-change', null, {
            code: 'recipient.key_changed',
            message: moved
              ? `The number ${fax.to_number} is now answered by a different organisation than before. Confirm with the recipient (for example by phone) that this is really them before this fax is sent.`
              : "The recipient's security keys have changed. Confirm the new keys with them (for example by phone) before this fax is sent.",
            detail: `${decision.previousOrgId ? `${decision.previousOrgId} → ${decision.orgId}: ` : ''}${decision.previousFingerprint} → ${decision.newFingerprint}`,
          });
          return;
        }
        this.setState(id, 'encrypting', null, null, { relaxed: true });
        const keys = await this.d.orgs.keys(job.org_id);
        const blobId = fax.blob_id ?? '';
        const blobKey = fax.blob_key ?? new Uint8Array(0);
        spool = join(this.d.spoolDir, `${id}.ct`);
        // Sealed straight out of the encrypted blob store into the spool file, 1 MiB at a
        // time: the PDF is never whole in memory nor in plaintext on disk. The ciphertext is
        // what the relay sees anyway; keeping it (fsynced) lets a retry resend the identical
        // message instead of sealing a second, different one.
        const sealStart = performance.now();
        const { envelope, size } = await sealStreamToFile({
          source: this.d.blobs.readChunks(blobId, blobKey), plaintextSize: this.d.blobs.plaintextSize(blobId), outputPath: spool,
          senderOrgId: keys.credentials.org_id, senderBundleId: keys.credentials.bundle_id, senderBundleSeed: keys.bundleSeed,
          recipientOrgId: verified.orgId, recipientBundles: verified.bundles, fromNumber: fax.from_number, fromName: job.from_name,
          toNumber: fax.to_number, metadata: { filename: fax.file_name, content_type: 'application/pdf' },
          createdAt: Math.floor(this.d.nowMs() / 1000), messageId: id, backend: this.d.backend,
          // Not fsynced (two fsyncs off every send): uploadFile checks the spool against the
          // envelope's hash first, and a spool a power cut damaged is sealed again (below).
          durable: false,
        });
        const sealed = envelopeToJson(envelope);
        envelopeJson = sealed;
        this.sealedThisRun.add(id);
        // One commit (one flush) for the job and the fax row.
        const committing = performance.now();
        this.d.db.transaction(() => {
          this.d.db.prepare('UPDATE outbox_jobs SET envelope_json = ?, ciphertext_file = ?, recipient_org_id = ? WHERE fax_id = ?').run(sealed, spool, verified.orgId, id);
          this.d.faxes.update(id, { recipientOrgId: verified.orgId, ciphertextSha256: envelope.ciphertext_sha256 });
        })();
        // Where a send spends its time (diagnostics and `npm run bench`): no secrets in it.
        this.d.log?.(`outbox ${id}: ${size} bytes sealed in ${(committing - sealStart).toFixed(1)} ms, envelope committed (one fsync) in ${(performance.now() - committing).toFixed(1)} ms`);
      }
      // Deleted while it was being sealed: it waits in the Trash, sealed, for a restore.
      if (stop.signal.aborted || this.deletedMeanwhile(id)) throw new DeskError('relay.request_stopped', 'The fax was moved to the Trash before it was sent.', { detail: `${id} deleted` });
      this.setState(id, 'uploading', 0, null, { relaxed: true });
      let lastShown = 0;
      const expectedSha256 = this.sealedThisRun.has(id) ? undefined : (JSON.parse(envelopeJson) as { ciphertext_sha256?: unknown }).ciphertext_sha256;
      let result: Awaited<ReturnType<typeof client.uploadFile>>;
      try {
        result = await client.uploadFile(envelopeJson, messageIdOfSentFax(id), spool, (sent, total) => {
          const p = total > 0 ? sent / total : 1;
          if (p - lastShown >= 0.05 || p >= 1) {
            lastShown = p;
            relaxedCommit(this.d.db, () => this.d.faxes.update(id, { progress: p }));
            this.emitState(id, 'uploading', p, null);
          }
        }, typeof expectedSha256 === 'string' ? expectedSha256 : undefined, stop.signal);
      } catch (e) {
        if (e instanceof DeskError && e.code === 'outbox.spool_damaged') {
          // Forget the damaged copy: the retry seals the fax again (same message id).
          this.d.log?.(`outbox ${id}: ${e.detail ?? e.message}; sealing it again`);
          try { unlinkSync(spool); } catch { /* already gone */ }
          this.d.db.prepare('UPDATE outbox_jobs SET envelope_json = NULL, ciphertext_file = NULL WHERE fax_id = ?').run(id);
        }
        throw e;
      }
      // A relay without delivery status never proves delivery: say so instead of "sent" forever.
      const proof = (await client.hasExtension('message-status').catch(() => true)) || (await client.hasExtension('webhook-endpoints').catch(() => true));
      // One commit for the attempt, the state and the audit line.
      this.d.db.transaction(() => {
        this.d.db.prepare('UPDATE outbox_jobs SET attempts = attempts + 1 WHERE fax_id = ?').run(id);
        this.setState(id, 'sent', null, proof ? null : NO_DELIVERY_PROOF);
        this.d.faxes.audit('send', job.org_id, id, result.alreadyUploaded ? 'uploaded (relay already had it)' : 'uploaded');
      })();
      try { unlinkSync(spool); } catch { /* already gone */ }
      this.sealedThisRun.delete(id);
      this.d.emit({ type: 'faxes.changed' });
    } catch (e) {
      if (e instanceof DeskError && e.code === 'relay.request_stopped') {
        // Stopped because it went to the Trash: not a failure. It stays queued there, and
        // nothing takes it from the Trash; a restore sends it (the same message id).
        this.d.log?.(`outbox ${id}: moved to the Trash while sending; upload stopped`);
        this.d.faxes.audit('send', job.org_id, id, 'upload stopped: the fax was moved to the Trash');
        this.setState(id, 'queued', null, null);
        return;
      }
      this.onFailure(job, e);
    } finally {
      this.sending.delete(id);
    }
  }

  private deletedMeanwhile(id: FaxId): boolean {
    return this.d.faxes.row(id, true).deleted_at !== null;
  }

  private cancelledMeanwhile(id: FaxId): boolean {
    const job = this.d.db.prepare('SELECT done FROM outbox_jobs WHERE fax_id = ?').get(id) as { done: number } | undefined;
    return job?.done === 1;
  }

  private onFailure(job: JobRow, e: unknown): void {
    const id = job.fax_id;
    const err = toUserError(e);
    if (e instanceof DeskError && e.code === RelayErrorCodes.notOnFxe) {
      this.d.db.prepare('UPDATE outbox_jobs SET done = 1 WHERE fax_id = ?').run(id);
      this.setState(id, 'needs-pstn', null, err);
      return;
    }
    if (e instanceof DeskError && e.retryable) {
      const attempts = job.attempts + 1;
      const delay = halfJitter(exponentialDelayMs(attempts - 1, this.d.retryBaseMs ?? 2_000, this.d.retryCapMs ?? 5 * 60_000));
      this.d.db.prepare('UPDATE outbox_jobs SET attempts = ?, next_attempt_at = ? WHERE fax_id = ?').run(attempts, Math.round(this.d.nowMs() + delay), id);
      this.d.log?.(`outbox ${id}: retry in ${Math.round(delay)} ms: ${err.detail ?? err.message}`);
      this.setState(id, 'queued', null, err);
      return;
    }
    this.d.db.prepare('UPDATE outbox_jobs SET done = 1 WHERE fax_id = ?').run(id);
    // A failed job is never retried (resend makes a new message): its sealed copy in the
    // spool would only linger. The row in hand may predate this attempt's sealing, so ask.
    const spooled = this.d.db.prepare('SELECT ciphertext_file FROM outbox_jobs WHERE fax_id = ?').get(id) as { ciphertext_file: string | null } | undefined;
    if (spooled?.ciphertext_file) { try { unlinkSync(spooled.ciphertext_file); } catch { /* already gone */ } }
    this.d.faxes.audit('send', job.org_id, id, `failed: ${err.code}`);
    this.setState(id, 'failed', null, err);
  }

  /** `relaxed`: a state only the screen needs (see relaxedCommit); the job's own steps stay durable. */
  private setState(id: FaxId, state: OutboxState, progress: number | null, error: UserError | null, opts: { relaxed?: boolean } = {}): void {
    if (opts.relaxed) relaxedCommit(this.d.db, () => this.d.faxes.update(id, { state, progress, failure: error }));
    else this.d.faxes.update(id, { state, progress, failure: error });
    this.emitState(id, state, progress, error);
  }

  private emitState(id: FaxId, state: OutboxState, progress: number | null, error: UserError | null): void {
    this.d.emit({ type: 'outbox.changed', id, state, progress, error });
  }
}

/** Why a fax held for a key change was not sent after all. */
export function keepBlockedReason(peerOrgId: OrgId): UserError {
  return {
    code: 'recipient.keys_blocked',
    message: "Not sent: the recipient's new security keys were not accepted. Once they are confirmed (for example by phone) and accepted under Key changes, send it again.",
    detail: `kept blocked: ${peerOrgId}`,
  };
}

/** What the user is shown (and confirms) for a held change of keys or of a number's owner. */
export function keyChangeWarning(d: Extract<TrustDecision, { kind: 'changed' }>): KeyChangeWarning {
  return {
    recipientOrgId: d.orgId, previousFingerprint: d.previousFingerprint, newFingerprint: d.newFingerprint,
    ...(d.previousOrgId !== null ? { previousOrgId: d.previousOrgId } : {}),
  };
}
