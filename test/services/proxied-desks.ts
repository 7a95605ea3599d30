// Two desks (Northside Clinic as `a`, Harbor Pharmacy as `b`) on one real relay, with a
// tampering proxy on 127.0.0.1 in front of it: the scene of every "a relay that lies or a link
// that breaks" test. Which desks talk through the proxy is the test's choice; the other talks
// to the relay directly.
import type { OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import { importOrg, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from './helpers.ts';
import { startTamperProxy, type TamperProxy } from './tamper-proxy.ts';

export interface ProxiedDesks {
  relay: TestRelay;
  proxy: TamperProxy;
  a: TestDesk;
  b: TestDesk;
  aOrg: OrgId;
  bOrg: OrgId;
  close(): Promise<void>;
}

export async function openProxiedDesks(name: string, through: 'both' | 'b'): Promise<ProxiedDesks> {
  const relay = await startTestRelay();
  const proxy = await startTamperProxy(relay.relay.url);
  const dirs = tempDir(name);
  const viaProxy = { fetch: (input: string, init?: RequestInit) => fetch(input.replace(relay.relay.url, proxy.url), init) };
  const a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false, ...(through === 'both' ? viaProxy : {}) });
  const b = await openTestDesk(join(dirs.path, 'b'), { autoStart: false, ...viaProxy });
  const aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
  const bOrg = await importOrg(b, relay.orgs[1]!.keysZipPath);
  return {
    relay, proxy, a, b, aOrg, bOrg,
    async close() {
      await a.close();
      await b.close();
      await proxy.close();
      await relay.close();
      dirs.remove();
    },
  };
}
