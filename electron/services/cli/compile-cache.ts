/**
 * Node's on-disk compile cache for the built CLI (entry.ts turns it on before the CLI is
 * loaded): compiling the bundle's JavaScript was a good part of every run's start, and
 * pdf.js's, in the PDF check's worker thread, more. The cache holds only V8's compiled form of
 * the code, keyed by the source's hash: a changed bundle is simply compiled again.
 * NODE_COMPILE_CACHE=<dir> picks another folder, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
import { mkdirSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The user's own cache folder, never a shared temp folder (another account could plant entries there). */
export function compileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  const base = platform === 'win32' ? (env['LOCALAPPDATA'] || join(home, 'AppData', 'Local'))
    : platform === 'darwin' ? join(home, 'Library', 'Caches')
      : (env['XDG_CACHE_HOME'] || join(home, '.cache'));
  return join(base, 'fxe-desk', 'compile-cache');
}

export function turnOnCompileCache(): void {
  if (process.env['NODE_DISABLE_COMPILE_CACHE'] || process.env['NODE_COMPILE_CACHE']) return; // Node already did as asked
  try {
    const dir = compileCacheDir(process.env, process.platform, homedir());
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Worker threads do not inherit enableCompileCache(), but they read this variable when
    // they start: the PDF check's pdf.js is then cached too.
    process.env['NODE_COMPILE_CACHE'] = dir;
    enableCompileCache(dir);
  } catch {
    // No cache (a read-only home…): the CLI only starts slower.
  }
}
