// What makes the built CLI start fast (vite.cli.config.ts, electron/services/cli/entry.ts):
// Node's compile cache in the user's own cache folder, and built-in modules taken with
// process.getBuiltinModule instead of `import` (whose facade runs every export getter).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../electron/services/cli/compile-cache.ts';
import { builtinImportsToGetBuiltinModule } from '../../vite.cli.config.ts';
import { cliArgv, tempDir } from './helpers.ts';

/** The entry itself from the sources (main.ts, which cliArgv runs then, has no cache to turn on). */
const entryArgv = (): string[] => (process.env.FXE_TEST_CLI === 'bundle' ? cliArgv([])
  : ['--experimental-strip-types', '--no-warnings', fileURLToPath(new URL('../../electron/services/cli/entry.ts', import.meta.url))]);

describe('the CLI bundle starts without import facades for built-in modules', () => {
  it('rewrites named, renamed, default and namespace imports of built-ins, and nothing else', () => {
    const code = [
      'import { a, b as c } from "node:fs";',
      'import Database from "better-sqlite3";',
      'import path from "path";',
      'import * as os from "node:os";',
      'import { x } from "./chunk.js";',
      'const s = "import { y } from \\"node:fs\\";";',
    ].join('\n');
    expect(builtinImportsToGetBuiltinModule(code).split('\n')).toEqual([
      'const { a, b: c } = process.getBuiltinModule("node:fs");',
      'import Database from "better-sqlite3";',
      'const path = process.getBuiltinModule("path");',
      'const os = process.getBuiltinModule("node:os");',
      'import { x } from "./chunk.js";',
      'const s = "import { y } from \\"node:fs\\";";',
    ]);
  });

  it('refuses a form of import it does not know, rather than building a bundle that differs', () => {
    expect(() => builtinImportsToGetBuiltinModule('import fs, { readFileSync } from "node:fs";')).toThrow(/does not know how to rewrite/);
  });
});

describe("the CLI's compile cache", () => {
  it("lives in the user's own cache folder on each platform", () => {
    expect(compileCacheDir({}, 'linux', '/home/ann')).toBe('/home/ann/.cache/fxe-desk/compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: '/var/cache/ann' }, 'linux', '/home/ann')).toBe('/var/cache/ann/fxe-desk/compile-cache');
    expect(compileCacheDir({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Caches/fxe-desk/compile-cache');
    expect(compileCacheDir({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, 'win32', 'C:\\Users\\ann')).toBe(join('C:\\Users\\ann\\AppData\\Local', 'fxe-desk', 'compile-cache'));
  });

  it('is made, private to the user, by a run of the CLI (and filled, by the bundle); NODE_DISABLE_COMPILE_CACHE leaves it out', () => {
    const dir = tempDir('cli-cache');
    try {
      const cacheHome = join(dir.path, 'cache');
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome };
      delete env['NODE_COMPILE_CACHE'];
      delete env['NODE_DISABLE_COMPILE_CACHE'];
      const off = spawnSync(process.execPath, entryArgv(), { env: { ...env, NODE_DISABLE_COMPILE_CACHE: '1' }, encoding: 'utf8' });
      expect(off.stderr).toMatch(/usage:/);
      expect(existsSync(join(cacheHome, 'fxe-desk'))).toBe(false);
      const on = spawnSync(process.execPath, entryArgv(), { env, encoding: 'utf8' });
      expect(on.status).toBe(2); // the usage message, as without the cache
      expect(on.stderr).toMatch(/usage:/);
      const cache = join(cacheHome, 'fxe-desk', 'compile-cache');
      expect(statSync(cache).mode & 0o777).toBe(0o700);
      // Node caches the bundle's JavaScript (not TypeScript run from the sources).
      if (process.env.FXE_TEST_CLI === 'bundle') expect(readdirSync(cache).length).toBeGreaterThan(0);
    } finally {
      dir.remove();
    }
  });
});
