// The scene most front-desk tests need: Northside Clinic (+1 555 111 0001) in a real Chromium
// window over its real desk, and Harbor Pharmacy (+1 555 222 0002) as a desk without a window
// (it only sends and receives), both on one real local relay.
import type { Browser } from 'playwright-core';
import { importKeysZip, openAppWindow, type AppWindow } from './app-window.ts';
import { launchChromium } from './browser.ts';
import { startDeskEnv, type DeskEnv, type DeskUnderTest } from './desk-env.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { serveDirectory, type StaticServer } from './static-server.ts';

export interface ClinicAndPharmacy {
  env: DeskEnv;
  server: StaticServer;
  browser: Browser;
  clinic: AppWindow;
  pharmacy: DeskUnderTest;
  close(): Promise<void>;
}

/** `name` keeps each test file's desks in folders of their own. */
export async function openClinicAndPharmacy(name: string): Promise<ClinicAndPharmacy> {
  const rendererDir = ensureRendererBuilt();
  const env = await startDeskEnv();
  const server = await serveDirectory(rendererDir);
  const browser = await launchChromium();
  const close = async (): Promise<void> => {
    await browser.close();
    await server.close();
    await env.close();
  };
  try {
    const clinic = await openAppWindow(browser, server, await env.openDesk(`${name}-clinic`));
    await importKeysZip(clinic, env.orgs[0]!.keysZipPath);
    const pharmacy = await env.openDesk(`${name}-pharmacy`);
    pharmacy.nextOpenPath = env.orgs[1]!.keysZipPath;
    const imported = await pharmacy.desk.invoke('orgs.importKeysZip', {});
    if (!imported.ok) throw new Error(imported.error.message);
    return { env, server, browser, clinic, pharmacy, close };
  } catch (e) {
    await close();
    throw e;
  }
}
