// Every security rule of the shell in one place, so a reviewer can read them together:
// the CSP (also sent as a response header), the app:// origin we trust, and the hardening
// applied to every session and every webContents. Everything not explicitly needed is denied.
import type { IpcMainEvent, IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../shared/app/csp.ts';

/** Our renderer's origin: a privileged custom scheme (see app-protocol.ts), never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'fxe-desk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The CSP lives in shared/app/csp.ts (the e2e harness and renderer/index.html use the same). */
export { CONTENT_SECURITY_POLICY };

/** True only for a URL of one of our own pages. */
export function isAppUrl(url: string, page?: 'index.html' | 'print.html'): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return false;
  return page === undefined || parsed.pathname === `/${page}`;
}

/**
 * Accept an IPC message only from the main frame of a window we created, showing our page.
 * Checks the frame (not just the webContents): an injected iframe could otherwise speak for it.
 */
export function isTrustedSender(event: IpcMainInvokeEvent | IpcMainEvent, expected: WebContents | null, page: 'index.html' | 'print.html'): boolean {
  const frame = event.senderFrame;
  if (!frame || !expected || expected.isDestroyed()) return false;
  if (event.sender.id !== expected.id) return false;
  if (frame !== expected.mainFrame) return false;
  return isAppUrl(frame.url, page);
}

/** Session-wide rules: deny every permission, add the CSP and no-sniff headers to our responses. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback(null));
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  // Nothing in the app downloads by itself; a blob: download (phone book CSV) is allowed to
  // show the normal save dialog, anything else is refused.
  session.on('will-download', (event, item) => {
    if (!item.getURL().startsWith('blob:')) event.preventDefault();
  });
}

/** Per-window rules: no new windows, no navigation away, no <webview>. */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
}

/** webPreferences every window of ours uses; the preload differs per window. */
export function secureWebPreferences(preload: string): Electron.WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}
