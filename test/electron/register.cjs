// Loaded with `node --require ./test/electron/register.cjs out/main/index.js`: makes the real
// built main bundle (and every worker thread it starts: --require preloads run in workers
// too, --import ones do not) see
//   - `electron`            → test/electron/electron.ts, the stand-in for Electron's main-process API;
//   - `node:crypto`/`crypto` → a BoringSSL-shaped node:crypto (test/electron/boringssl-crypto.ts).
// Synchronous in-thread hooks (module.registerHooks, Node ≥ 22.15) so `require` is covered too
// (the hash worker is an eval'd CommonJS script).
'use strict';
const { registerHooks } = require('node:module');
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');

const ELECTRON_URL = pathToFileURL(join(__dirname, 'electron.ts')).href;
const BORINGSSL_IMPL_URL = pathToFileURL(join(__dirname, 'boringssl-crypto.ts')).href;
const VIRTUAL_CRYPTO_URL = 'fxe-standin:boringssl-crypto';

function cryptoModuleSource() {
  // Every export of Node's crypto, each replaced where BoringSSL differs. Generated, so the
  // named exports are exactly Node's (an import of a name Node lacks fails the same way).
  const real = process.getBuiltinModule('node:crypto');
  const names = Object.keys(real).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
  return [
    `import * as real from 'node:crypto';`,
    `import { boringSslOverrides } from ${JSON.stringify(BORINGSSL_IMPL_URL)};`,
    `const o = boringSslOverrides(real);`,
    `const merged = { ...real, ...o };`,
    ...names.map((n) => `export const ${n} = merged.${n};`),
    `export default merged;`,
  ].join('\n');
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'electron') return { url: ELECTRON_URL, shortCircuit: true };
    if ((specifier === 'node:crypto' || specifier === 'crypto') && process.env.FXE_STANDIN_CRYPTO !== 'node') {
      // The generated module and the overrides import the real one.
      if (context.parentURL === VIRTUAL_CRYPTO_URL || context.parentURL === BORINGSSL_IMPL_URL) return nextResolve(specifier, context);
      return { url: VIRTUAL_CRYPTO_URL, format: 'module', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (url === VIRTUAL_CRYPTO_URL) return { format: 'module', source: cryptoModuleSource(), shortCircuit: true };
    return nextLoad(url, context);
  },
});
