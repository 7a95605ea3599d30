// Two desks of one office through the same IPC calls the window makes: Ann creates the office
// on the first desk (the org's keys.zip imported there), Ben joins from the second with the
// keys.zip picked in the same step. Each desk has its own data folder and vault.
import type { OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import type { DeskDeps } from '../../electron/services/desk.ts';
import { importOrg, openTestDesk, type TestDesk, type TestRelay } from '../services/helpers.ts';

export async function officeOfTwo(pgUrl: string, relay: TestRelay, dir: string, extra: Partial<DeskDeps> = {}): Promise<{ a: TestDesk; b: TestDesk; orgId: OrgId }> {
  const open = (name: string) => openTestDesk(join(dir, name), { autoStart: false, ...extra, timings: { officeReconnectMs: 200, ...extra.timings } });
  const a = await open('a');
  const b = await open('b');
  const orgId = await importOrg(a, relay.orgs[0]!.keysZipPath);
  const joining = { url: pgUrl, create: false, importKeysZip: false };
  await a.call('office.join', { ...joining, create: true, personName: 'Ann', deskName: 'Front desk' });
  b.nextOpen = relay.orgs[0]!.keysZipPath;
  await b.call('office.join', { ...joining, importKeysZip: true, personName: 'Ben', deskName: 'Back office' });
  return { a, b, orgId };
}
