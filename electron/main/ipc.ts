// The one IPC entry point of the app window. Every message is checked before it reaches the
// services: it must come from the main frame of our window showing our page, and name a
// known channel. The services validate the request payload themselves (shared validators),
// so this layer stays thin. Events from the services go to the window on one channel.
import { ipcMain, type BrowserWindow } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, isRequestChannel, type FxeApi, type IpcEvent } from '../../shared/ipc/contract.ts';
import type { Result } from '../../shared/domain/types.ts';
import { isTrustedSender } from './security.ts';

const REFUSED: Result<never> = {
  ok: false,
  error: { code: 'ipc_refused', message: 'fxe Desk refused a request it did not expect. Please restart the app.', detail: 'sender or channel not allowed' },
};

export function registerIpc(desk: FxeApi, mainWindow: () => BrowserWindow | null): { send: (event: IpcEvent) => void } {
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, channel: unknown, request: unknown) => {
    if (!isTrustedSender(event, mainWindow()?.webContents ?? null, 'index.html') || !isRequestChannel(channel)) return REFUSED;
    // The payload is untrusted input; the desk validates it per channel before using it.
    return desk.invoke(channel, request as never);
  });
  const send = (event: IpcEvent) => {
    const win = mainWindow();
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event);
  };
  return { send };
}
