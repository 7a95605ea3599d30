/**
 * The shared outbox's phone-network (PSTN) lane: the office's counterpart of a single desk's
 * PstnOutbox, with the job in PostgreSQL (`fxe.pstn_jobs`, PG migration 009) so that any desk
 * set up with the same provider can take it on:
 *
 *   queued ─(one desk claims, submits under the fax id)→ sent ─(status: polled, or a webhook
 *   reaching any desk)→ delivered | failed        retried later on 429 / 5xx, as on one desk
 *
 * - The fax row (route 'pstn') and its body, encrypted under the office key, are written once
 *   by the desk that queues it; the claiming desk opens the body and hands it to its provider.
 *   A fax over the phone network is not end-to-end encrypted: the provider reads it anyway.
 * - One desk at a time holds a job: `FOR UPDATE SKIP LOCKED` plus a lease renewed while it
 *   works. The fax id is the idempotency key of every submission, so if a desk dies after the
 *   provider took the fax but before the provider's fax id is recorded, the next desk's
 *   submission is answered with the fax already there (mintfax's Idempotency-Key). Telnyx
 *   has no such header: its key → fax id record is in the submitting desk's own database, so
 *   that one window is as on a single desk that crashes there (docs/office.md says so).
 * - Credentials stay in each desk's vault and inside its adapter; the office database holds
 *   the provider's name, its fax id and its last status, never a key.
 * - Deleting the fax stops it (no desk claims a job of a fax in the Trash); restoring it lets
 *   it go on (resumeRestoredOfficeFaxes).
 */
import type pg from 'pg';
import { asFaxId, type FaxId, type OrgId } from '../../../shared/domain/ids.ts';
import type { OutboxState, PstnProviderName, UserError } from '../../../shared/domain/types.ts';
import { uuid4 } from '../../../shared/protocol/index.ts';
import { exponentialDelayMs } from '../backoff.ts';
import { DeskError, errorDetail, toUserError } from '../errors.ts';
import { checkPdfStructure } from '../outbox/pdf-check.ts';
import { NOT_CONFIGURED, pstnFailure } from '../outbox/pstn-outbox.ts';
import { fileTooLargeError } from '../pstn/errors.ts';
import { isPstnError, mapToOutboxState, PSTN_PROVIDER_LABELS, type PstnProvider, type PstnStatus } from '../pstn/provider.ts';
import { blobBelongsTo, insertOfficeFax } from './office-inbox.ts';
import { assertFromIsOrgs, type OfficeSendDeps, type OfficeSendRequest } from './office-outbox.ts';
import type { Office } from './office.ts';

/** What a desk lends the office's phone lane: its own provider settings. */
export interface OfficePstnLane {
  /** This desk's provider adapter (credentials from this desk's vault), or null when it has none. */
  provider(): PstnProvider | null;
  /** The caller ID of this desk's provider settings; '' sends from the fax number chosen. */
  callerId(): string;
  /** Where the provider should post status events for a fax this desk submits (null: polling only). */
  webhookUrlFor?(provider: PstnProviderName): string | null;
}

const DEFAULT_POLL_BASE_MS = 3_000;
const DEFAULT_POLL_CAP_MS = 60_000;
const DEFAULT_RETRY_BASE_MS = 5_000;
const DEFAULT_RETRY_CAP_MS = 10 * 60_000;

/**
 * Where a fax goes, as the desk that queued it decided: sealed like a body (office key, bound to
 * the fax id through its blob id), so that the database's operator, who can change every plain
 * column, cannot make a desk open a body and fax it to another number. The sending desk uses
 * this, not the fax row's columns.
 */
interface PstnOrder {
  v: 1;
  faxId: FaxId;
  to: string;
  from: string;
  fileName: string;
  /** The body's blob id (one of this fax's). */
  body: string;
}

async function writeOrder(c: pg.ClientBase, office: Office, order: PstnOrder): Promise<string> {
  return office.writeBlob(c, order.faxId, new TextEncoder().encode(JSON.stringify(order)));
}

function orderRefused(faxId: FaxId, why: string): DeskError {
  return new DeskError('office.pstn_order_invalid',
    'This fax was not sent over the phone network: where it should go was changed in the office database, outside fxe Desk. Check the fax and send it again.',
    { detail: `fax ${faxId}: ${why}` });
}

async function readOrder(office: Office, faxId: FaxId, orderBlobId: string): Promise<PstnOrder> {
  if (!blobBelongsTo(orderBlobId, faxId)) throw orderRefused(faxId, `order ${orderBlobId} is not this fax's`);
  const bytes = await office.readBlob(orderBlobId);
  let o: Partial<PstnOrder>;
  try {
    o = JSON.parse(new TextDecoder().decode(bytes)) as Partial<PstnOrder>;
  } catch {
    throw orderRefused(faxId, 'order unreadable');
  } finally {
    bytes.fill(0);
  }
  if (o.v !== 1 || o.faxId !== faxId || typeof o.to !== 'string' || typeof o.from !== 'string' || typeof o.fileName !== 'string'
    || typeof o.body !== 'string' || !blobBelongsTo(o.body, faxId)) {
    throw orderRefused(faxId, 'order does not match the fax');
  }
  return o as PstnOrder;
}

function tooLarge(provider: PstnProvider, sizeBytes: number): DeskError {
  return fileTooLargeError(PSTN_PROVIDER_LABELS[provider.name], sizeBytes, provider.maxFileBytes);
}

/**
 * The person at this desk chose the phone network for this fax (the send prompt, a group
 * member not on fxe): the fax row, its body and its job in one transaction. Without a provider
 * on this desk the fax waits in needs-pstn, saying so; any desk with one can then send it
 * (sendParkedOfficeFaxOverPstn). Too large for this desk's provider: refused before anything is stored.
 */
export async function queueOfficePstnSend(office: Office, deps: Pick<OfficeSendDeps, 'orgs'> & { pstn: OfficePstnLane }, req: OfficeSendRequest): Promise<{ id: FaxId }> {
  assertFromIsOrgs(deps.orgs, req);
  checkPdfStructure(req.pdf);
  const provider = deps.pstn.provider();
  if (provider && req.pdf.length > provider.maxFileBytes) throw tooLarge(provider, req.pdf.length);
  const id = asFaxId(uuid4());
  const now = office.nowMs();
  const sendAt = provider && req.sendAt !== null && req.sendAt !== undefined && req.sendAt > now ? Math.round(req.sendAt) : null;
  const callerId = provider ? deps.pstn.callerId() : '';
  const state: OutboxState = !provider ? 'needs-pstn' : sendAt !== null ? 'scheduled' : 'queued';
  await office.tx(async (c) => {
    const blobId = await office.writeBlob(c, id, req.pdf);
    await insertOfficeFax(c, office, {
      id, orgId: req.orgId, direction: 'out', route: 'pstn', messageId: null, peerNumber: req.to, peerName: null, fileName: req.fileName,
      subject: req.subject?.trim() ? req.subject.trim().slice(0, 200) : null, pages: req.pages ?? null, sizeBytes: req.pdf.length, at: now, state,
      senderOrgId: req.orgId, recipientOrgId: null, fromNumber: callerId || req.from, toNumber: req.to, ciphertextSha256: null, metadataJson: null, blobId,
    });
    if (!provider) {
      await c.query('UPDATE fxe.faxes SET failure_json = $2 WHERE id = $1', [id, JSON.stringify(NOT_CONFIGURED)]);
      await office.audit(c, 'send', id, `queued to ${req.to} for the phone network (${req.pdf.length} bytes); this desk has no fax provider set up`);
      return;
    }
    const order = await writeOrder(c, office, { v: 1, faxId: id, to: req.to, from: callerId || req.from, fileName: req.fileName, body: blobId });
    await c.query('INSERT INTO fxe.pstn_jobs (fax_id, org_id, provider, order_blob_id, send_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, req.orgId, provider.name, order, sendAt, sendAt ?? 0]);
    await office.audit(c, 'send', id, `PSTN: ${sendAt === null ? 'queued' : `scheduled for ${new Date(sendAt).toISOString()}`} to ${req.to} through ${PSTN_PROVIDER_LABELS[provider.name]} (not end-to-end encrypted, ${req.pdf.length} bytes)`);
  }, 'queue phone-network fax');
  return { id };
}

/**
 * "Send over phone network…" on an office fax waiting in needs-pstn, at a desk with a provider:
 * the same fax (so the same idempotency key at the provider) gets its job. Anything else is
 * already on its way or done, and is refused rather than faxed twice.
 */
export async function sendParkedOfficeFaxOverPstn(office: Office, pstn: OfficePstnLane, id: FaxId): Promise<void> {
  await office.tx(async (c) => {
    const fax = (await c.query<{ direction: string; state: string; org_id: OrgId; to_number: string; from_number: string; file_name: string; size_bytes: string; blob_id: string | null }>(
      'SELECT direction, state, org_id, to_number, from_number, file_name, size_bytes, blob_id FROM fxe.faxes WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [id])).rows[0];
    if (!fax) throw new DeskError('fax.not_found', 'That fax is no longer here.', { detail: `no fax ${id}` });
    if (fax.direction !== 'out') throw new DeskError('fax.not_sent', 'Only faxes you send can go over the phone network.', { detail: id });
    if (fax.state !== 'needs-pstn') throw new DeskError('pstn.not_waiting', 'This fax is not waiting to go over the phone network.', { detail: `${id} is ${fax.state}` });
    const provider = pstn.provider();
    if (!provider) throw new DeskError(NOT_CONFIGURED.code, NOT_CONFIGURED.message, { detail: 'no fax provider on this desk' });
    if (Number(fax.size_bytes) > provider.maxFileBytes) throw tooLarge(provider, Number(fax.size_bytes));
    if (!fax.blob_id || !blobBelongsTo(fax.blob_id, id)) throw new DeskError('office.blob_missing', 'The fax body is missing from the office database.', { detail: `fax ${id}` });
    // The number and file shown to the person who confirmed: sealed into the order now.
    const from = pstn.callerId() || fax.from_number;
    const order = await writeOrder(c, office, { v: 1, faxId: id, to: fax.to_number, from, fileName: fax.file_name, body: fax.blob_id });
    await c.query("UPDATE fxe.faxes SET route = 'pstn', from_number = $2, state = 'queued', failure_json = NULL, updated_at = $3 WHERE id = $1",
      [id, from, office.nowMs()]);
    await c.query(`INSERT INTO fxe.pstn_jobs (fax_id, org_id, provider, order_blob_id, next_attempt_at) VALUES ($1, $2, $3, $4, 0)
      ON CONFLICT (fax_id) DO NOTHING`, [id, fax.org_id, provider.name, order]);
    await office.audit(c, 'send', id, `PSTN: confirmed sending to ${fax.to_number} through ${PSTN_PROVIDER_LABELS[provider.name]} (not end-to-end encrypted)`);
  }, 'send over the phone network');
}

interface JobRow {
  fax_id: FaxId;
  org_id: OrgId;
  provider: PstnProviderName;
  provider_fax_id: string | null;
  provider_state: string | null;
  submit_attempts: number;
  polls: number;
}

interface ClaimedJob extends JobRow {
  order_blob_id: string;
  state: string;
}

interface Timing {
  pollBaseMs: number;
  pollCapMs: number;
}

/**
 * A status from the provider (its answer to the submission, a poll, or a webhook), onto the
 * shared row inside `c`. A final answer stays final: a late "sending" never undoes "delivered".
 */
async function applyStatus(c: pg.ClientBase, office: Office, job: JobRow, providerFaxId: string, status: PstnStatus, t: Timing): Promise<void> {
  const fax = (await c.query<{ state: string }>('SELECT state FROM fxe.faxes WHERE id = $1 FOR UPDATE', [job.fax_id])).rows[0];
  if (!fax) return;
  if (fax.state === 'delivered' || fax.state === 'failed') {
    await c.query('UPDATE fxe.pstn_jobs SET done = true, claimed_by = NULL, lease_until = NULL WHERE fax_id = $1', [job.fax_id]);
    return;
  }
  const state = mapToOutboxState(status);
  const final = state === 'delivered' || state === 'failed';
  const nextPoll = Math.round(office.nowMs() + exponentialDelayMs(job.polls, t.pollBaseMs, t.pollCapMs));
  await c.query(`UPDATE fxe.pstn_jobs SET provider_state = $2, done = $3, claimed_by = NULL, lease_until = NULL,
      polls = polls + (CASE WHEN $3 THEN 0 ELSE 1 END), next_attempt_at = $4 WHERE fax_id = $1`, [job.fax_id, status.providerState, final, nextPoll]);
  if (fax.state !== state || job.provider_state !== status.providerState || final) {
    // The row's own update is what the other desks hear (the change feed), the provider's word included.
    const failure = status.state === 'failed' ? pstnFailure(job.provider, status) : null;
    await c.query("UPDATE fxe.faxes SET state = $2, failure_json = $3, progress = NULL, updated_at = $4 WHERE id = $1 AND direction = 'out'",
      [job.fax_id, state, failure ? JSON.stringify(failure) : null, office.nowMs()]);
  }
  if (final) {
    await office.audit(c, state === 'delivered' ? 'delivered' : 'send', job.fax_id,
      `PSTN: ${PSTN_PROVIDER_LABELS[job.provider]} fax ${providerFaxId} ${status.providerState}${status.providerFailureCode ? ` (${status.providerFailureCode})` : ''}`);
  }
}

/**
 * A provider's status event that reached this desk (verified by its adapter) about a fax of the
 * shared outbox, whichever desk submitted it. False when no open job has that provider fax id.
 */
export async function applyOfficePstnStatus(office: Office, provider: PstnProviderName, providerFaxId: string, status: PstnStatus, t: Partial<Timing> = {}): Promise<boolean> {
  return office.tx(async (c) => {
    await lockProviderFax(c, provider, providerFaxId);
    const job = (await c.query<JobRow & { done: boolean }>('SELECT * FROM fxe.pstn_jobs WHERE provider = $1 AND provider_fax_id = $2 FOR UPDATE', [provider, providerFaxId])).rows[0];
    if (!job) {
      // Perhaps the answer to a submission a desk is recording right now: kept until it is
      // (recordSubmission applies it), or forgotten after a day if no fax of the office has that id.
      await c.query('DELETE FROM fxe.pstn_events WHERE received_at < $1', [office.nowMs() - EARLY_EVENTS_KEPT_MS]);
      await c.query('INSERT INTO fxe.pstn_events (provider, provider_fax_id, status_json, received_at) VALUES ($1, $2, $3, $4)',
        [provider, providerFaxId, JSON.stringify(status), office.nowMs()]);
      return false;
    }
    if (job.done) return true;
    await applyStatus(c, office, job, providerFaxId, status, { pollBaseMs: t.pollBaseMs ?? DEFAULT_POLL_BASE_MS, pollCapMs: t.pollCapMs ?? DEFAULT_POLL_CAP_MS });
    return true;
  }, 'phone-network status');
}

/**
 * An event arriving while the submission is being recorded: whichever transaction comes second
 * must see what the first one wrote (the job's provider fax id, or the kept event), so both
 * take this lock first.
 */
async function lockProviderFax(c: pg.ClientBase, provider: PstnProviderName, providerFaxId: string): Promise<void> {
  await c.query("SELECT pg_advisory_xact_lock(hashtext('fxe.pstn:' || $1 || ':' || $2))", [provider, providerFaxId]);
}

/** How long a status event about a fax id no job has yet is kept for the submission it may belong to. */
const EARLY_EVENTS_KEPT_MS = 24 * 60 * 60_000;

/**
 * Inside `c`: the provider took the fax as `providerFaxId`; its answer's status, then any event
 * that came first (arrival order; a final one stays final), onto the job and the fax.
 */
async function recordSubmission(c: pg.ClientBase, office: Office, job: JobRow, providerFaxId: string, status: PstnStatus, t: Timing): Promise<void> {
  await lockProviderFax(c, job.provider, providerFaxId);
  const recorded = await c.query(`UPDATE fxe.pstn_jobs SET provider_fax_id = $2, submit_attempts = submit_attempts + 1, polls = 0, submitted_by = $3, last_error = NULL
    WHERE fax_id = $1 AND provider_fax_id IS NULL`, [job.fax_id, providerFaxId, office.desk.deskId]);
  if (recorded.rowCount) await office.audit(c, 'send', job.fax_id, `PSTN: ${PSTN_PROVIDER_LABELS[job.provider]} accepted it as ${providerFaxId} (${status.providerState})`);
  const early = (await c.query<{ seq: string; status_json: string }>('DELETE FROM fxe.pstn_events WHERE provider = $1 AND provider_fax_id = $2 RETURNING seq, status_json', [job.provider, providerFaxId]))
    .rows.sort((x, y) => Number(x.seq) - Number(y.seq));
  let current: JobRow = { ...job, polls: 0 };
  for (const s of [status, ...early.map((e) => JSON.parse(e.status_json) as PstnStatus)]) {
    await applyStatus(c, office, current, providerFaxId, s, t);
    current = { ...current, provider_state: s.providerState, polls: current.polls + 1 };
  }
}

export interface OfficePstnSenderOptions {
  pstn: OfficePstnLane;
  /** How long a claim holds without renewal (default 60 s); renewed every third of it while working. */
  leaseMs?: number;
  /** How often an idle sender looks for work (default 1 s). */
  idleMs?: number;
  pollBaseMs?: number;
  pollCapMs?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Tests: called once the provider took the fax, before that is recorded (to die there). */
  afterSubmit?: (faxId: FaxId) => Promise<void> | void;
}

/** Claims phone-network jobs of this desk's provider, one at a time: submits them, then follows them to their end. */
export class OfficePstnSender {
  private readonly office: Office;
  private readonly o: OfficePstnSenderOptions;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Faxes this desk handed to its provider (tests). */
  submitted = 0;

  constructor(office: Office, o: OfficePstnSenderOptions) {
    this.office = office;
    this.o = o;
  }

  private get timing(): Timing {
    return { pollBaseMs: this.o.pollBaseMs ?? DEFAULT_POLL_BASE_MS, pollCapMs: this.o.pollCapMs ?? DEFAULT_POLL_CAP_MS };
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

  kick(): void {
    this.wake?.();
  }

  /** Runs claims until nothing is due (tests). */
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
        this.office.log(`office phone lane: ${errorDetail(e)}`);
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

  private async claim(provider: PstnProviderName): Promise<ClaimedJob | undefined> {
    const leaseMs = this.o.leaseMs ?? 60_000;
    // Not yet with the provider: the fax turns 'uploading' in the same statement (as the fxe
    // outbox's claim does), so "Send now" and "Cancel" see it claimed or not, never between.
    const r = await this.office.query<ClaimedJob>(
      `WITH claimed AS (
         UPDATE fxe.pstn_jobs j SET claimed_by = $1, lease_until = now() + $2 * interval '1 millisecond'
         WHERE j.fax_id = (
           SELECT q.fax_id FROM fxe.pstn_jobs q
           WHERE NOT q.done AND q.provider = $4 AND q.next_attempt_at <= $3 AND (q.lease_until IS NULL OR q.lease_until < now())
             -- An outgoing fax, not in the Trash (deleting it means "stop this one").
             AND EXISTS (SELECT 1 FROM fxe.faxes f WHERE f.id = q.fax_id AND f.direction = 'out' AND f.deleted_at IS NULL)
           ORDER BY q.next_attempt_at, q.fax_id
           FOR UPDATE OF q SKIP LOCKED LIMIT 1)
         RETURNING j.*),
       marked AS (
         UPDATE fxe.faxes f SET state = 'uploading', updated_at = $3
         FROM claimed WHERE f.id = claimed.fax_id AND claimed.provider_fax_id IS NULL AND f.state IN ('queued', 'scheduled'))
       SELECT claimed.*, f.state FROM claimed JOIN fxe.faxes f ON f.id = claimed.fax_id`,
      [this.office.desk.deskId, leaseMs, this.office.nowMs(), provider], 'claim phone-network job');
    return r.rows[0];
  }

  /** One claimed job taken one step further (submitted, or its status asked); false when nothing was due. */
  async sendOne(): Promise<boolean> {
    const provider = this.o.pstn.provider();
    if (!provider) return false;
    const job = await this.claim(provider.name);
    if (!job) return false;
    const leaseMs = this.o.leaseMs ?? 60_000;
    const renew = setInterval(() => {
      this.office.query("UPDATE fxe.pstn_jobs SET lease_until = now() + $3 * interval '1 millisecond' WHERE fax_id = $1 AND claimed_by = $2 AND NOT done",
        [job.fax_id, this.office.desk.deskId, leaseMs], 'renew phone-network claim').catch(() => undefined);
    }, Math.max(1_000, leaseMs / 3));
    renew.unref?.();
    try {
      if (job.state === 'delivered' || job.state === 'failed') {
        await this.office.query('UPDATE fxe.pstn_jobs SET done = true, claimed_by = NULL, lease_until = NULL WHERE fax_id = $1', [job.fax_id], 'end phone-network job');
      } else if (job.provider_fax_id === null) {
        await this.submit(job, provider);
      } else {
        await this.poll(job, provider, job.provider_fax_id);
      }
    } finally {
      clearInterval(renew);
    }
    return true;
  }

  private async submit(job: ClaimedJob, provider: PstnProvider): Promise<void> {
    let pdf: Buffer | null = null;
    try {
      const order = await readOrder(this.office, job.fax_id, job.order_blob_id);
      pdf = await this.office.readBlob(order.body);
      const webhookUrl = this.o.pstn.webhookUrlFor?.(provider.name) ?? null;
      const result = await provider.send({ fileName: order.fileName, pdf }, order.to, order.from, {
        idempotencyKey: job.fax_id, ...(webhookUrl ? { webhookUrl } : {}),
      });
      await this.o.afterSubmit?.(job.fax_id);
      this.submitted++;
      // Whoever records first: a desk that took over after this one's lease ran out submitted
      // under the same key, and the provider answered with this same fax.
      await this.office.tx((c) => recordSubmission(c, this.office, job, result.providerFaxId, result.status, this.timing), 'record phone-network submission');
    } catch (e) {
      await this.submitFailed(job, e);
    } finally {
      pdf?.fill(0);
    }
  }

  private async submitFailed(job: ClaimedJob, e: unknown): Promise<void> {
    const err = toUserError(e);
    const retryable = (e instanceof DeskError && e.retryable) || !(e instanceof DeskError);
    if (!retryable) {
      await this.fail(job, e);
      return;
    }
    const attempts = job.submit_attempts + 1;
    const asked = isPstnError(e) && e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : null;
    const delay = asked ?? exponentialDelayMs(attempts - 1, this.o.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, this.o.retryCapMs ?? DEFAULT_RETRY_CAP_MS);
    this.office.log(`office pstn ${job.fax_id}: retry in ${Math.round(delay)} ms: ${err.code}: ${err.detail ?? err.message}`);
    await this.release(job, async (c) => {
      await c.query('UPDATE fxe.pstn_jobs SET submit_attempts = $2, next_attempt_at = $3, last_error = $4 WHERE fax_id = $1',
        [job.fax_id, attempts, Math.round(this.office.nowMs() + delay), `${err.code}: ${err.detail ?? ''}`.slice(0, 2000)]);
      await this.setState(c, job.fax_id, 'queued', err);
    });
  }

  /** Failed for good before the provider took it: the job ends, the fax says why. */
  private async fail(job: ClaimedJob, e: unknown): Promise<void> {
    const err = toUserError(e);
    await this.release(job, async (c) => {
      await c.query('UPDATE fxe.pstn_jobs SET done = true, last_error = $2 WHERE fax_id = $1', [job.fax_id, `${err.code}: ${err.detail ?? ''}`.slice(0, 2000)]);
      await this.setState(c, job.fax_id, 'failed', err);
      await this.office.audit(c, 'send', job.fax_id, `PSTN: failed before the provider took it: ${err.code}${err.detail ? ` (${err.detail})` : ''}`);
    });
  }

  private async poll(job: ClaimedJob, provider: PstnProvider, providerFaxId: string): Promise<void> {
    let status: PstnStatus;
    try {
      status = await provider.status(providerFaxId);
    } catch (e) {
      // The fax is with the provider whatever went wrong here: keep asking, less often.
      this.office.log(`office pstn ${job.fax_id}: status check failed: ${errorDetail(e)}`);
      const next = Math.round(this.office.nowMs() + exponentialDelayMs(job.polls, this.timing.pollBaseMs, this.timing.pollCapMs));
      await this.release(job, async (c) => {
        await c.query('UPDATE fxe.pstn_jobs SET polls = polls + 1, next_attempt_at = $2 WHERE fax_id = $1', [job.fax_id, next]);
      });
      return;
    }
    await this.office.tx((c) => applyStatus(c, this.office, job, providerFaxId, status, this.timing), 'phone-network status');
  }

  /** Runs `work` and gives the claim back, in one transaction; a database that is gone lets the lease run out instead. */
  private async release(job: ClaimedJob, work: (c: pg.ClientBase) => Promise<void>): Promise<void> {
    try {
      await this.office.tx(async (c) => {
        await work(c);
        await c.query('UPDATE fxe.pstn_jobs SET claimed_by = NULL, lease_until = NULL WHERE fax_id = $1 AND claimed_by = $2', [job.fax_id, this.office.desk.deskId]);
      }, 'release phone-network job');
    } catch (again) {
      this.office.log(`office pstn ${job.fax_id}: could not record the outcome: ${errorDetail(again)}`);
    }
  }

  private async setState(c: pg.ClientBase, faxId: FaxId, state: OutboxState, failure: UserError | null): Promise<void> {
    await c.query("UPDATE fxe.faxes SET state = $2, failure_json = $3, updated_at = $4 WHERE id = $1 AND direction = 'out' AND state NOT IN ('sent', 'delivered', 'failed')",
      [faxId, state, failure ? JSON.stringify(failure) : null, this.office.nowMs()]);
  }
}
