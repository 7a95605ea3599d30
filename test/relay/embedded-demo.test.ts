// The app's embedded demo relay is reachable by any program (and, through DNS rebinding, any
// web page) on the computer: it must not mint invites over HTTP, must answer only requests
// addressed to 127.0.0.1/localhost, and must leave no plain keys.zip on disk.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_INVITES_PATH } from '../../shared/fxe-api/index.ts';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { startEmbeddedDemo, type EmbeddedDemo } from '../../electron/relay/embedded-demo.ts';
import type { DemoKeyStore } from '../../electron/relay/demo.ts';
import { tempDir } from '../services/helpers.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A raw request with a chosen Host header (fetch would not let us set it). */
function withHost(url: string, host: string, path: string, method = 'GET'): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers: { host } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
}

describe('the embedded demo relay', () => {
  let dir: { path: string; remove(): void };
  let demo: EmbeddedDemo | null;
  const vault = new Map<string, Uint8Array>();
  const keys: DemoKeyStore = { get: (slug) => vault.get(slug)?.slice() ?? null, put: (slug, zip) => { vault.set(slug, zip.slice()); } };

  beforeEach(() => {
    dir = tempDir('embedded-demo');
    vault.clear();
    demo = null;
  });

  afterEach(async () => {
    await demo?.close();
    dir.remove();
  });

  it('creates the demo orgs without an invite route and without a plain keys.zip anywhere', async () => {
    demo = await startEmbeddedDemo({ dataDir: join(dir.path, 'relay'), keys });
    expect(demo.orgs.map((o) => o.name)).toEqual(['Northside Clinic', 'Harbor Pharmacy']);
    expect([...vault.keys()].sort()).toEqual(['harbor-pharmacy', 'northside-clinic']);
    expect((await readKeysZip(demo.orgs[0]!.keysZip)).credentials.org_id).toBe(demo.orgs[0]!.orgId);
    const invite = await fetch(`${demo.url}${DEV_INVITES_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(invite.status).toBe(404);
    // No file under the relay's directory is a zip (PK\x03\x04).
    for (const f of filesUnder(dir.path)) expect(readFileSync(f).subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 3, 4])), f).toBe(false);
    // A restart finds the same orgs through the store.
    const first = demo.orgs.map((o) => o.orgId);
    await demo.close();
    demo = await startEmbeddedDemo({ dataDir: join(dir.path, 'relay'), keys });
    expect(demo.orgs.map((o) => o.orgId)).toEqual(first);
  });

  it('answers only requests addressed to itself by 127.0.0.1 or localhost', async () => {
    demo = await startEmbeddedDemo({ dataDir: join(dir.path, 'relay'), keys });
    const port = new URL(demo.url).port;
    expect(await withHost(demo.url, `127.0.0.1:${port}`, '/v1/health')).toBe(200);
    expect(await withHost(demo.url, `localhost:${port}`, '/v1/health')).toBe(200);
    for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1:${Number(port) + 1}`]) {
      expect(await withHost(demo.url, host, '/v1/health'), host).toBe(421);
    }
  });

  it('moves keys.zip files left by earlier versions into the store and deletes them', async () => {
    // An earlier run wrote the clinic's keys in plain.
    demo = await startEmbeddedDemo({ dataDir: join(dir.path, 'relay'), keys });
    const clinic = vault.get('northside-clinic')!;
    await demo.close();
    demo = null;
    vault.delete('northside-clinic');
    const legacy = join(dir.path, 'demo-orgs');
    mkdirSync(join(legacy, 'northside-clinic'), { recursive: true });
    writeFileSync(join(legacy, 'northside-clinic', 'keys.zip'), clinic);
    demo = await startEmbeddedDemo({ dataDir: join(dir.path, 'relay'), keys, legacyKeysDir: legacy });
    expect(readdirSync(legacy)).toEqual([]);
    expect(Buffer.from(vault.get('northside-clinic')!).equals(Buffer.from(clinic))).toBe(true);
    expect(demo.orgs[0]!.orgId).toBe((await readKeysZip(clinic)).credentials.org_id);
  });
});
