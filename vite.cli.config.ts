// The CLI as a built bundle (out/cli/fxe-desk.js, package.json "bin"): one ES module with the
// pure-JS dependencies inlined, so a run starts without compiling TypeScript or resolving a
// few hundred modules. Native modules stay outside, loaded from node_modules as usual. The
// PDF and cover-page workers are entries of their own beside it, where their modules look.
//   npm run build:cli   (also part of npm run build)
import { chmodSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { NATIVE_PACKAGES } from './electron.vite.config.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = resolve(root, 'out/cli');
const native = [...NATIVE_PACKAGES, 'electron'];
const external = [...native, ...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default defineConfig({
  build: {
    ssr: true,
    outDir,
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        'fxe-desk': resolve(root, 'electron/services/cli/main.ts'),
        'pdf-parse-worker': resolve(root, 'electron/services/inbox/pdf-parse-worker.ts'),
        'cover-page-worker': resolve(root, 'electron/services/outbox/cover-page-worker.ts'),
      },
      external,
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        banner: (chunk) => (chunk.name === 'fxe-desk' ? '#!/usr/bin/env node' : ''),
      },
    },
  },
  ssr: { noExternal: true, external: native, target: 'node' },
  plugins: [{
    name: 'fxe-cli-executable',
    apply: 'build',
    writeBundle() {
      chmodSync(resolve(outDir, 'fxe-desk.js'), 0o755);
    },
  }],
});
