// Main's events for the workspace, one subscription for the window's lifetime. The handlers
// may change on every render; the subscription always calls the latest ones.
import type { FaxId } from '../../../shared/domain/ids.ts';
import { useEffect, useRef } from 'react';
import type { IpcEvent, MenuCommand } from '../../../shared/ipc/contract.ts';
import { fxe } from '../api.ts';

export interface FxeEventHandlers {
  /** The fax lists changed (status.changed with the unread count follows on its own). */
  onFaxesChanged(): void;
  onFaxReceived(id: FaxId): void;
  onOutboxChanged(event: Extract<IpcEvent, { type: 'outbox.changed' }>): void;
  onReceiveError(event: Extract<IpcEvent, { type: 'receive.error' }>): void;
  onMenuCommand(command: MenuCommand): void;
}

export function useFxeEvents(handlers: FxeEventHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(
    () =>
      fxe().onEvent((event: IpcEvent) => {
        const h = latest.current;
        switch (event.type) {
          case 'faxes.changed': return h.onFaxesChanged();
          case 'fax.received': return h.onFaxReceived(event.id);
          case 'outbox.changed': return h.onOutboxChanged(event);
          case 'receive.error': return h.onReceiveError(event);
          case 'menu.command': return h.onMenuCommand(event.command);
          default: return undefined; // status.changed: App keeps the status
        }
      }),
    [],
  );
}
