// Search in the office inbox takes one of two ways (office-inbox.ts): a common word from the
// newest rows in date order (read from the index alone), a rare one through the trigram
// index. Either way the page must be exactly the newest matches, as a plain query finds them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfficeInbox } from '../../electron/services/office/office-inbox.ts';
import type { Office } from '../../electron/services/office/office.ts';
import { openDesk, testOrgSecret } from './helpers.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

describe('office search', () => {
  let server: PrivatePostgres;
  let desk: Office;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    desk = await openDesk(server.url, testOrgSecret(), 'front', 'Ann');
    // 400 faxes: every one from a "Harbour" sender, one in forty from "Okafor"; some archived, some deleted.
    await desk.query(`INSERT INTO fxe.faxes (id, org_id, direction, route, message_id, peer_number, peer_name, file_name, size_bytes, at, state, archived, deleted_at,
        from_number, to_number, updated_at)
      SELECT 'f' || g, 'org', 'in', 'fxe', 'm' || g, '+1555' || lpad(g::text, 7, '0'), CASE WHEN g % 40 = 0 THEN 'Dr Okafor' ELSE 'Harbour Clinic ' || g END,
        'scan-' || g || '.pdf', 10, 1700000000000 + (g % 97) * 1000, 'received', g % 7 = 0, CASE WHEN g % 11 = 0 THEN 1 END, '+1555', '+1556', 1
      FROM generate_series(1, 400) g`);
  }, 60_000);

  afterAll(async () => {
    await desk?.close();
    server?.destroy();
  });

  const plain = async (word: string, folder: string | null): Promise<string[]> => (await desk.query<{ id: string }>(
    `SELECT id FROM fxe.faxes WHERE deleted_at IS NULL AND search LIKE $1 AND ($2::text IS NULL OR folder = $2) ORDER BY at DESC, id DESC LIMIT 50`, [`%${word}%`, folder])).rows.map((r) => r.id);

  it('finds the newest matches, common word or rare, in any folder', async () => {
    const inbox = new OfficeInbox(desk);
    for (const word of ['harbour', 'okafor', 'scan-12', 'nothing-like-it']) {
      for (const folder of [null, 'inbox', 'archive'] as const) {
        const ids = (await inbox.list({ search: word, limit: 50, ...(folder ? { folder } : {}) })).map((f) => f.id);
        expect(ids, `${word} in ${folder ?? 'all'}`).toEqual(await plain(word, folder));
      }
    }
    expect((await inbox.list({ search: 'harbour', limit: 50 })).length).toBe(50);
    expect((await inbox.list({ search: 'okafor', limit: 50 })).every((f) => f.peerName === 'Dr Okafor')).toBe(true);
  });
});
