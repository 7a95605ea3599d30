/**
 * The one receive pipeline, fed by polling and by webhooks alike:
 *
 *   fetch → verify (sender bundle vs the sender org's pinned key, envelope signature, hash)
 *         → decrypt → store durably → receipt → notify
 *
 * A per-message state row (receive_jobs) makes it idempotent across crashes: the fax row, its
 * encrypted body (already fsynced) and the signed receipt to send are committed in ONE
 * transaction as state 'stored'; only then does the receipt go out, and the very same receipt
 * is re-sent after a crash (the relay answers an identical repeat with 200). A fax that fails
 * verification is never stored as a fax: it is marked 'rejected', logged, reported as an
 * event, and the relay's copy is left alone.
 *
 * Several faxes are received at once (RECEIVE_CONCURRENCY, polling and webhooks together):
 * a fax spends most of its time waiting on relay round trips and database commits, which
 * overlap well. Each message's own steps stay in order, and every guarantee above is per
 * message, so running them side by side changes none of them. Memory stays bounded: a
 * streamed download is held back by the transport's flow control, and the relays that only
 * offer the whole-message JSON fetch are fetched one message at a time.
 */
import { asMessageId, asOrgId, type FaxId, type Fingerprint, type MessageId, type OrgId } from '../../../shared/domain/ids.ts';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  b64uDecode, hexEncode, isJsonObject, isMessageId, parseEnvelope, parseJsonLossless, signReceipt, verifyEnvelopeSignature,
  type Envelope, type Receipt,
} from '../../../shared/protocol/index.ts';
import { ProtocolError } from '../../../shared/protocol/errors.ts';
import type { BundleView } from '../../../shared/fxe-api/types.ts';
import { DeskError, errorDetail, toUserError } from '../errors.ts';
import { openFileToSink, openStreamToSink } from '../crypto/stream-seal.ts';
import { exponentialDelayMs } from '../backoff.ts';
import { Slots } from '../slots.ts';
import { relaxedCommit } from '../storage/database.ts';
import type { CiphertextDownload, RelayClient } from '../relay-client/relay-client.ts';
import type { FaxLaneDeps } from '../service-deps.ts';
import { keysFromBundle, type ObservedKeys } from '../trust/index.ts';
import { inboxSink, storageFailed, type ReceiveJobRow, type ReceiveJournal, type ReceiveSink, type ReceiveSinkWriter, type VerifiedFax } from './receive-sink.ts';

/** Where a test may "kill the process": the pipeline throws SimulatedCrash there. */
export type CrashPoint = 'after-fetch' | 'after-decrypt' | 'after-store' | 'after-receipt';

export class SimulatedCrash extends Error {
  readonly point: CrashPoint;
  constructor(point: CrashPoint) {
    super(`simulated crash at ${point}`);
    this.name = 'SimulatedCrash';
    this.point = point;
  }
}

export interface PipelineDeps extends FaxLaneDeps {
  notify?: (n: { title: string; body: string }) => void;
  hideContentInNotifications?: () => boolean;
  crashAt?: (point: CrashPoint) => boolean;
  /** First wait before downloading a damaged message again (doubles each time; default 500 ms). */
  refetchBaseMs?: number;
  /** Where downloaded ciphertext waits while it is verified (default: `<dataDir>/incoming`). */
  incomingDir?: string;
  /** Where verified faxes go (default: the desk's encrypted inbox). */
  sink?: ReceiveSink;
  /** Faxes received at once (default RECEIVE_CONCURRENCY). */
  receiveConcurrency?: number;
}

/**
 * Faxes in flight at once, for a single desk and an office alike. Measured on a 2-core machine
 * receiving small faxes into an office: one at a time spends ~150 ms per fax, mostly waiting
 * (relay round trips ~80 ms, two PostgreSQL commits ~29 ms); a handful at once keep the CPU
 * busy instead. More would add connections and memory (a download buffer each) for nothing.
 */
export const RECEIVE_CONCURRENCY = 6;

/**
 * A message being fetched: its envelope text, and its ciphertext either still on the wire
 * (the raw-download extension: hashed and opened as it arrives) or, from the seed's JSON
 * fetch, decoded into a temp file and already hashed.
 */
type Downloaded = { envelopeText: string; invalid?: ProtocolError } & (
  | { kind: 'stream'; ciphertext: CiphertextDownload }
  | {
    kind: 'file';
    ciphertextPath: string;
    size: number;
    sha256: Uint8Array;
  }
);

/** Verified sender bundles kept (ReceivePipeline.senderBundles), a few hundred bytes each. */
const SENDER_BUNDLES_KEPT = 256;

/** Downloads of one message whose bytes do not match its envelope, before it is rejected. */
const DOWNLOAD_ATTEMPTS = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Error codes that mean "this relay does not really serve the raw-download extension". */
const MISSING_ROUTE_CODES = new Set(['relay.not_found', 'relay.http_404', 'relay.method_not_allowed', 'relay.http_405']);

export type HandleOutcome = 'stored' | 'already-done' | 'rejected' | 'gone' | 'retry-later';

/** The desk's own journal: receive_jobs in its SQLite database, next to the inbox. */
function sqliteJournal(d: PipelineDeps): ReceiveJournal {
  const get = (orgId: OrgId, messageId: string): ReceiveJobRow | undefined =>
    d.db.prepare('SELECT state, fax_id, receipt_json FROM receive_jobs WHERE org_id = ? AND message_id = ?').get(orgId, messageId) as ReceiveJobRow | undefined;
  return {
    get: (orgId, messageId) => Promise.resolve(get(orgId, messageId)),
    isSettled(orgId, messageId) {
      const j = get(orgId, messageId);
      return j !== undefined && j.state !== 'stored';
    },
    owed: () => Promise.resolve((d.db.prepare("SELECT org_id, message_id FROM receive_jobs WHERE state = 'stored'").all() as { org_id: OrgId; message_id: MessageId }[])
      .map((o) => ({ orgId: o.org_id, messageId: o.message_id }))),
    store(writer: ReceiveSinkWriter, fax: VerifiedFax) {
      const localId = d.db.transaction(() => {
        const id = writer.commit(fax);
        if (typeof id !== 'string') throw new Error('a sink journalled in SQLite must commit synchronously');
        d.db.prepare(`INSERT INTO receive_jobs (org_id, message_id, state, fax_id, receipt_json, sender_org_id, updated_at) VALUES (?, ?, 'stored', ?, ?, ?, ?)`)
          .run(fax.orgId, fax.messageId, id, JSON.stringify(fax.receipt), fax.senderOrgId, fax.nowMs);
        return id;
      })();
      return Promise.resolve(localId);
    },
    receipted(orgId, messageId, faxId) {
      // Not flushed by itself: if a power cut loses it, the receipt is owed again and the next
      // pass posts it once more, which the relay takes like the first (the same receipt is
      // idempotent). The next ordinary commit, or closing the database, flushes it.
      relaxedCommit(d.db, () => d.db.transaction(() => {
        d.db.prepare("UPDATE receive_jobs SET state = 'receipted', updated_at = ? WHERE org_id = ? AND message_id = ?").run(d.nowMs(), orgId, messageId);
        d.faxes.audit('receipt', orgId, faxId, `receipt sent for ${messageId}`);
      })());
      return Promise.resolve();
    },
    done(orgId, messageId, state, senderOrgId, why, keyChangeFingerprint = null) {
      d.db.prepare(`INSERT INTO receive_jobs (org_id, message_id, state, sender_org_id, last_error, key_change_fingerprint, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(org_id, message_id) DO UPDATE SET state = excluded.state, last_error = excluded.last_error, key_change_fingerprint = excluded.key_change_fingerprint, updated_at = excluded.updated_at`)
        .run(orgId, messageId, state, senderOrgId, why.slice(0, 2000), keyChangeFingerprint, d.nowMs());
      return Promise.resolve();
    },
  };
}

/** Failures that say "this fax is not authentic", as opposed to "try again later". */
function isVerificationFailure(e: unknown): boolean {
  if (e instanceof ProtocolError) return true;
  return e instanceof DeskError && e.code.startsWith('receive.verify');
}

function verifyFail(sentence: string, detail: string): DeskError {
  return new DeskError('receive.verify_failed', sentence, { detail });
}

/** A verification failure because the sender's keys (or its number's org) changed: held until the user accepts `newFingerprint`. */
class SenderKeyChanged extends DeskError {
  readonly newFingerprint: Fingerprint;
  constructor(sentence: string, detail: string, newFingerprint: Fingerprint) {
    super('receive.verify_failed', sentence, { detail });
    this.newFingerprint = newFingerprint;
  }
}

export class ReceivePipeline {
  private readonly d: PipelineDeps;
  private readonly inFlight = new Map<string, Promise<HandleOutcome>>();
  /** Bounds the faxes being received at once. */
  private readonly slots: Slots;
  /** The JSON fetch holds a whole message in memory: one at a time, whatever the concurrency. */
  private readonly wholeFetches = new Slots(1);
  /**
   * Senders' bundles that verified (signed by their org, pinned, and the envelope's signature
   * checked with them), by our org and bundle id: the next fax from that bundle skips one
   * round trip to the relay. A bundle id names fixed keys (its org's signature covers the id
   * and the keys), and every fax still runs every check on it; a relay that later answers
   * something else for the same id is simply not asked.
   */
  private readonly senderBundles = new Map<string, BundleView>();

  private readonly incomingDir: string;
  private readonly sink: ReceiveSink;
  private readonly journal: ReceiveJournal;

  constructor(deps: PipelineDeps) {
    this.d = deps;
    this.sink = deps.sink ?? inboxSink(deps);
    this.journal = this.sink.journal ?? sqliteJournal(deps);
    this.slots = new Slots(deps.receiveConcurrency ?? RECEIVE_CONCURRENCY);
    this.incomingDir = deps.incomingDir ?? join(dirname(deps.blobs.dir), 'incoming');
    mkdirSync(this.incomingDir, { recursive: true, mode: 0o700 });
    // Downloads a crash interrupted: ciphertext only (what the relay holds), fetched again.
    for (const name of readdirSync(this.incomingDir)) rmSync(join(this.incomingDir, name), { force: true });
  }

  /** How many faxes this pipeline receives at once (a poller keeps that many going). */
  get concurrency(): number {
    return this.slots.size;
  }

  /**
   * Single-flight per message: a webhook and a poll for the same fax share one run. Runs
   * once a slot is free (at most `concurrency` at once, the others wait in order).
   */
  handle(orgId: OrgId, messageId: string): Promise<HandleOutcome> {
    const key = `${orgId}\u0000${messageId}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const p = this.slots.run(() => this.run(orgId, messageId)).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  isSettled(orgId: OrgId, messageId: string): boolean {
    return this.journal.isSettled(orgId, messageId);
  }

  /** Receipts owed after a crash (state 'stored'): send them now. */
  async resumeOwedReceipts(): Promise<void> {
    // All at once: handle() bounds how many run together.
    await Promise.all((await this.journal.owed()).map((o) => this.handle(o.orgId, o.messageId)));
  }

  /** Sender orgs whose faxes are held because their keys changed, with the new fingerprint. */
  keyChangeRejections(): { senderOrgId: OrgId; newFingerprint: Fingerprint }[] {
    const rows = this.d.db.prepare(`SELECT sender_org_id, key_change_fingerprint FROM receive_jobs
      WHERE state = 'rejected' AND sender_org_id IS NOT NULL AND key_change_fingerprint IS NOT NULL AND key_change_fingerprint != ''
      ORDER BY updated_at`).all() as { sender_org_id: OrgId; key_change_fingerprint: Fingerprint }[];
    // The latest rejection of each sender names the keys it has now.
    const out = new Map<OrgId, Fingerprint>();
    for (const r of rows) out.set(r.sender_org_id, r.key_change_fingerprint);
    return [...out].map(([senderOrgId, newFingerprint]) => ({ senderOrgId, newFingerprint }));
  }

  /** How many faxes each sender org has waiting on the relay because its keys changed. */
  keyChangeRejectionCounts(): Map<string, number> {
    const rows = this.d.db.prepare(`SELECT sender_org_id, count(*) AS n FROM receive_jobs
      WHERE state = 'rejected' AND sender_org_id IS NOT NULL AND key_change_fingerprint IS NOT NULL AND key_change_fingerprint != '' GROUP BY sender_org_id`).all() as { sender_org_id: string; n: number }[];
    return new Map(rows.map((r) => [r.sender_org_id, r.n]));
  }

  /** After the user accepted a sender org's new key: let its rejected faxes be fetched again. */
  forgetKeyChangeRejections(senderOrgId: OrgId): void {
    this.d.db.prepare("DELETE FROM receive_jobs WHERE state = 'rejected' AND sender_org_id = ? AND key_change_fingerprint IS NOT NULL").run(senderOrgId);
  }

  private crash(point: CrashPoint): void {
    if (this.d.crashAt?.(point)) throw new SimulatedCrash(point);
  }

  private async run(orgId: OrgId, messageId: string): Promise<HandleOutcome> {
    try {
      const existing = await this.journal.get(orgId, messageId);
      if (existing && existing.state !== 'stored') return 'already-done';
      if (!existing) {
        const outcome = await this.fetchVerifyStore(orgId, messageId);
        if (outcome !== 'stored') return outcome;
      }
      await this.sendReceipt(orgId, asMessageId(messageId));
      return 'stored';
    } catch (e) {
      if (e instanceof SimulatedCrash) throw e;
      const err = toUserError(e);
      this.d.log?.(`receive ${messageId} for ${orgId}: ${err.code}: ${err.detail ?? err.message}`);
      this.d.emit({ type: 'receive.error', error: err });
      return 'retry-later';
    }
  }

  private async fetchVerifyStore(orgId: OrgId, messageId: string, attempt = 1): Promise<HandleOutcome> {
    if (!isMessageId(messageId)) {
      // Not an id the relay could have accepted: a lying relay's, meant to escape a folder or a URL.
      const err = verifyFail('The relay announced a fax with an impossible id; it was ignored.', `message id ${JSON.stringify(messageId.slice(0, 80))}`);
      await this.journal.done(orgId, messageId, 'rejected', null, `${err.code}: ${err.detail ?? ''}`);
      this.d.log?.(`receive: ignored a message id that is not a uuid: ${JSON.stringify(messageId.slice(0, 80))}`);
      this.d.emit({ type: 'receive.error', error: toUserError(err) });
      this.sink.rejected?.(orgId, messageId, toUserError(err), false);
      return 'rejected';
    }
    const client = await this.d.clients.forOrg(orgId);
    let fetched: Downloaded;
    const startedAt = performance.now();
    try {
      fetched = await this.download(client, messageId);
    } catch (e) {
      if (e instanceof DeskError && (e.code === 'relay.message_delivered' || e.code === 'relay.message_not_found')) {
        // Another device of this org took it, or the relay dropped it: nothing to store here.
        await this.journal.done(orgId, messageId, 'gone', null, e.code);
        return 'gone';
      }
      throw e;
    }
    let envelope: Envelope;
    let senderOrgId: OrgId | null = null;
    try {
      this.crash('after-fetch');
      const whole = parseJsonLossless(fetched.envelopeText);
      if (!isJsonObject(whole)) throw new ProtocolError('malformed', 'The relay answer is not an object.', 'message');
      const envValue = whole['envelope'];
      if (envValue === undefined) throw new ProtocolError('malformed', 'The relay answer has no envelope.', 'envelope');
      envelope = parseEnvelope(envValue);
      const sender = asOrgId(envelope.sender_org_id);
      senderOrgId = sender;
      const keys = await this.d.orgs.keys(orgId);
      const org = this.d.orgs.get(orgId);
      if (envelope.message_id !== messageId) throw verifyFail('The fax is not the one the relay announced.', `asked ${messageId}, got ${envelope.message_id}`);
      if (envelope.recipient_org_id !== keys.credentials.org_id) throw verifyFail('The fax is addressed to another organisation.', `recipient ${envelope.recipient_org_id}`);
      if (org.faxNumbers.length > 0 && !org.faxNumbers.includes(envelope.to_number)) throw verifyFail('The fax is addressed to a number that is not yours.', `to ${envelope.to_number}`);
      if (fetched.invalid) throw fetched.invalid;
      const bundleKey = `${orgId}\u0000${envelope.sender_key_bundle_id}`;
      const knownBundle = this.senderBundles.get(bundleKey);
      const senderBundle = knownBundle ?? await client.keyBundle(envelope.sender_key_bundle_id);
      if (senderBundle.bundle_id !== envelope.sender_key_bundle_id) throw verifyFail("The sender's key is not the one the fax names.", `asked ${envelope.sender_key_bundle_id}, got ${senderBundle.bundle_id}`);
      // Verify before decrypting: the sender's bundle (signed by their org, when the relay
      // offers that), the envelope signature, their keys against the pins (only a signed
      // envelope may pin its from_number), then that the bytes we downloaded are the ones the
      // sender signed for. Only then is anything decrypted.
      const senderKeys = keysFromBundle(sender, senderBundle, (detail) => verifyFail("The sender's key is not signed by their organisation, or belongs to another one.", detail), this.d.backend);
      const senderPub = b64uDecode(senderBundle.ed25519_pub, 'ed25519_pub');
      verifyEnvelopeSignature(envelope, senderPub, this.d.backend);
      await this.checkSenderTrust(envelope, senderKeys);
      if (!knownBundle) this.rememberSenderBundle(bundleKey, senderBundle);
      // After a key rotation a fax may be sealed for our current bundle, a previous one we
      // still hold, or both: open it with the key set the envelope names (the receipt is
      // signed with that same bundle).
      const opener = await this.d.orgs.keysForBundles(orgId, envelope.wrapped_keys.map((w) => w.recipient_key_bundle_id));
      if (fetched.kind === 'file' && (fetched.size !== envelope.size || hexEncode(fetched.sha256) !== envelope.ciphertext_sha256.toLowerCase())) {
        throw new ProtocolError('hash_mismatch', 'The encrypted fax does not match its envelope: it was damaged or altered in transit.', 'ciphertext_sha256');
      }
      // Decrypted chunk by chunk straight into the sink (the inbox encrypts it into a new
      // blob): the plaintext is never whole in memory. The sink keeps it out of sight (an
      // encrypted temp file) until store() commits it, which happens only after the
      // ciphertext's hash matched the signed envelope and the tag verified.
      const writer = this.sink.open(orgId, envelope, messageId);
      let kept = false;
      const openedAt = performance.now();
      try {
        const common = {
          envelope, senderBundleEd25519Pub: senderPub,
          recipient: { bundleId: opener.credentials.bundle_id, mlkemSecret: opener.mlkemSecret, mlkemPublic: opener.mlkemPublic, x25519Secret: opener.x25519Secret, x25519Public: opener.x25519Public },
          sink: (chunk: Uint8Array) => writer.write(chunk),
          backend: this.d.backend,
        };
        // Off the wire in one pass (socket → hash + decrypt → blob), or from the JSON fetch's temp file.
        const opened = fetched.kind === 'stream'
          ? await openStreamToSink({ ...common, source: fetched.ciphertext })
          : await openFileToSink({ ...common, inputPath: fetched.ciphertextPath, knownSha256: fetched.sha256 });
        this.crash('after-decrypt');
        const storingAt = performance.now();
        await this.store(orgId, { messageId, senderOrgId: sender }, envelope, writer, opened.plaintextSize, opened.metadata, opener.credentials.bundle_id, opener.bundleSeed);
        kept = true;
        // Where a receive spends its time (diagnostics and `npm run bench`): no secrets in it.
        const now = performance.now();
        const took = (from: number, to: number): string => `${(to - from).toFixed(1)} ms`;
        const storing = `(of which ${took(storingAt, now)} storing: the body's fsync, its directory's, the database commit)`;
        this.d.log?.(fetched.kind === 'stream'
          ? `receive ${messageId}: ${envelope.size} bytes streamed: envelope fetched and verified in ${took(startedAt, openedAt)}, downloaded, verified, decrypted and stored in ${took(openedAt, now)} ${storing}`
          : `receive ${messageId}: ${fetched.size} bytes fetched and verified in ${took(startedAt, openedAt)}, decrypted and stored in ${took(openedAt, now)} ${storing}`);
      } finally {
        if (!kept) await Promise.resolve(writer.abort()).catch((e: unknown) => this.d.log?.(`receive ${messageId}: dropping the partial body: ${errorDetail(e)}`));
      }
      this.crash('after-store');
      return 'stored';
    } catch (e) {
      if (e instanceof SimulatedCrash || !isVerificationFailure(e)) throw e;
      // Bytes that do not match what the sender signed may just be a download damaged on the
      // way (a proxy, a flaky link): fetch again a few times before calling the fax forged.
      if (attempt < DOWNLOAD_ATTEMPTS && (e === fetched.invalid || (e instanceof ProtocolError && e.code === 'hash_mismatch'))) {
        this.d.log?.(`receive ${messageId}: download ${attempt} did not match its envelope; fetching again`);
        await this.discard(fetched);
        await sleep(exponentialDelayMs(attempt - 1, this.d.refetchBaseMs ?? 500, 10_000));
        return this.fetchVerifyStore(orgId, messageId, attempt + 1);
      }
      const err = toUserError(e);
      const keyChange = e instanceof SenderKeyChanged ? e.newFingerprint : null;
      const keyChanged = keyChange !== null;
      await this.journal.done(orgId, messageId, 'rejected', senderOrgId, `${keyChanged ? 'sender_key_changed ' : ''}${err.code}: ${err.detail ?? ''}`, keyChange);
      this.d.faxes.audit('reject', orgId, null, `message ${messageId} from ${senderOrgId ?? '?'} rejected: ${err.code} ${err.detail ?? ''}`);
      this.d.log?.(`receive ${messageId}: rejected: ${err.code}: ${err.detail ?? err.message}`);
      this.d.emit({ type: 'receive.error', error: { code: err.code, message: `A fax could not be verified and was not accepted. ${err.message}`, detail: `message ${messageId}: ${err.detail ?? ''}` } });
      this.sink.rejected?.(orgId, messageId, err, keyChanged);
      return 'rejected';
    } finally {
      await this.discard(fetched);
    }
  }

  private rememberSenderBundle(key: string, bundle: BundleView): void {
    this.senderBundles.set(key, bundle);
    // The oldest goes first once there are more senders' bundles than any desk meets in a while.
    if (this.senderBundles.size > SENDER_BUNDLES_KEPT) this.senderBundles.delete(this.senderBundles.keys().next().value!);
  }

  /** Lets go of a download: a stream not read to its end is cancelled, a temp file removed. */
  private async discard(fetched: Downloaded): Promise<void> {
    if (fetched.kind === 'stream') await fetched.ciphertext.cancel();
    else await rm(fetched.ciphertextPath, { force: true });
  }

  /**
   * The envelope, and the ciphertext: the raw-download extension when the relay lists it (no
   * base64, no 133 MiB JSON string, nothing on disk: the body is read as it is opened); the
   * seed's JSON fetch into a temp file otherwise, and also when a relay lists the extension
   * but does not actually serve it.
   */
  private async download(client: RelayClient, messageId: MessageId): Promise<Downloaded> {
    if (await client.hasExtension('ciphertext-download')) {
      // Both requests at once: the body waits in the transport (bounded by its flow control)
      // while the envelope is verified, which saves a round trip per fax.
      const [envelope, ciphertext] = await Promise.allSettled([client.fetchEnvelope(messageId), client.openCiphertext(messageId)]);
      if (envelope.status === 'fulfilled' && ciphertext.status === 'fulfilled') {
        return { kind: 'stream', envelopeText: envelope.value.envelopeText, ciphertext: ciphertext.value };
      }
      if (ciphertext.status === 'fulfilled') await ciphertext.value.cancel();
      const e: unknown = envelope.status === 'rejected' ? envelope.reason : (ciphertext as PromiseRejectedResult).reason;
      if (!(e instanceof DeskError && MISSING_ROUTE_CODES.has(e.code))) throw e;
      this.d.log?.(`receive ${messageId}: the relay lists ciphertext-download but does not serve it (${e.code}); using the JSON fetch`);
      client.forgetExtensions();
    }
    return this.wholeFetches.run(() => this.downloadWhole(client, messageId));
  }

  /** The seed's JSON fetch: the whole message in memory, decoded into a temp file. */
  private async downloadWhole(client: RelayClient, messageId: MessageId): Promise<Downloaded> {
    const ciphertextPath = join(this.incomingDir, `${messageId.replace(/[^A-Za-z0-9_-]/g, '_')}.${randomBytes(4).toString('hex')}.ct`);
    const fetched = await client.fetchMessage(messageId);
    let ciphertext: Uint8Array;
    try {
      ciphertext = b64uDecode(fetched.ciphertextB64u, 'ciphertext');
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      return { kind: 'file', envelopeText: fetched.envelopeText, ciphertextPath, size: -1, sha256: new Uint8Array(32), invalid: e };
    }
    const out = await open(ciphertextPath, 'w', 0o600);
    try {
      await out.write(ciphertext);
    } finally {
      await out.close();
    }
    const digest = createHash('sha256').update(ciphertext).digest();
    return { kind: 'file', envelopeText: fetched.envelopeText, ciphertextPath, size: ciphertext.length, sha256: new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength) };
  }

  /**
   * The sender's bundle must belong to the sender org and match the keys pinned for that org,
   * and the envelope's `from_number` must not be pinned to another org. Anything else is held
   * like a key change, until the user accepts it.
   */
  private async checkSenderTrust(envelope: Envelope, keys: ObservedKeys): Promise<void> {
    const decision = await this.d.pins.check(keys, envelope.from_number);
    if (decision.kind === 'trusted') return;
    if (decision.previousOrgId !== null) {
      throw new SenderKeyChanged(`This fax claims to come from ${envelope.from_number}, which belonged to a different organisation until now. Confirm with the sender, then accept the change.`,
        `sender_key_changed number ${envelope.from_number} moved from ${decision.previousOrgId} to ${decision.orgId}: ${decision.previousFingerprint || 'none'} → ${decision.newFingerprint}`, decision.newFingerprint);
    }
    throw new SenderKeyChanged("The sender's security keys changed since their last fax. Confirm them with the sender, then accept the new keys.", `sender_key_changed ${decision.previousFingerprint} → ${decision.newFingerprint}`, decision.newFingerprint);
  }

  private async store(orgId: OrgId, ids: Pick<VerifiedFax, 'messageId' | 'senderOrgId'>, envelope: Envelope, writer: ReturnType<ReceiveSink['open']>, sizeBytes: number, metadata: Envelope['metadata'], bundleId: string, bundleSeed: Uint8Array): Promise<void> {
    const now = this.d.nowMs();
    const receipt: Receipt = signReceipt({
      messageId: envelope.message_id, ciphertextSha256: envelope.ciphertext_sha256, recipientOrgId: envelope.recipient_org_id,
      recipientBundleId: bundleId, bundleSeed, signedAt: Math.floor(now / 1000), backend: this.d.backend,
    });
    const fax: VerifiedFax = { orgId, ...ids, envelope, sizeBytes, metadata, receipt, nowMs: now };
    let localId: FaxId;
    try {
      // The fax is kept and its receipt recorded as owed in one transaction: after a crash
      // either both exist (the receipt is re-sent) or neither (the fax is fetched again).
      localId = await this.journal.store(writer, fax);
    } catch (e) {
      throw storageFailed(e);
    }
    this.sink.stored?.(fax, localId);
  }

  /** `messageId`: one the pipeline stored a fax for, so already checked. */
  private async sendReceipt(orgId: OrgId, messageId: MessageId): Promise<void> {
    const job = await this.journal.get(orgId, messageId);
    if (!job || job.state !== 'stored' || !job.receipt_json) return;
    const client = await this.d.clients.forOrg(orgId);
    try {
      await client.postReceipt(messageId, JSON.parse(job.receipt_json) as Receipt);
    } catch (e) {
      // Delivered already (our earlier attempt got through, or another device): done.
      if (!(e instanceof DeskError && (e.code === 'relay.message_delivered' || e.code === 'relay.receipt_conflict'))) throw e;
    }
    this.crash('after-receipt');
    await this.journal.receipted(orgId, messageId, job.fax_id);
    this.sink.receipted?.(orgId, messageId, job.fax_id);
  }
}
