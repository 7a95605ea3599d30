// The Electron shell: lifecycle, the one app window, and the composition of the services.
// Thin on purpose: no business logic here. Everything the app *does* lives in
// electron/services (createDesk), which runs the same under plain Node in the tests.
import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDesk, type Desk } from '../services/desk.ts';
import { createKeytarKeychain } from '../services/keychain/keytar-keychain.ts';
import { startEmbeddedDemo } from '../relay/embedded-demo.ts';
import type { MenuCommand } from '../../shared/ipc/contract.ts';
import { registerAppScheme, serveRenderer } from './app-protocol.ts';
import { createDialogs } from './dialogs.ts';
import { registerIpc } from './ipc.ts';
import { buildAppMenu } from './menu.ts';
import { createNetTransport } from './net-transport.ts';
import { showNotification } from './notifications.ts';
import { createPrinter } from './printing.ts';
import { APP_ORIGIN, hardenSession, hardenWebContents, secureWebPreferences } from './security.ts';
import { createTray } from './tray.ts';

// out/main/index.js is an ES module: no __dirname, so paths come from import.meta.url.
const here = fileURLToPath(new URL('.', import.meta.url));
const PRELOAD = join(here, '../preload/index.cjs');
const PRINT_PRELOAD = join(here, '../preload/print.cjs');
const RENDERER_DIR = join(here, '../renderer');
/** = appId in electron-builder.yml. */
const APP_USER_MODEL_ID = 'network.fxe.desk';

// One running copy: a second launch focuses the first window instead.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme(); // must happen before 'ready'
  app.enableSandbox(); // every renderer sandboxed, whatever a window's options say
  // Windows shows a notification only for an app with an AppUserModelID (the installer's
  // shortcut carries the same one: electron-builder's appId).
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  // Electron only warns about a rejected promise: a failed start would leave a process with
  // no window in the background. Say what went wrong and end with a failure status.
  main().catch((error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`fxe Desk could not start: ${detail}\n`);
    dialog.showErrorBox('fxe Desk could not start', `${error instanceof Error ? error.message : String(error)}\n\nPlease restart fxe Desk. If this keeps happening, reinstall it or contact your IT support.`);
    app.exit(1);
  });
}

let mainWindow: BrowserWindow | null = null;
let desk: Desk | null = null;
let quitting = false;

function showMainWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'fxe Desk',
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: secureWebPreferences(PRELOAD),
  });
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  // Closing the window keeps the app in the tray (faxes keep arriving); Quit really quits.
  win.on('close', (event) => {
    if (!quitting && process.platform !== 'darwin') {
      event.preventDefault();
      win.hide();
    }
  });
  // Windows log-off or shutdown: Electron emits no before-quit then, only these window events,
  // and the close handler above would keep the window (and the app) alive. Quit properly, so
  // the services finish their writes (will-quit below) before Windows ends the process.
  win.on('query-session-end', () => {
    quitting = true;
  });
  win.on('session-end', () => {
    quitting = true;
    app.quit();
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function main(): Promise<void> {
  app.on('second-instance', showMainWindow);
  await app.whenReady();

  hardenSession(session.defaultSession);
  serveRenderer(RENDERER_DIR);
  // Any webContents created later (devtools aside) gets the same rules.
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents));

  const dataDir = join(app.getPath('userData'), 'desk');
  desk = await createDesk({
    dataDir,
    keychain: createKeytarKeychain(),
    // Chromium's network stack (system proxy settings and certificate store), uploads streamed.
    fetch: createNetTransport(),
    dialogs: createDialogs(() => mainWindow),
    printer: createPrinter(PRINT_PRELOAD, () => mainWindow),
    notify: (n) => showNotification(n, showMainWindow),
    // Closed to everything but this app: no dev-invite route, a Host check, keys in the vault.
    startDemoRelay: (keys) => startEmbeddedDemo({ dataDir: join(app.getPath('userData'), 'demo-relay'), keys, legacyKeysDir: join(app.getPath('userData'), 'demo-orgs') }),
  });

  const ipc = registerIpc(desk, () => mainWindow);
  const tray = createTray({
    show: showMainWindow,
    newFax: () => (showMainWindow(), ipc.send({ type: 'menu.command', command: 'new-fax' })),
    quit: () => app.quit(),
  });
  // status.changed is the one source of the unread count: the desk sends it after every
  // change to the faxes, so the shell never asks for the status again.
  desk.onEvent((event) => {
    ipc.send(event);
    if (event.type === 'status.changed') tray.setUnread(event.status.unreadCount);
  });
  const sendCommand = (command: MenuCommand) => (showMainWindow(), ipc.send({ type: 'menu.command', command }));
  Menu.setApplicationMenu(buildAppMenu(sendCommand));

  mainWindow = createMainWindow();
  const status = await desk.invoke('app.status', {});
  if (status.ok) tray.setUnread(status.value.unreadCount);

  app.on('activate', () => {
    if (!mainWindow) mainWindow = createMainWindow();
    else showMainWindow();
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    if (!desk) return;
    // Let the services finish writing (outbox, receipts) before the process exits.
    event.preventDefault();
    const closing = desk;
    desk = null;
    tray.destroy();
    void closing.close().finally(() => app.exit(0));
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin' && quitting) app.quit();
  });
}
