// The layer rules are only worth having if they fail: each case here is an import the
// project's lint configuration must refuse (or allow), checked through ESLint itself.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The probes exist only as text handed to ESLint, so no tsconfig project can include them:
// the type-aware rules are switched off for them (the layer rules need no types).
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: [{ files: ['**/probe.ts', '**/probe.test.ts'], ...tseslint.configs.disableTypeChecked }] });
/** The shell's runtime, spelled out of line: these are probe sources for ESLint, never loaded. */
const IMPORT_ELECTRON_APP = "import { app } from " + "'electron';";

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import layers', () => {
  it.each([
    ['shared/protocol/probe.ts', "import Database from 'better-sqlite3'; export { Database };", 'fxe/package-layer'],
    ['shared/protocol/probe.ts', "import { readFileSync } from 'node:fs'; export { readFileSync };", 'no-restricted-imports'],
    ['renderer/src/probe.ts', "import keytar from 'keytar'; export { keytar };", 'fxe/package-layer'],
    ['electron/services/probe.ts', `${IMPORT_ELECTRON_APP} export { app };`, 'no-restricted-imports'],
    ['electron/services/probe.ts', "import { useState } from 'react'; export { useState };", 'fxe/package-layer'],
    ['electron/relay/probe.ts', "import pad from 'some-new-package'; export { pad };", 'fxe/package-layer'],
    ['test/probe.test.ts', `${IMPORT_ELECTRON_APP} export { app };`, 'no-restricted-imports'],
  ])('%s refuses: %s', async (file, code, rule) => {
    expect((await problems(file, code)).some((p) => p.startsWith(`${rule}:`))).toBe(true);
  });

  it.each([
    ['shared/protocol/probe.ts', "import { sha256 } from '@noble/hashes/sha2.js'; export { sha256 };"],
    ['renderer/src/probe.ts', "import { useState } from 'react'; export { useState };"],
    ['electron/services/probe.ts', "import Database from 'better-sqlite3'; export { Database };"],
    ['electron/main/probe.ts', `${IMPORT_ELECTRON_APP} import keytar from 'keytar'; export { app, keytar };`],
  ])('%s allows: %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
