// Every npm package has a layer, and a file may import only packages its folder's layer
// allows (Signal's "uncategorized dependency" rule). A new dependency fails the lint until
// someone decides here where it may run: `better-sqlite3` in shared/ or `react` in the
// services is caught at review time, not at runtime in the one place it breaks.
//
// Layers (the folder says where code runs; eslint.config.js maps folders to layers):
//   std   shared/: runs in Node, Electron main and the sandboxed renderer alike
//   dom   renderer/: the browser page (std packages too)
//   node  electron/services, electron/relay: plain Node (std packages too)
//   main  electron/main, electron/preload: the Electron shell (std and node packages too)
//   test  test/: anything but the shell's own runtime
//   build the root config files
import { builtinModules } from 'node:module';

/** Where each package may be imported. A package missing here is refused everywhere. */
export const PACKAGE_LAYERS = {
  '@noble/ciphers': ['std'],
  '@noble/curves': ['std'],
  '@noble/hashes': ['std'],
  '@noble/post-quantum': ['std'],
  jszip: ['std'],
  'libphonenumber-js': ['std'],
  react: ['dom'],
  'react-dom': ['dom'],
  // pdf.js renders in the page and counts pages in a service worker thread.
  'pdfjs-dist': ['dom', 'node'],
  'pdf-lib': ['node'],
  'better-sqlite3': ['node'],
  // Multipart parsing only in the PSTN providers' test stand-ins (the relay has its own parser).
  busboy: ['test'],
  keytar: ['node'],
  'sodium-native': ['node'],
  '@ngrok/ngrok': ['node'],
  // Office mode's PostgreSQL client (pure JS) and TIFF decoding for combining scans into a fax.
  pg: ['node'],
  utif2: ['node'],
  electron: ['main'],
  vitest: ['test'],
  'playwright-core': ['test'],
  '@oqs/liboqs-js': ['test'],
  'electron-vite': ['build'],
  vite: ['build'],
  '@vitejs/plugin-react': ['build'],
  // The layer test lints probe sources through ESLint with the project's own TypeScript setup.
  'typescript-eslint': ['build', 'test'],
  eslint: ['test', 'build'],
};

/** What each folder layer may import, by package layer. */
const ALLOWED = {
  std: ['std'],
  dom: ['std', 'dom'],
  node: ['std', 'node'],
  main: ['std', 'node', 'main'],
  test: ['std', 'dom', 'node', 'test'],
  build: ['std', 'node', 'build', 'test'],
};

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** '@scope/name/sub/path.js' → '@scope/name'; 'name/sub?url' → 'name'; null for relative or built-in. */
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || builtins.has(specifier) || specifier.startsWith('node:')) return null;
  const bare = specifier.split('?')[0];
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export const packageLayerRule = {
  meta: {
    type: 'problem',
    schema: [{ enum: Object.keys(ALLOWED) }],
    messages: {
      uncategorized: "'{{pkg}}' has no layer: add it to PACKAGE_LAYERS in eslint-rules/package-layers.js, saying where it may run.",
      wrongLayer: "'{{pkg}}' belongs to the {{layers}} layer; {{file}} is in the {{layer}} layer and may not import it.",
    },
  },
  create(context) {
    const layer = context.options[0];
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const pkg = packageOf(source.value);
      if (!pkg) return;
      const layers = PACKAGE_LAYERS[pkg];
      if (!layers) {
        context.report({ node, messageId: 'uncategorized', data: { pkg } });
        return;
      }
      if (!layers.some((l) => ALLOWED[layer].includes(l))) {
        context.report({ node, messageId: 'wrongLayer', data: { pkg, layers: layers.join('/'), layer, file: context.filename.replace(context.cwd + '/', '') } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : null),
    };
  },
};
