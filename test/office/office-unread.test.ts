// The unread count per person comes from two counters kept by triggers in the same
// transaction as every change (migration 005), not from counting. Three desks (three people)
// work on one private PostgreSQL at once: new faxes, reads and unreads, archive, delete,
// restore, deleting for good; afterwards every person's count equals a count of the rows.
import type { FaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfficeInbox } from '../../electron/services/office/office-inbox.ts';
import type { Office } from '../../electron/services/office/office.ts';
import { addFax, openDesk, testOrgSecret } from './helpers.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

/** A small deterministic generator: the same run every time. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

async function counted(office: Office, person: string): Promise<number> {
  const r = await office.query<{ n: string }>(`SELECT count(*) AS n FROM fxe.faxes f WHERE f.direction = 'in' AND f.deleted_at IS NULL AND NOT f.archived
    AND NOT EXISTS (SELECT 1 FROM fxe.fax_reads r WHERE r.fax_id = f.id AND r.person = $1)`, [person]);
  return Number(r.rows[0]!.n);
}

describe('unread counts per person, kept incrementally', () => {
  let server: PrivatePostgres;
  const desks: Office[] = [];
  const people = ['Ann', 'Ben', 'Cy'];

  beforeAll(async () => {
    server = await startPrivatePostgres();
    const org = testOrgSecret();
    for (const p of people) desks.push(await openDesk(server.url, org, p.toLowerCase(), p));
  }, 60_000);

  afterAll(async () => {
    for (const d of desks) await d.close();
    server?.destroy();
  });

  it('match a count of the rows after three desks change the inbox at once', async () => {
    const ids: FaxId[] = [];
    for (let i = 0; i < 40; i++) ids.push(await addFax(desks[i % 3]!, { at: Date.now() + i }));
    const inboxes = desks.map((d) => new OfficeInbox(d));
    for (const [i, p] of people.entries()) expect(await inboxes[i]!.unreadCount(), p).toBe(40);

    let failures = 0;
    await Promise.all(desks.map(async (desk, n) => {
      const next = rng(n + 1);
      const inbox = inboxes[n]!;
      const pick = (k: number): FaxId[] => Array.from({ length: k }, () => ids[Math.floor(next() * ids.length)]!);
      for (let step = 0; step < 60; step++) {
        const op = Math.floor(next() * 8);
        try {
          if (op === 0) ids.push(await addFax(desk, { at: Date.now() }));
          else if (op === 1 || op === 2) await inbox.markRead(pick(3), true);
          else if (op === 3) await inbox.markRead(pick(2), false);
          else if (op === 4) await inbox.archive(pick(2), next() < 0.6);
          else if (op === 5) await inbox.delete(pick(1));
          else if (op === 6) await inbox.restore(pick(2));
          else {
            // Emptying the trash for good, as the desk's Trash does.
            await desk.tx((c) => c.query('DELETE FROM fxe.faxes WHERE id = ANY($1::text[]) AND deleted_at IS NOT NULL', [pick(2)]));
          }
        } catch {
          // Two desks may deadlock on the same rows; the database refuses one, which changes nothing.
          failures++;
        }
      }
    }));
    expect(failures).toBeLessThan(20);
    for (const [i, p] of people.entries()) expect(await inboxes[i]!.unreadCount(), p).toBe(await counted(desks[i]!, p));
    // Someone who never read anything: the whole inbox.
    desks[0]!.setPerson('Dee');
    expect(await inboxes[0]!.unreadCount()).toBe(await counted(desks[0]!, 'Dee'));
    // A rebuild from the rows finds the same.
    const before = await desks[0]!.query('SELECT * FROM fxe.reads_in_inbox WHERE n <> 0 ORDER BY person');
    await desks[0]!.query('SELECT fxe.recount_unread()');
    expect((await desks[0]!.query('SELECT * FROM fxe.reads_in_inbox WHERE n <> 0 ORDER BY person')).rows).toEqual(before.rows);
  }, 120_000);

  it('counts a fax read while archived once it is back in the inbox', async () => {
    const [a] = desks;
    a!.setPerson('Eve');
    const inbox = new OfficeInbox(a!);
    const id = await addFax(a!);
    await inbox.archive([id], true);
    await inbox.markRead([id], true);
    const before = await inbox.unreadCount();
    await inbox.archive([id], false);
    expect(await inbox.unreadCount()).toBe(before);
    expect(await inbox.unreadCount()).toBe(await counted(a!, 'Eve'));
  });
});
