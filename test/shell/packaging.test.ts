// electron-builder.yml against electron-builder's documented behaviour: `deb.depends`
// replaces the default dependency list (DebOptions.depends, electron.build), so every default
// must still be there; every `npm run X` the file names must exist; and the supported Linux
// floor (glibc 2.34) is declared and documented.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const yml = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const packagingDoc = readFileSync(new URL('../../docs/packaging.md', import.meta.url), 'utf8');

/** The items of `deb.depends`, in either YAML list style. */
function debDepends(): string[] {
  const deb = yml.slice(yml.indexOf('\ndeb:'));
  const flow = /depends:\s*\[([^\]]*)\]/.exec(deb);
  if (flow) return flow[1]!.split(',').map((s) => s.trim());
  const block = /depends:\s*\n((?:\s+-\s+.*\n?)+)/.exec(deb);
  return block ? block[1]!.split('\n').map((l) => l.replace(/^\s*-\s*/, '').trim()).filter(Boolean) : [];
}

describe('electron-builder.yml', () => {
  it('keeps electron-builder\'s default .deb dependencies and adds libsecret', () => {
    const deps = debDepends().map((d) => d.split(' ')[0]);
    for (const d of ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0']) expect(deps).toContain(d);
  });

  it('names no npm script that does not exist', () => {
    for (const m of yml.matchAll(/npm run ([\w:-]+)/g)) expect(Object.keys(pkg.scripts)).toContain(m[1]);
  });

  it('declares the glibc floor and documents it (Ubuntu 22.04+, Debian 12+)', () => {
    expect(debDepends()).toContain('libc6 (>= 2.34)');
    expect(packagingDoc).toMatch(/glibc 2\.34/);
    expect(packagingDoc).toMatch(/Ubuntu 22\.04/);
    expect(packagingDoc).toMatch(/Debian 12/);
  });
});
