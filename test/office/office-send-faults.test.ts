// The shared outbox with real processes: three desks (test/office/desk-driver.ts) each queue
// 100 faxes and send from the shared outbox at once; one desk is SIGKILLed in the middle of
// sending, holding claims. Its claimed rows wait out their lease and are sent by the others
// (a row it had uploaded gets the relay's 409 and counts as sent). The relay's records tell:
// each of the 300 faxes reached the recipient exactly once, and nothing else did.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, tempDir, waitFor, type TestRelay } from '../services/helpers.ts';
import { startDesk, stopChild, type Child } from './children.ts';
import { relayMessages } from './office-scene.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const PER_DESK = 100;

let server: PrivatePostgres;
let relay: TestRelay;
const dirs: { path: string; remove(): void }[] = [];
const children: Child[] = [];

beforeAll(async () => { [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]); });
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await relay?.close();
  server?.destroy();
  for (const d of dirs) d.remove();
});

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: server.adminUrl });
  await c.connect();
  try { return (await c.query<T>(sql)).rows; } finally { await c.end(); }
}

describe('office send under faults', () => {
  it(`3 desks send ${3 * PER_DESK} faxes at once, one killed mid-send: each reaches the recipient exactly once`, async () => {
    const office = relay.orgs[1]!;
    const recipient = relay.orgs[0]!;
    const start = (name: string): Child => {
      const d = tempDir(`office-${name}`);
      dirs.push(d);
      const c = startDesk({
        url: server.url, keysZipPath: office.keysZipPath, stateDir: d.path, deskName: name, leaseMs: 3_000,
        send: { count: PER_DESK, to: recipient.faxNumbers[0]!, from: office.faxNumbers[0]! },
      });
      children.push(c);
      return c;
    };
    // The first desk creates the office; the other two join it while it queues.
    const desks = [start('desk-a')];
    await desks[0]!.waitLine((l) => Array.isArray(l['queued']) || l['ready'] === true, 120_000).catch(() => undefined);
    desks.push(start('desk-b'), start('desk-c'));
    const queued = await Promise.all(desks.map(async (d) => (await d.waitLine((l) => Array.isArray(l['queued']), 180_000))['queued'] as string[]));
    const ids = queued.flat();
    expect(new Set(ids).size).toBe(3 * PER_DESK);

    // Kill desk B once it has uploaded a few (it holds a claim most of the time).
    const victim = desks[1]!;
    await waitFor('desk B uploading', () => victim.lines.filter((l) => typeof l['uploaded'] === 'string').length >= 5, 120_000);
    victim.kill('SIGKILL');
    await victim.exited;

    await waitFor('every fax sent', async () => Number((await query<{ n: string }>('SELECT count(*) AS n FROM fxe.outbox WHERE done'))[0]!.n) === 3 * PER_DESK, 180_000);
    for (const d of [desks[0]!, desks[2]!]) await stopChild(d);

    const states = await query<{ state: string; n: string }>("SELECT state, count(*) AS n FROM fxe.faxes WHERE direction = 'out' GROUP BY state");
    expect(states).toEqual([{ state: 'sent', n: String(3 * PER_DESK) }]);
    const relayed = relayMessages(join(relay.dir.path, 'data')).filter((m) => m.sender_org_id === office.orgId);
    // Exactly these 300 messages, each once (the relay keys messages by id; a second seal
    // would have been a second, different message).
    expect(relayed.length).toBe(3 * PER_DESK);
    expect(relayed.map((m) => m.message_id).sort()).toEqual([...ids].sort());
    expect(relayed.every((m) => m.recipient_org_id === recipient.orgId)).toBe(true);
    const reuploads = await query<{ n: string }>("SELECT count(*) AS n FROM fxe.audit_log WHERE action = 'send' AND detail LIKE 'uploaded%'");
    expect(Number(reuploads[0]!.n)).toBeGreaterThanOrEqual(3 * PER_DESK - 5);
  }, 400_000);
});
