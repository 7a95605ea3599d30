/**
 * The receiving side of office mode, for a desk or `fxe-desk serve --office`: while this
 * process leads (leadership.ts) it polls the relay with the office's ReceivePipeline; when it
 * stops leading it stops polling, and whatever it had in flight either committed (the
 * successor sends the owed receipt) or did not (the successor fetches that fax again).
 */
import { errorDetail } from '../errors.ts';
import { Leadership } from './leadership.ts';
import type { Office } from './office.ts';

export interface OfficeReceiverOptions {
  /** One pass: send owed receipts, list what waits on the relay, receive it (Poller.pollOnce). */
  pollOnce: () => Promise<unknown>;
  /** Between passes while leading (default 2 s). */
  intervalMs?: number;
  leaseMs?: number;
  renewEveryMs?: number;
  onLeadership?: (leading: boolean) => void;
}

export class OfficeReceiver {
  private readonly office: Office;
  private readonly o: OfficeReceiverOptions;
  private readonly lead: Leadership;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(office: Office, o: OfficeReceiverOptions) {
    this.office = office;
    this.o = o;
    this.lead = new Leadership(office, {
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
      ...(o.renewEveryMs !== undefined ? { renewEveryMs: o.renewEveryMs } : {}),
      onGain: () => {
        o.onLeadership?.(true);
        this.loop ??= this.run().finally(() => { this.loop = null; });
      },
      onLose: () => {
        o.onLeadership?.(false);
        this.wake?.();
      },
    });
  }

  get isLeader(): boolean {
    return this.lead.isLeader;
  }

  start(): void {
    this.lead.start();
  }

  /** Poll now (a webhook said a fax waits); ignored unless leading. */
  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    await this.lead.stop();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.lead.isLeader) {
      try {
        await this.o.pollOnce();
      } catch (e) {
        this.office.log(`office receiver: ${errorDetail(e)}`);
      }
      if (!this.lead.isLeader) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.intervalMs ?? 2_000);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
      this.wake = null;
    }
  }
}
