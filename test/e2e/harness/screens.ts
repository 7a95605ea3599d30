// Screenshots of the main screens, saved as test artifacts (test-artifacts/screenshots/).
// A test run never writes into the tracked tree: `npm run screenshots` copies the latest
// artifacts into docs/screenshots/ when someone means to refresh the documentation.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './renderer-build.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export async function saveScreen(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  // Let the caret and transitions settle so screenshots are stable from run to run.
  await page.screenshot({ path: file, caret: 'hide', animations: 'disabled' });
  return file;
}
