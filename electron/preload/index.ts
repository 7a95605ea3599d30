// The preload exposes exactly the typed IPC contract as `window.fxe`: one invoke function
// restricted to the known request channels, and one event subscription. Nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, isRequestChannel, type FxeApi, type IpcEvent } from '../../shared/ipc/contract.ts';

const api: FxeApi = {
  invoke(channel, request) {
    if (!isRequestChannel(channel)) return Promise.reject(new Error(`unknown channel ${String(channel)}`));
    return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, channel, request);
  },
  onEvent(listener) {
    const handler = (_e: unknown, event: IpcEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('fxe', api);
