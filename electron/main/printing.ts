// The OS print dialog for a fax. A hidden window (its own sandboxed preload, see
// electron/preload/print.ts) draws every page with pdf.js at 200 dpi as one image per sheet,
// then webContents.print opens the system dialog. Printing our own rendering rather than
// Chromium's PDF plugin avoids that plugin's blank-page output and keeps the decrypted PDF
// in memory: it is handed over by IPC, never written to a temp file.
import { BrowserWindow, ipcMain } from 'electron';
import { PRINT_DOCUMENT_CHANNEL, PRINT_READY_CHANNEL } from '../preload/print-channels.ts';
import { APP_ORIGIN, hardenWebContents, isTrustedSender, secureWebPreferences } from './security.ts';

type ReadyOutcome = { ok: true; pages: number } | { ok: false; message: string };

interface PendingJob {
  pdf: Uint8Array;
  jobName: string;
  window: BrowserWindow;
  onReady: (outcome: ReadyOutcome) => void;
}

export interface Printer {
  /** Resolves true when the user confirmed the dialog and the job was spooled, false when cancelled. */
  printPdf(pdf: Uint8Array, jobName: string): Promise<boolean>;
}

export function createPrinter(preloadPath: string, parent: () => BrowserWindow | null): Printer {
  const jobs = new Map<number, PendingJob>(); // by webContents id

  ipcMain.handle(PRINT_DOCUMENT_CHANNEL, (event) => {
    const job = jobs.get(event.sender.id);
    if (!job || !isTrustedSender(event, job.window.webContents, 'print.html')) throw new Error('not a print window');
    return { pdf: job.pdf, jobName: job.jobName };
  });
  ipcMain.on(PRINT_READY_CHANNEL, (event, outcome: ReadyOutcome) => {
    const job = jobs.get(event.sender.id);
    if (!job || !isTrustedSender(event, job.window.webContents, 'print.html')) return;
    job.onReady(outcome);
  });

  return {
    printPdf(pdf, jobName) {
      const win = new BrowserWindow({
        show: false,
        width: 850,
        height: 1100,
        parent: parent() ?? undefined,
        webPreferences: secureWebPreferences(preloadPath),
      });
      hardenWebContents(win.webContents);
      const id = win.webContents.id;
      return new Promise<boolean>((resolve, reject) => {
        const finish = (fn: () => void) => {
          jobs.delete(id);
          if (!win.isDestroyed()) win.destroy();
          fn();
        };
        jobs.set(id, {
          pdf,
          jobName,
          window: win,
          onReady: (outcome) => {
            if (!outcome.ok) return finish(() => reject(new Error(`print rendering failed: ${outcome.message}`)));
            win.webContents.print(
              { silent: false, printBackground: true, margins: { marginType: 'none' }, header: undefined, footer: undefined },
              (success, failureReason) => {
                // "Print job canceled" is the user pressing Cancel: not an error.
                if (success) finish(() => resolve(true));
                else if (/cancel/i.test(failureReason)) finish(() => resolve(false));
                else finish(() => reject(new Error(`printing failed: ${failureReason}`)));
              },
            );
          },
        });
        win.webContents.once('render-process-gone', (_e, details) => finish(() => reject(new Error(`print window crashed: ${details.reason}`))));
        win.loadURL(`${APP_ORIGIN}/print.html`).catch((err: unknown) => finish(() => reject(err instanceof Error ? err : new Error(String(err)))));
      });
    },
  };
}
