// The end-to-end suite drives the REAL renderer build (out/renderer). The lead's `npm test`
// builds before vitest; when run on its own, build once here if the output is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RENDERER_DIR = fileURLToPath(new URL('../../../out/renderer/', import.meta.url));

export function ensureRendererBuilt(): string {
  const needed = ['index.html', 'print.html', 'pdfjs/standard_fonts/LiberationSans-Regular.ttf'];
  if (needed.every((f) => existsSync(RENDERER_DIR + f))) return RENDERER_DIR;
  execFileSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  for (const f of needed) if (!existsSync(RENDERER_DIR + f)) throw new Error(`electron-vite build did not produce out/renderer/${f}`);
  return RENDERER_DIR;
}
