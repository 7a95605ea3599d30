// One app window as the user sees it: a fresh browser context (its own storage), the built
// renderer loaded from the static server, `window.fxe` bridged to a real desk, and every
// uncaught page error collected so a test can assert there were none.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bridgeDesk } from './bridge.ts';
import type { DeskUnderTest } from './desk-env.ts';
import type { StaticServer } from './static-server.ts';

export interface AppWindow {
  context: BrowserContext;
  page: Page;
  desk: DeskUnderTest;
  pageErrors: string[];
}

export async function openAppWindow(
  browser: Browser,
  server: StaticServer,
  desk: DeskUnderTest,
  opts: { colorScheme?: 'light' | 'dark'; /** The computer's time zone (IANA name); UTC by default. */ timezoneId?: string } = {},
): Promise<AppWindow> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: opts.colorScheme ?? 'light',
    locale: 'en-US',
    timezoneId: opts.timezoneId ?? 'UTC',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await bridgeDesk(context, page, desk.desk);
  await page.goto(server.url);
  await appLive(page);
  return { context, page, desk, pageErrors };
}

/**
 * Wait until the app's own script has replaced the first screen the window draws from the
 * start-up answers (renderer/src/first-paint.ts): what a test does on that picture of the
 * Inbox would otherwise race with the app taking over.
 */
export async function appLive(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('fxe:app').length > 0, undefined, { timeout: 30_000 }).catch(() => undefined);
}

/** First run with a keys.zip: the OS file dialog "returns" the path, then the workspace shows. */
export async function importKeysZip(w: AppWindow, keysZipPath: string): Promise<void> {
  w.desk.nextOpenPath = keysZipPath;
  await w.page.getByRole('button', { name: 'Import keys.zip…' }).click();
  await w.page.locator('.workspace').waitFor();
}
