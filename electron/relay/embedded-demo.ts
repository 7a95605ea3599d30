/**
 * The demo relay the app starts inside itself ("Try the demo"). Unlike `npm run relay`, it
 * is closed to everything but this app on this computer:
 *  - no POST /v1/dev/invites: the two demo invites are minted in-process, so no other program
 *    (or web page) on the machine can join orgs to it;
 *  - a Host check, so a web page cannot reach it through DNS rebinding;
 *  - the demo orgs' keys.zip go to the store the app hands in (its encrypted vault), never to
 *    a plain file. Plain files left by earlier versions are moved into the store and deleted.
 * The demo orgs' credentials name the relay's URL, so the relay comes back at the same address
 * after a restart: the first start takes a free port and remembers it beside the relay's data.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_ORG_SPECS, ensureDemoOrgs, type DemoKeyStore, type DemoOrgKeys } from './demo.ts';
import { startRelay } from './index.ts';

export interface EmbeddedDemo {
  url: string;
  orgs: DemoOrgKeys[];
  close(): Promise<void>;
}

export async function startEmbeddedDemo(p: {
  /** The relay's own database and message files. */
  dataDir: string;
  keys: DemoKeyStore;
  /** Where earlier versions wrote `<slug>/keys.zip` in plain; moved into `keys`, then removed. */
  legacyKeysDir?: string;
}): Promise<EmbeddedDemo> {
  if (p.legacyKeysDir) await adoptLegacyKeyFiles(p.legacyKeysDir, p.keys);
  const portFile = join(p.dataDir, 'port');
  const rememberedPort = Number((await readFile(portFile, 'utf8').catch(() => '')).trim()) || 0;
  const relay = await startRelay({ dataDir: p.dataDir, port: rememberedPort, devInvites: false, localHostOnly: true });
  try {
    await mkdir(p.dataDir, { recursive: true });
    await writeFile(portFile, `${relay.port}\n`);
    const orgs = await ensureDemoOrgs(relay.url, p.keys, async () => (await relay.mintInvite()).token);
    return { url: relay.url, orgs, close: () => relay.close() };
  } catch (e) {
    await relay.close();
    throw e;
  }
}

async function adoptLegacyKeyFiles(dir: string, keys: DemoKeyStore): Promise<void> {
  for (const spec of DEMO_ORG_SPECS) {
    const file = join(dir, spec.slug, 'keys.zip');
    if (!existsSync(file)) continue;
    if (!(await keys.get(spec.slug))) {
      const zip = new Uint8Array(await readFile(file));
      await keys.put(spec.slug, zip);
      zip.fill(0);
    }
    await rm(join(dir, spec.slug), { recursive: true, force: true });
  }
}
