/**
 * What every group of IPC handlers is built from: the shell's dialogs and printer, the clock,
 * the log, the two live events, and a getter for just the services that group uses (each
 * group names them with a Pick of DeskServices, so its dependencies are visible at a glance).
 */
import type { RequestChannel, RequestOf, ResponseOf } from '../../../../shared/ipc/contract.ts';

export interface Dialogs {
  openFile(opts: { title: string; filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
  saveFile(opts: { title: string; defaultPath: string; filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
}

export interface Printer {
  printPdf(pdf: Uint8Array, jobName: string): Promise<boolean>;
}

export interface HandlerEnv {
  dialogs: Dialogs;
  printer: Printer;
  nowMs: () => number;
  log: (line: string) => void;
  /** Tell the UI the orgs or the relay changed: a fresh AppStatus goes out. */
  emitStatus(): void;
  /** Tell the UI the fax lists changed; the fresh AppStatus (unread count) follows on its own. */
  emitFaxesChanged(): void;
}

export interface HandlerContext<S> extends HandlerEnv {
  /** The unlocked services, or a KeychainUnavailable / vault error explaining why not. */
  services(): Promise<S>;
}

export type Handlers = { [C in RequestChannel]: (req: RequestOf<C>) => Promise<ResponseOf<C>> };
export type HandlersFor<C extends RequestChannel> = Pick<Handlers, C>;
