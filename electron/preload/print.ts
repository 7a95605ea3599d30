// Preload of the hidden print window only. It exposes two calls and nothing else: fetch the
// document main wants printed, and report that every page is drawn (or that drawing failed).
// The print window never gets the app API (window.fxe).
import { contextBridge, ipcRenderer } from 'electron';
import type { FxePrintApi } from '../../shared/ipc/contract.ts';
import { PRINT_DOCUMENT_CHANNEL, PRINT_READY_CHANNEL } from './print-channels.ts';

const api: FxePrintApi = {
  getDocument: () => ipcRenderer.invoke(PRINT_DOCUMENT_CHANNEL),
  ready: (outcome) => ipcRenderer.send(PRINT_READY_CHANNEL, outcome),
};

contextBridge.exposeInMainWorld('fxePrint', api);
