/**
 * Office mode for a desk, in one object: what the desk's UI layer needs and nothing more.
 *
 *   const session = await openOfficeSession({ url, caPem, orgId, signingSeed, desk, lane });
 *   session.inbox.list({ folder: 'inbox' })          // and detail/body/markRead/assign/…
 *   const off = session.onChange((changes) => …)    // live, in order, after reconnects too
 *   session.onStatus((s) => …)                      // "the office database cannot be reached"
 *   await session.send({ orgId, to, from, fileName, pdf })
 *   session.startReceiving()                        // take part in receiving (leadership)
 *   await session.close()                           // or leave() to leave the office
 *
 * `lane` is the desk's own relay clients, org registry and trust store (FaxLaneDeps); the
 * receive pipeline the session runs while leading is the desk's ReceivePipeline built with
 * `session.receiveSink` (see desk-services: the `receiveSink` option).
 */
import type { FaxId } from '../../../shared/domain/ids.ts';
import type { ReceiveSink } from '../receiver/receive-sink.ts';
import type { OfficeDbOptions } from '../storage/postgres/connection.ts';
import { ChangeFeed, type FeedStatus, type OfficeChange } from './change-feed.ts';
import { OfficeInbox } from './office-inbox.ts';
import { enqueueOfficeSend, OfficeOutboxSender, type OfficeSendDeps, type OfficeSendRequest } from './office-outbox.ts';
import { officeReceiveSink, type OfficeSinkOptions } from './office-receive-sink.ts';
import { OfficeReceiver } from './office-receiver.ts';
import { openOffice, type Office, type OpenOfficeOptions } from './office.ts';

export interface OfficeSessionOptions extends OpenOfficeOptions {
  /** The desk's relay clients, orgs and pins (sending, delivery checks). */
  lane: OfficeSendDeps;
  sink?: OfficeSinkOptions;
  /** Resume the change feed after this seq (kept by the desk between runs); default: from now. */
  fromSeq?: number;
  /** Send from the shared outbox on this desk (default true). */
  sendFromOutbox?: boolean;
}

const HOUSEKEEPING_MS = 60 * 60_000;
/** Changes older than this are pruned; a desk away longer reloads everything (a 'reset' change). */
const CHANGES_KEPT_MS = 7 * 24 * 60 * 60_000;

export class OfficeSession {
  readonly office: Office;
  readonly inbox: OfficeInbox;
  /** The receive pipeline's sink for this office (pass it to the desk's ReceivePipeline). */
  readonly receiveSink: ReceiveSink;
  private readonly feed: ChangeFeed;
  private readonly sender: OfficeOutboxSender | null;
  private readonly lane: OfficeSendDeps;
  private receiver: OfficeReceiver | null = null;
  private readonly changeListeners = new Set<(c: OfficeChange[]) => void>();
  private readonly statusListeners = new Set<(s: FeedStatus) => void>();
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(office: Office, o: OfficeSessionOptions) {
    this.office = office;
    this.lane = o.lane;
    this.inbox = new OfficeInbox(office);
    this.receiveSink = officeReceiveSink(office, o.sink);
    const db: OfficeDbOptions = { url: o.url, ...(o.caPem ? { caPem: o.caPem } : {}), ...(o.log ? { log: o.log } : {}) };
    this.feed = new ChangeFeed({
      db, ...(o.fromSeq !== undefined ? { fromSeq: o.fromSeq } : {}), ...(o.log ? { log: o.log } : {}),
      onChanges: (cs) => {
        for (const l of this.changeListeners) l(cs);
        // A fax this desk is uploading that another desk moved to the Trash: stopped.
        this.sender?.noticeChanges(cs);
        // A new outbox row: a free desk sends it now rather than at its next look.
        if (cs.some((c) => c.kind === 'outbox' && c.op === 'insert')) this.sender?.kick();
      },
      onStatus: (s) => { for (const l of this.statusListeners) l(s); },
    });
    this.sender = o.sendFromOutbox === false ? null : new OfficeOutboxSender(office, { clients: o.lane.clients, pins: o.lane.pins });
  }

  static async open(o: OfficeSessionOptions): Promise<OfficeSession> {
    const office = await openOffice(o);
    const s = new OfficeSession(office, o);
    try {
      await s.feed.start();
    } catch (e) {
      await office.close();
      throw e;
    }
    s.sender?.start();
    const housekeeping = (): void => {
      void office.heartbeat().catch(() => undefined);
      void s.housekeeping().catch((e: unknown) => office.log(`office housekeeping: ${String(e)}`));
    };
    s.timers.push(setInterval(() => { void office.heartbeat().catch(() => undefined); }, 30_000), setInterval(housekeeping, HOUSEKEEPING_MS));
    for (const t of s.timers) t.unref?.();
    return s;
  }

  /** Live changes (in order; `{ kind: 'reset' }` means reload everything). Returns an unsubscribe. */
  onChange(listener: (changes: OfficeChange[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Whether the office database answers, for a plain "cannot reach the office database" notice. */
  onStatus(listener: (s: FeedStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  get connected(): boolean {
    return this.feed.isConnected;
  }

  /** The last change seen: keep it to resume from there after a restart. */
  get lastSeq(): number | null {
    return this.feed.lastSeq;
  }

  /** Seal once and queue in the shared outbox; whichever desk is free sends it. */
  async send(req: OfficeSendRequest): Promise<{ id: FaxId }> {
    const out = await enqueueOfficeSend(this.office, this.lane, req);
    this.sender?.kick();
    return out;
  }

  /**
   * Take part in receiving: while this desk leads, `pollOnce` (the desk's Poller.pollOnce,
   * its pipeline built with `receiveSink`) runs every `intervalMs`.
   */
  startReceiving(pollOnce: () => Promise<unknown>, opts: { intervalMs?: number; onLeadership?: (leading: boolean) => void } = {}): void {
    if (this.receiver) return;
    this.receiver = new OfficeReceiver(this.office, { pollOnce, ...opts });
    this.receiver.start();
  }

  get isReceiving(): boolean {
    return this.receiver?.isLeader ?? false;
  }

  async stopReceiving(): Promise<void> {
    const r = this.receiver;
    this.receiver = null;
    await r?.stop();
  }

  /** Old change-feed rows and bodies an interrupted receive left behind. */
  async housekeeping(): Promise<void> {
    await this.office.query('DELETE FROM fxe.changes WHERE at < now() - $1 * interval \'1 millisecond\'', [CHANGES_KEPT_MS], 'prune changes');
    await this.office.sweepOrphanBlobs();
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.stopReceiving();
    await this.sender?.stop();
    await this.feed.stop();
    await this.office.close();
  }

  /** Leaves the office: this desk is marked as gone (the audit log keeps its name), then closes. */
  async leave(): Promise<void> {
    await this.office.leave().catch(() => undefined);
    await this.close();
  }
}

export const openOfficeSession = (o: OfficeSessionOptions): Promise<OfficeSession> => OfficeSession.open(o);
