/**
 * The outbox's phone-network lane. A fax the user chose to send over PSTN (the
 * prompt in the send dialog, or "send over the phone network" on an item in needs-pstn) is
 * handed to the configured provider and followed until the provider says how it ended:
 *
 *   needs-pstn ─(user confirms)→ queued → uploading → sent ─(provider status)→ delivered | failed
 *                                   ↖ retry later on 429 / 5xx (Retry-After honoured)
 *
 * - The outbox item id is the idempotency key of every submission, so a retry or a restart
 *   after a crash re-submits the same fax and the provider (mintfax: Idempotency-Key header;
 *   Telnyx: our SQLite record) answers with the fax it already has, never a second one.
 * - Provider `queued` / `sending` are our `sent` (see mapToOutboxState); the outcome comes by
 *   polling status() with backoff, or earlier through a provider webhook (handleWebhook).
 * - Every step is written to SQLite before the next starts, like the fxe lane.
 * Credentials stay in the vault and inside the adapter; nothing here logs or emits them.
 */
import type { FaxId } from '../../../shared/domain/ids.ts';
import type { IpcEvent } from '../../../shared/ipc/contract.ts';
import type { FaxDetail, OutboxState, PstnProviderName, UserError } from '../../../shared/domain/types.ts';
import { DeskError, errorDetail, toUserError } from '../errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import type { FaxRepository } from '../inbox/faxes.ts';
import type { RetryPolicy } from '../pstn/http.ts';
import {
  createPstnProvider, isPstnError, mapToOutboxState, PSTN_PROVIDER_LABELS, PstnError, WebhookDeduper,
  type FetchLike, type PstnProvider, type PstnStatus, type WebhookHeaders,
} from '../pstn/provider.ts';
import { fileTooLargeError } from '../pstn/errors.ts';
import { handlePstnWebhook } from '../pstn/webhook-http.ts';
import type { SettingsStore } from '../settings.ts';
import type { Vault } from '../vault/vault.ts';
import { exponentialDelayMs } from '../backoff.ts';
import { JobLoop } from './job-loop.ts';
import { configurePstn, loadPstnConfig } from './pstn-credentials.ts';
import { SqliteKeyValueStore, type PstnJobRow } from './pstn-store.ts';

export interface PstnOutboxDeps {
  db: Db;
  faxes: FaxRepository;
  blobs: BlobStore;
  vault: Vault;
  settings: SettingsStore;
  fetch: FetchLike;
  nowMs: () => number;
  emit: (e: IpcEvent) => void;
  log?: (line: string) => void;
  /** Where providers should post status events, when a webhook listener is reachable; else null (polling only). */
  webhookUrlFor?: (provider: PstnProviderName) => string | null;
  /** First wait before asking the provider for a status; doubles up to pollCapMs. */
  pollBaseMs?: number;
  pollCapMs?: number;
  /**
   * A genuine status event about a fax this desk's own outbox does not know: in an office, one
   * of the shared outbox's (any desk of the office may have submitted it).
   */
  onOtherFax?: (provider: PstnProviderName, providerFaxId: string, status: PstnStatus) => void;
  /** Backoff for submissions after retryable failures without a Retry-After. */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** The adapters' in-request retry rules (tests shorten them). */
  httpRetry?: Partial<RetryPolicy>;
}

const DEFAULT_POLL_BASE_MS = 3_000;
const DEFAULT_POLL_CAP_MS = 60_000;
const DEFAULT_RETRY_BASE_MS = 5_000;
const DEFAULT_RETRY_CAP_MS = 10 * 60_000;

/** Said on a phone-network fax when this desk has no provider (the office's lane says the same). */
export const NOT_CONFIGURED: UserError = {
  code: 'pstn.not_configured',
  message: 'Sending over the phone network is not set up yet. Add a fax provider in Settings, then send it again.',
};

export class PstnOutbox {
  private readonly d: PstnOutboxDeps;
  private readonly kv: SqliteKeyValueStore;
  private readonly deduper: WebhookDeduper;
  /** Built from the vault on first use; dropped when the settings change. */
  private provider: PstnProvider | null = null;
  private readonly loop: JobLoop<PstnJobRow>;

  constructor(deps: PstnOutboxDeps) {
    this.d = deps;
    this.loop = new JobLoop<PstnJobRow>({
      dueJob: () => this.dueJob(),
      process: (job) => this.process(job),
      nextDueAt: () => this.nextDueAt(),
      nowMs: deps.nowMs,
      minWaitMs: 20,
    });
    this.kv = new SqliteKeyValueStore(deps.db);
    this.deduper = new WebhookDeduper(this.kv);
  }

  // --- configuration --------------------------------------------------------------------

  /** settings.configurePstn: credentials into the vault, the adapter rebuilt on next use. */
  configure(req: { provider: PstnProviderName | null; fromNumber: string; credentials: Record<string, string> }): ReturnType<SettingsStore['get']> {
    const next = configurePstn(this.d.vault, this.d.settings, req, this.nowSeconds());
    this.provider = null;
    this.d.log?.(`pstn: provider ${req.provider ?? 'removed'}`);
    void this.kick();
    return next;
  }

  /** The provider the send prompt offers, or null when none is set up. */
  configuredProvider(): PstnProviderName | null {
    const st = this.d.settings.get().pstn;
    return st.configured ? st.provider : null;
  }

  /** This desk's provider adapter (its credentials stay inside), or null when none is set up; the office's phone lane sends through it. */
  adapter(): PstnProvider | null {
    return this.currentProvider();
  }

  /** The caller ID the provider settings give ('' : the fax number the fax is sent from). */
  callerId(): string {
    return this.d.settings.get().pstn.fromNumber;
  }

  /** Throws file_too_large when the PDF is over the configured provider's limit: checked before anything is stored or uploaded. */
  assertFits(sizeBytes: number): void {
    const provider = this.currentProvider();
    if (!provider) return;
    if (sizeBytes > provider.maxFileBytes) throw tooLarge(provider, sizeBytes);
  }

  // --- the lane's entry points ----------------------------------------------------------

  /**
   * The user confirmed sending this outgoing fax over the phone network. Without a provider the
   * item stays in needs-pstn and says so; otherwise it is queued for the provider.
   */
  enqueue(faxId: FaxId): void {
    const fax = this.d.faxes.row(faxId, true);
    if (fax.direction !== 'out') throw new DeskError('fax.not_sent', 'Only faxes you send can go over the phone network.', { detail: faxId });
    const provider = this.configuredProvider();
    if (!provider) {
      this.setState(faxId, 'needs-pstn', null, NOT_CONFIGURED, null);
      return;
    }
    const pdfSize = fax.size_bytes;
    const adapter = this.currentProvider();
    if (adapter && pdfSize > adapter.maxFileBytes) {
      this.setState(faxId, 'failed', null, toUserError(tooLarge(adapter, pdfSize)), null);
      return;
    }
    const callerId = this.d.settings.get().pstn.fromNumber;
    this.d.db.transaction(() => {
      // The fax now travels in the clear with the provider's caller ID: record both on the item.
      this.d.db.prepare("UPDATE faxes SET route = 'pstn', from_number = CASE WHEN ? = '' THEN from_number ELSE ? END WHERE id = ?").run(callerId, callerId, faxId);
      this.d.db.prepare(
        `INSERT INTO pstn_jobs (fax_id, org_id, provider, next_attempt_at) VALUES (?, ?, ?, 0)
         ON CONFLICT(fax_id) DO UPDATE SET done = 0, next_attempt_at = 0, provider = CASE WHEN provider_fax_id IS NULL THEN excluded.provider ELSE provider END`,
      ).run(faxId, fax.org_id, provider);
      this.d.faxes.audit('send', fax.org_id, faxId, `PSTN: user confirmed sending to ${fax.to_number} through ${PSTN_PROVIDER_LABELS[provider]} (not end-to-end encrypted)`);
    })();
    this.setState(faxId, 'queued', null, null, null);
    this.d.emit({ type: 'faxes.changed' });
    void this.kick();
  }

  /**
   * A provider webhook, raw as it arrived. Verified (signature, freshness, duplicate) by the
   * adapter; only an accepted event changes anything. Answer the provider with httpStatus.
   */
  handleWebhook(provider: PstnProviderName, headers: WebhookHeaders, rawBody: Uint8Array): { httpStatus: number; kind: string } {
    const adapter = this.currentProvider();
    if (!adapter || adapter.name !== provider) return { httpStatus: 404, kind: 'not_configured' };
    const outcome = handlePstnWebhook(adapter, headers, rawBody);
    if (outcome.kind !== 'accepted') {
      if (outcome.kind === 'rejected') this.d.log?.(`pstn webhook refused: ${outcome.code}: ${outcome.detail}`);
      return { httpStatus: outcome.httpStatus, kind: outcome.kind };
    }
    const { event } = outcome;
    if (event.providerFaxId && event.status) {
      const job = this.d.db.prepare('SELECT * FROM pstn_jobs WHERE provider = ? AND provider_fax_id = ?').get(provider, event.providerFaxId) as PstnJobRow | undefined;
      if (job && job.done === 0) this.applyStatus(job, event.providerFaxId, event.status);
      else if (!job) this.d.onOtherFax?.(provider, event.providerFaxId, event.status);
    }
    return { httpStatus: 200, kind: 'accepted' };
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Run every due submission and status check now; resolves when none is due. */
  kick(): Promise<void> {
    return this.loop.kick();
  }

  /**
   * A fax of this lane back from the Trash: while it was there its job was stopped (process()
   * ends the job of a deleted fax). One that was on its way (queued, uploading, or sent and
   * waiting for the provider's outcome) carries on: submitted under the same idempotency key
   * (the provider answers with the fax it already has), or its status asked again. A fax in
   * needs-pstn still waits for the user's go-ahead; delivered and failed ones stay as they are.
   */
  resumeRestored(faxId: FaxId): void {
    const fax = this.d.faxes.row(faxId, true);
    if (fax.deleted_at !== null || !['queued', 'uploading', 'sent'].includes(fax.state)) return;
    const changed = this.d.db.prepare('UPDATE pstn_jobs SET done = 0, next_attempt_at = 0 WHERE fax_id = ?').run(faxId).changes;
    if (changed === 0) return;
    this.d.faxes.audit('send', fax.org_id, faxId, 'PSTN: restored from the Trash, resumed');
    void this.kick();
  }

  /** Jobs not finished yet (tests and diagnostics). */
  pendingCount(): number {
    return (this.d.db.prepare('SELECT count(*) AS n FROM pstn_jobs WHERE done = 0').get() as { n: number }).n;
  }

  // --- the worker -------------------------------------------------------------------------

  private nowSeconds(): number {
    return Math.floor(this.d.nowMs() / 1000);
  }

  private currentProvider(): PstnProvider | null {
    if (this.provider) return this.provider;
    const config = loadPstnConfig(this.d.vault);
    if (!config) return null;
    this.provider = createPstnProvider(config, {
      fetch: this.d.fetch,
      idempotencyStore: this.kv,
      deduper: this.deduper,
      nowSeconds: () => this.nowSeconds(),
      ...(this.d.httpRetry ? { retry: this.d.httpRetry } : {}),
    });
    return this.provider;
  }

  private dueJob(): PstnJobRow | undefined {
    return this.d.db.prepare('SELECT * FROM pstn_jobs WHERE done = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 1').get(this.d.nowMs()) as PstnJobRow | undefined;
  }

  private nextDueAt(): number | null {
    return (this.d.db.prepare('SELECT min(next_attempt_at) AS t FROM pstn_jobs WHERE done = 0').get() as { t: number | null }).t;
  }

  private async process(job: PstnJobRow): Promise<void> {
    const fax = this.d.faxes.row(job.fax_id, true);
    if (fax.deleted_at !== null || fax.state === 'delivered' || fax.state === 'failed') {
      this.finish(job.fax_id);
      return;
    }
    const provider = this.currentProvider();
    if (!provider || provider.name !== job.provider) {
      // Settings changed under a job: it cannot continue with another provider's fax id.
      this.finish(job.fax_id);
      this.setState(job.fax_id, job.provider_fax_id ? 'failed' : 'needs-pstn', null, NOT_CONFIGURED, null);
      return;
    }
    if (job.provider_fax_id === null) await this.submit(job, provider, fax);
    else await this.poll(job, provider, job.provider_fax_id);
  }

  private async submit(job: PstnJobRow, provider: PstnProvider, fax: ReturnType<FaxRepository['row']>): Promise<void> {
    const id = job.fax_id;
    this.setState(id, 'uploading', null, null, null);
    const pdf = this.d.blobs.read(fax.blob_id ?? '', fax.blob_key ?? new Uint8Array(0));
    try {
      const webhookUrl = this.d.webhookUrlFor?.(provider.name) ?? null;
      const result = await provider.send({ fileName: fax.file_name, pdf }, fax.to_number, fax.from_number, {
        idempotencyKey: id,
        ...(webhookUrl ? { webhookUrl } : {}),
      });
      this.d.db.prepare('UPDATE pstn_jobs SET provider_fax_id = ?, submit_attempts = submit_attempts + 1, polls = 0 WHERE fax_id = ?').run(result.providerFaxId, id);
      this.d.faxes.audit('send', job.org_id, id, `PSTN: ${PSTN_PROVIDER_LABELS[provider.name]} accepted it as ${result.providerFaxId} (${result.status.providerState})`);
      const updated = this.d.db.prepare('SELECT * FROM pstn_jobs WHERE fax_id = ?').get(id) as PstnJobRow;
      this.applyStatus(updated, result.providerFaxId, result.status);
    } catch (e) {
      this.onSubmitFailure(job, e);
    } finally {
      pdf.fill(0);
    }
  }

  private onSubmitFailure(job: PstnJobRow, e: unknown): void {
    const id = job.fax_id;
    const err = toUserError(e);
    const retryable = (e instanceof DeskError && e.retryable) || !(e instanceof DeskError);
    if (retryable) {
      const attempts = job.submit_attempts + 1;
      const asked = isPstnError(e) && e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : null;
      const delay = asked ?? exponentialDelayMs(attempts - 1, this.d.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, this.d.retryCapMs ?? DEFAULT_RETRY_CAP_MS);
      this.d.db.prepare('UPDATE pstn_jobs SET submit_attempts = ?, next_attempt_at = ? WHERE fax_id = ?').run(attempts, Math.round(this.d.nowMs() + delay), id);
      this.d.log?.(`pstn ${id}: retry in ${Math.round(delay)} ms: ${err.code}: ${err.detail ?? err.message}`);
      this.setState(id, 'queued', null, err, null);
      return;
    }
    this.finish(id);
    this.d.faxes.audit('send', job.org_id, id, `PSTN: failed before the provider took it: ${err.code}${err.detail ? ` (${err.detail})` : ''}`);
    this.setState(id, 'failed', null, err, null);
  }

  private async poll(job: PstnJobRow, provider: PstnProvider, providerFaxId: string): Promise<void> {
    try {
      const status = await provider.status(providerFaxId);
      this.applyStatus(job, providerFaxId, status);
    } catch (e) {
      // The fax is with the provider whatever went wrong here: keep asking, less often.
      this.d.log?.(`pstn ${job.fax_id}: status check failed: ${errorDetail(e)}`);
      this.schedulePoll(job);
    }
  }

  private schedulePoll(job: PstnJobRow): void {
    const delay = exponentialDelayMs(job.polls, this.d.pollBaseMs ?? DEFAULT_POLL_BASE_MS, this.d.pollCapMs ?? DEFAULT_POLL_CAP_MS);
    this.d.db.prepare('UPDATE pstn_jobs SET polls = polls + 1, next_attempt_at = ? WHERE fax_id = ?').run(Math.round(this.d.nowMs() + delay), job.fax_id);
  }

  /** A status from polling, from send() or from a webhook: onto the outbox item. */
  private applyStatus(job: PstnJobRow, providerFaxId: string, status: PstnStatus): void {
    const id = job.fax_id;
    const fax = this.d.faxes.row(id, true);
    // A final answer stays final: a late "sending" event must not undo "delivered".
    if (fax.state === 'delivered' || fax.state === 'failed') return;
    const state = mapToOutboxState(status);
    const pstn: NonNullable<FaxDetail['pstn']> = { provider: job.provider, providerFaxId, status: status.providerState };
    const failure = status.state === 'failed' ? pstnFailure(job.provider, status) : null;
    const final = state === 'delivered' || state === 'failed';
    const before = fax.pstn_json;
    if (final) {
      this.d.db.transaction(() => {
        this.finish(id);
        this.d.faxes.audit(state === 'delivered' ? 'delivered' : 'send', job.org_id, id,
          `PSTN: ${PSTN_PROVIDER_LABELS[job.provider]} fax ${providerFaxId} ${status.providerState}${status.providerFailureCode ? ` (${status.providerFailureCode})` : ''}`);
      })();
    } else {
      this.schedulePoll(job);
    }
    if (fax.state !== state || before !== JSON.stringify(pstn) || final) {
      this.setState(id, state, null, failure, pstn);
      this.d.emit({ type: 'faxes.changed' });
    }
  }

  private finish(faxId: FaxId): void {
    this.d.db.prepare('UPDATE pstn_jobs SET done = 1 WHERE fax_id = ?').run(faxId);
  }

  private setState(id: FaxId, state: OutboxState, progress: number | null, error: UserError | null, pstn: FaxDetail['pstn']): void {
    this.d.faxes.update(id, { state, progress, failure: error, ...(pstn ? { pstn } : {}) });
    this.d.emit({ type: 'outbox.changed', id, state, progress, error });
  }
}

function tooLarge(provider: PstnProvider, sizeBytes: number): PstnError {
  return fileTooLargeError(PSTN_PROVIDER_LABELS[provider.name], sizeBytes, provider.maxFileBytes);
}

/** The provider's failure, as a sentence for the person at the desk and codes for the detail. */
export function pstnFailure(provider: PstnProviderName, status: PstnStatus): UserError {
  const label = PSTN_PROVIDER_LABELS[provider];
  return {
    code: `pstn.failed.${status.failureCode ?? 'other'}`,
    message: status.failureReason ?? `${label} could not deliver the fax.`,
    detail: `${label} status ${status.providerState}${status.providerFailureCode ? `, failure code ${status.providerFailureCode}` : ''}`,
  };
}
