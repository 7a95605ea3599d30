// Debian's Chromium driven by playwright-core. Never `npx playwright install`: the browser
// is /usr/bin/chromium (apt). Flags keep it quiet and offline on a shared 2-core machine.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FXE_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
