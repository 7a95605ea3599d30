// The local relay behind "Try the demo". The demo orgs' keys.zip files name the relay's URL,
// so the relay must come back at the same address after a restart: the first start takes a
// free port and remembers it beside the relay's data; later starts listen there again, on
// the same data, and the demo orgs keep working.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoOrgs } from '../relay/demo.ts';
import { startRelay } from '../relay/index.ts';
import type { DemoRelay } from '../services/desk.ts';

export async function startDemoRelay(userData: string): Promise<DemoRelay> {
  const dataDir = join(userData, 'demo-relay');
  const portFile = join(dataDir, 'port');
  let port = 0;
  try {
    port = Number(readFileSync(portFile, 'utf8').trim()) || 0;
  } catch {
    // First start: any free port.
  }
  const relay = await startRelay({ dataDir, port });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(portFile, `${relay.port}\n`);
  const orgs = await createDemoOrgs({ relayUrl: relay.url, outDir: join(userData, 'demo-orgs') });
  return { url: relay.url, orgs, close: () => relay.close() };
}
