// Inside electron/services, dependencies point one way (docs/services.md): desk.ts → ipc/ →
// desk-services.ts (the composition) → the domain folders → the base (storage, crypto,
// relay-client, keychain and the small shared modules). This reads every import of every
// module there, types included, and fails on one that points back up.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = 'electron/services';

/** The layer of a module, by its path under electron/services (higher imports lower, never the reverse). */
function layerOf(path: string): number {
  const top = path.split('/')[0]!;
  if (top === 'desk.ts') return 5;
  if (top === 'ipc') return 4;
  if (top === 'cli') return 4; // a shell over the same services, like the Electron one
  if (top === 'desk-services.ts') return 3;
  if (BASE.has(top)) return 1;
  return 2; // a domain folder: inbox, outbox, receiver, trust, vault, office, …
}

const BASE = new Set(['storage', 'crypto', 'relay-client', 'keychain', 'errors.ts', 'backoff.ts', 'chunk-memory.ts', 'workers']);


function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return modules(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import (static, `import type`, re-exports, dynamic) of one module, as paths under electron/services. */
function importsOf(file: string, source: string): string[] {
  const found = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
  return found
    .map((spec) => relative(ROOT, normalize(join(dirname(file), spec))))
    .filter((p) => !p.startsWith('..'));
}

/** Imports that point to a higher layer, and base modules reading a domain folder. */
function upwardImports(edges: [from: string, to: string][]): string[] {
  return edges.flatMap(([from, to]) => {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a === 1 && b === 2) return [`${from} → ${to} (the base reads a domain folder)`];
    return b > a ? [`${from} → ${to}`] : [];
  });
}

function serviceEdges(): [string, string][] {
  return modules(ROOT).flatMap((file) => {
    const from = relative(ROOT, file);
    return importsOf(file, readFileSync(file, 'utf8')).map((to): [string, string] => [from, to]);
  });
}

describe('electron/services layers', () => {
  it('has no import pointing up: domain code never reaches the composition, the base never reaches the domain', () => {
    const edges = serviceEdges();
    expect(edges.length).toBeGreaterThan(200); // the scan really read the imports
    expect(upwardImports(edges)).toEqual([]);
  });

  it('the check catches each kind of upward import', () => {
    expect(upwardImports([
      ['vault/onboarding.ts', 'desk-services.ts'],
      ['inbox/faxes.ts', 'ipc/validate.ts'],
      ['desk-services.ts', 'desk.ts'],
      ['storage/blob-store.ts', 'vault/vault.ts'],
      ['relay-client/client-pool.ts', 'vault/org-registry.ts'],
      ['storage/inbox-store.ts', 'inbox/faxes.ts'],
    ])).toHaveLength(6);
    expect(upwardImports([['inbox/sqlite-inbox-store.ts', 'storage/inbox-store.ts'], ['desk.ts', 'ipc/validate.ts'], ['outbox/outbox.ts', 'storage/database.ts']])).toEqual([]);
  });

  it('reads every form of import, type-only and dynamic ones included', () => {
    const src = "import type { A } from '../vault/vault.ts';\nexport { B } from './b.ts';\nconst c = await import('../inbox/faxes.ts');\nimport './side-effect.ts';\n";
    expect(importsOf(`${ROOT}/storage/x.ts`, src)).toEqual(['vault/vault.ts', 'storage/b.ts', 'inbox/faxes.ts', 'storage/side-effect.ts']);
  });
});
