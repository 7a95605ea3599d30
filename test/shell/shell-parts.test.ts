// Parts of the shell that need an OS event the test must provoke (a garbage collection, a
// print window that never finishes, a computer without printers, the macOS menu bar), run
// in-process against the Electron stand-in (test/electron/electron.ts) in place of `electron`.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => { process.env.FXE_STANDIN_READY = 'manual'; });
vi.mock('electron', () => import('../electron/electron.ts'));

const electron = await import('../electron/electron.ts');
const { registerAppScheme, serveRenderer } = await import('../../electron/main/app-protocol.ts');
// Before 'ready', as the app does (the stand-in becomes ready on the next turn).
registerAppScheme();
electron.standin.becomeReady();
// As the app does: closing the last (print) window must not quit.
electron.app.on('window-all-closed', () => undefined);
serveRenderer(fileURLToPath(new URL('../../out/renderer', import.meta.url)));
const PRINT_PRELOAD = fileURLToPath(new URL('../../out/preload/print.cjs', import.meta.url));

setFlagsFromString('--expose_gc');
(globalThis as { gc?: () => void }).gc = runInNewContext('gc') as () => void;

const onePagePdf = new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n');

describe('notifications', () => {
  it('keep the Notification object alive until clicked, so a click after a garbage collection still opens the window', async () => {
    const { showNotification } = await import('../../electron/main/notifications.ts');
    let opened = 0;
    showNotification({ title: 'New fax', body: 'From Northside Clinic' }, () => { opened++; });
    await new Promise((r) => setImmediate(r));
    electron.standin.collectGarbage();
    expect(electron.standin.clickNotifications()).toBe(1);
    expect(opened).toBe(1);
  });
});

describe('macOS tray icon', () => {
  it('is a 16-point template image with a 2x representation', async () => {
    const real = process.platform;
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      const { createTray } = await import('../../electron/main/tray.ts');
      const tray = createTray({ show: () => undefined, newFax: () => undefined, quit: () => undefined });
      tray.setUnread(3);
      const t = electron.Tray.trays.at(-1)!;
      expect(t.image.isTemplateImage()).toBe(true);
      expect(t.image.getSize()).toEqual({ width: 16, height: 16 });
      expect(t.image.getScaleFactors().sort()).toEqual([1, 2]);
      expect(t.title).toBe('3');
      tray.destroy();
    } finally {
      Object.defineProperty(process, 'platform', { value: real });
    }
  });
});

describe('printing', () => {
  it('a print window that never finishes drawing gives a clear error instead of hanging', async () => {
    const { createPrinter } = await import('../../electron/main/printing.ts');
    electron.standin.setPrintScript({ page: 'hang', result: { success: true, failureReason: '' } });
    const printer = createPrinter(PRINT_PRELOAD, () => null, { renderTimeoutMs: 300 });
    await expect(printer.printPdf(onePagePdf, 'hang.pdf')).rejects.toMatchObject({ code: 'print.timeout', message: expect.stringMatching(/Save as PDF/) });
    expect(electron.BrowserWindow.getAllWindows()).toHaveLength(0);
  });

  it('draws in a hidden window (frames keep coming) and says plainly when there is no printer', async () => {
    vi.resetModules();
    // A fresh ipcMain handler set: the module registers its channels once per printer.
    electron.ipcMain.removeHandler('fxe:print:document');
    electron.ipcMain.removeAllListeners('fxe:print:ready');
    const { createPrinter } = await import('../../electron/main/printing.ts');
    const printer = createPrinter(PRINT_PRELOAD, () => null, { renderTimeoutMs: 60_000 });
    electron.standin.setPrintScript({ page: 'render', result: { success: true, failureReason: '' } });
    await expect(printer.printPdf(onePagePdf, 'ok.pdf')).resolves.toBe(true);
    electron.standin.setPrintScript({ page: 'render', result: { success: false, failureReason: 'Print job canceled' } });
    await expect(printer.printPdf(onePagePdf, 'cancel.pdf')).resolves.toBe(false);
    electron.standin.setPrintScript({ page: 'render', result: { success: false, failureReason: 'No valid printers available' } });
    await expect(printer.printPdf(onePagePdf, 'none.pdf')).rejects.toMatchObject({ code: 'print.no_printer', message: expect.stringMatching(/No printer is set up/) });
  });
});
