// The OS print dialog for a fax. A hidden window (its own sandboxed preload, see
// electron/preload/print.ts) draws every page with pdf.js at 200 dpi as one image per sheet,
// then webContents.print opens the system dialog. Printing our own rendering rather than
// Chromium's PDF plugin avoids that plugin's blank-page output and keeps the decrypted PDF
// in memory: it is handed over by IPC, never written to a temp file.
import { BrowserWindow, ipcMain } from 'electron';
import { DeskError } from '../services/errors.ts';
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

/** Drawing a long fax at 200 dpi takes a while on a slow PC; a page that never reports must not hang the print. */
const DEFAULT_RENDER_TIMEOUT_MS = 3 * 60_000;

/**
 * Electron's answers when the computer has no printer: "No valid printers available"
 * (electron/electron#24664, #25498) or "No printers available on the network" (#36897).
 */
const NO_PRINTER = /no (valid )?printers? (available|found)|no printers available/i;

export function noPrinterError(): DeskError {
  return new DeskError('print.no_printer', 'No printer is set up on this computer. Add a printer in the system settings, or use Save as PDF.', { detail: 'webContents.print: no printer' });
}

export function createPrinter(preloadPath: string, parent: () => BrowserWindow | null, opts: { renderTimeoutMs?: number } = {}): Printer {
  const renderTimeoutMs = opts.renderTimeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS;
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
        // Never shown, so Chromium would throttle it and draw no frames: pdf.js's rendering
        // waits on requestAnimationFrame and would never finish. With backgroundThrottling off
        // "frames will be drawn and swapped for the whole window" (Electron's WebPreferences).
        webPreferences: { ...secureWebPreferences(preloadPath), backgroundThrottling: false },
      });
      hardenWebContents(win.webContents);
      const id = win.webContents.id;
      return new Promise<boolean>((resolve, reject) => {
        const finish = (fn: () => void) => {
          clearTimeout(timer);
          jobs.delete(id);
          if (!win.isDestroyed()) win.destroy();
          fn();
        };
        const timer = setTimeout(() => {
          finish(() => reject(new DeskError('print.timeout', 'fxe Desk could not prepare this fax for printing. Try again, or use Save as PDF and print that file.', { detail: `the print window did not finish drawing within ${renderTimeoutMs} ms` })));
        }, renderTimeoutMs);
        jobs.set(id, {
          pdf,
          jobName,
          window: win,
          onReady: (outcome) => {
            // The drawing is done; the OS dialog has all the time the user needs.
            clearTimeout(timer);
            if (!outcome.ok) return finish(() => reject(new Error(`print rendering failed: ${outcome.message}`)));
            win.webContents.print(
              { silent: false, printBackground: true, margins: { marginType: 'none' }, header: undefined, footer: undefined },
              (success, failureReason) => {
                // "Print job canceled" is the user pressing Cancel: not an error.
                if (success) finish(() => resolve(true));
                else if (/cancel/i.test(failureReason)) finish(() => resolve(false));
                else if (NO_PRINTER.test(failureReason)) finish(() => reject(noPrinterError()));
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
