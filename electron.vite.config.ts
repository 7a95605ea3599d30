import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import type { Plugin, Rollup } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Packages with a native addon: loaded from node_modules at run time, never bundled (the CLI build uses the same list). */
export const NATIVE_PACKAGES = ['keytar', 'better-sqlite3', 'sodium-native', '@ngrok/ngrok'];
const pdfjsRoot = resolve(root, 'node_modules/pdfjs-dist');

/**
 * Ship pdf.js's data files next to the renderer (out/renderer/pdfjs/…), so faxes render
 * faithfully offline: standard fonts (faxes often use the 14 base fonts without embedding
 * them), CMaps (CJK text), ICC profiles and the JBIG2/JPEG 2000/colour wasm decoders (scanned
 * faxes are often JBIG2). The QuickJS scripting engine and the JS fallbacks are left out on
 * purpose: scripting stays off, and the CSP allows no script but our own.
 */
function pdfjsAssets(): Plugin {
  const dirs = ['standard_fonts', 'cmaps', 'iccs', 'wasm'];
  const excluded = /quickjs|nowasm_fallback|^LICENSE_PDFJS_QUICKJS|^LICENSE_QUICKJS/;
  return {
    name: 'fxe-pdfjs-assets',
    apply: 'build',
    generateBundle() {
      for (const dir of dirs) {
        const abs = join(pdfjsRoot, dir);
        for (const name of readdirSync(abs)) {
          if (excluded.test(name) || !statSync(join(abs, name)).isFile()) continue;
          this.emitFile({ type: 'asset', fileName: `pdfjs/${dir}/${name}`, source: readFileSync(join(abs, name)) });
        }
      }
    },
  };
}

/**
 * The window's entry (renderer/src/main.tsx) draws the first screen before it runs the app's
 * script (mount.tsx, imported when needed). The page names that script and the chunks it
 * imports in a meta tag, and the entry preloads them as soon as its own requests are out, so
 * the browser fetches and compiles them while the answers come and the first screen is drawn,
 * without competing with the entry's own start. Vite's own preloading is off
 * (build.modulePreload): its helper adds the links only when the import runs.
 */
function namesAppScript(): Plugin {
  return {
    name: 'fxe-names-app-script',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle || !ctx.filename.endsWith('index.html')) return html;
        const chunks = Object.values(ctx.bundle).filter((c): c is Rollup.OutputChunk => c.type === 'chunk');
        const entry = chunks.find((c) => c.isEntry && (c.facadeModuleId ?? '').endsWith('/renderer/index.html'));
        const app = chunks.find((c) => c.isDynamicEntry && (c.facadeModuleId ?? '').endsWith('/renderer/src/mount.tsx'));
        if (!entry || !app) throw new Error('fxe-names-app-script: no chunk for renderer/index.html or renderer/src/mount.tsx');
        const files = [...new Set([app.fileName, ...app.imports])].filter((f) => f !== entry.fileName && !entry.imports.includes(f));
        return {
          html,
          tags: [
            // What the entry itself imports is needed at once: preloaded, as Vite would.
            ...entry.imports.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${f}` }, injectTo: 'head' as const })),
            { tag: 'meta', attrs: { name: 'fxe-app-script', content: files.map((f) => `./${f}`).join(' ') }, injectTo: 'head' as const },
          ],
        };
      },
    },
  };
}

// Three bundles from one config: main (Node, ESM), preload (CommonJS: a sandboxed preload
// cannot be an ES module, and "type": "module" would otherwise make it index.mjs), renderer.
// Two pages in the renderer and two preloads: the app window (index) and the hidden print
// window (print), which renders a decrypted fax page by page for the OS print dialog.
export default defineConfig({
  main: {
    build: {
      // The PDF worker (electron/services/inbox/pdf-parse.ts) is its own entry so that it lands
      // beside index.js as out/main/pdf-parse-worker.js, where pdf-parse.ts looks for it.
      lib: {
        entry: {
          index: resolve(root, 'electron/main/index.ts'),
          'pdf-parse-worker': resolve(root, 'electron/services/inbox/pdf-parse-worker.ts'),
          // Likewise the cover page worker (electron/services/outbox/cover-page.ts).
          'cover-page-worker': resolve(root, 'electron/services/outbox/cover-page-worker.ts'),
          // And the worker that combines several files into one fax (electron/services/compose/compose.ts).
          'compose-worker': resolve(root, 'electron/services/compose/compose-worker.ts'),
        },
      },
      // Native modules (and the packages that load them) and Electron itself stay outside the bundle.
      rollupOptions: { external: ['electron', ...NATIVE_PACKAGES] },
    },
  },
  preload: {
    build: {
      lib: { entry: { index: resolve(root, 'electron/preload/index.ts'), print: resolve(root, 'electron/preload/print.ts') } },
      rollupOptions: {
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    // Relative URLs: the same build loads from app://, file:// and the test's http server.
    base: './',
    build: {
      rollupOptions: { input: { index: resolve(root, 'renderer/index.html'), print: resolve(root, 'renderer/print.html') } },
      chunkSizeWarningLimit: 4096,
      // electron-vite leaves the renderer unminified by default; minified, the window's script
      // is fetched and compiled in well under half the time (the Inbox's first rows wait for it).
      minify: true,
      // The entry preloads the app's script itself (namesAppScript).
      modulePreload: false,
    },
    plugins: [react(), pdfjsAssets(), namesAppScript()],
  },
});
