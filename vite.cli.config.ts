// The CLI as a built bundle (out/cli/fxe-desk.js, package.json "bin"): ES modules with the
// pure-JS dependencies inlined, so a run starts without compiling TypeScript or resolving a
// few hundred modules. Native modules stay outside, loaded from node_modules as usual. The
// PDF and cover-page workers are entries of their own beside it, where their modules look.
// What makes it start fast (each measured, docs/benchmarks.md):
//   - the entry (cli/entry.ts) turns on Node's compile cache, then loads the rest;
//   - comments and whitespace are left out (less to read and decode; names are kept, so
//     stack traces and profiles still read), and the output is ASCII (\u escapes): Node
//     decodes a source with one non-ASCII character into a two-byte string, ~2× slower to
//     decode and to scan (pdf.js's 2.6 MB, in the PDF check's worker, at every send);
//   - Node's built-in modules are taken with process.getBuiltinModule, not `import`: an
//     import builds an ES module facade that runs every export getter, and node:http's
//     getters load undici and zlib (~0.1 s of CPU) for a WebSocket nobody uses.
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
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const external = [...native, ...builtins];

/**
 * `import { a, b as c } from "node:x";` → `const { a, b: c } = process.getBuiltinModule("node:x");`
 * (and the default and namespace forms) in the emitted chunks. The bindings are the same
 * objects; only the facade, and the getters it runs, are skipped.
 */
export function builtinImportsToGetBuiltinModule(code: string): string {
  return code.replace(/^import\s+(.+?)\s+from\s+"([^"]+)";$/gm, (line, what: string, spec: string) => {
    if (!builtins.has(spec)) return line;
    const get = `process.getBuiltinModule(${JSON.stringify(spec)})`;
    const named = /^\{([^}]*)\}$/.exec(what);
    if (named) return `const {${named[1]!.replace(/(\S+)\s+as\s+(\S+)/g, '$1: $2')}} = ${get};`;
    const namespace = /^\*\s+as\s+(\S+)$/.exec(what);
    if (namespace) return `const ${namespace[1]} = ${get};`;
    if (/^[\w$]+$/.test(what)) return `const ${what} = ${get};`;
    throw new Error(`vite.cli.config: an import of ${spec} this build does not know how to rewrite: ${line}`);
  });
}

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
        'fxe-desk': resolve(root, 'electron/services/cli/entry.ts'),
        'pdf-parse-worker': resolve(root, 'electron/services/inbox/pdf-parse-worker.ts'),
        'cover-page-worker': resolve(root, 'electron/services/outbox/cover-page-worker.ts'),
      },
      external,
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        // Beside the entries: modules find their workers relative to their own URL.
        chunkFileNames: '[name].js',
        minify: { compress: false, mangle: false, codegen: { removeWhitespace: true, asciiOnly: true } },
        banner: (chunk) => (chunk.name === 'fxe-desk' ? '#!/usr/bin/env node' : ''),
      },
    },
  },
  ssr: { noExternal: true, external: native, target: 'node' },
  plugins: [{
    name: 'fxe-cli-builtins',
    renderChunk: (code) => ({ code: builtinImportsToGetBuiltinModule(code), map: null }),
  }, {
    name: 'fxe-cli-executable',
    apply: 'build',
    writeBundle() {
      chmodSync(resolve(outDir, 'fxe-desk.js'), 0o755);
    },
  }],
});
