// Screenshots of the main screens: saved as test artifacts and copied into docs/screenshots
// so the documentation always shows the current UI.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './renderer-build.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');
const DOCS = join(REPO_ROOT, 'docs', 'screenshots');

export async function saveScreen(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  mkdirSync(DOCS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  // Let the caret and transitions settle so screenshots are stable from run to run.
  await page.screenshot({ path: file, caret: 'hide', animations: 'disabled' });
  copyFileSync(file, join(DOCS, `${name}.png`));
  return file;
}
