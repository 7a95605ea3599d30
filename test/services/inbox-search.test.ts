// A search's count and pages are read two ways depending on how many faxes match (from the
// matches themselves, or by walking the folder in date order): both must give exactly what
// filtering every row by hand gives, in the same order, at any offset.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asFaxId, asOrgId } from '../../shared/domain/ids.ts';
import { openDatabase, type Db } from '../../electron/services/storage/database.ts';
import { FaxRepository, type ListQuery } from '../../electron/services/inbox/faxes.ts';

const ORG_A = asOrgId('org-a');
const ORG_B = asOrgId('org-b');
const COUNT = 7000;

interface Seeded {
  id: string;
  org: string;
  fileName: string;
  at: number;
  archived: boolean;
  deleted: boolean;
}

let dir: string;
let db: Db;
let repo: FaxRepository;
const seeded: Seeded[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fxe-search-'));
  db = openDatabase(dir);
  repo = new FaxRepository(db, Date.now);
  db.transaction(() => {
    for (let i = 0; i < COUNT; i++) {
      // 'alpha' in most file names (more than the few-matches limit), 'omega' in a few, 'ab' (short: LIKE) in some.
      const fileName = `${i % 7 === 0 ? 'omega' : 'alpha'}-${i % 5 === 0 ? 'ab' : 'cd'}-${i}.pdf`;
      const s: Seeded = { id: `f-${i}`, org: i % 4 === 0 ? ORG_B : ORG_A, fileName, at: 1_700_000_000_000 + ((i * 7919) % COUNT) * 1000 + (i % 3 === 0 ? 0 : 1), archived: i % 11 === 0, deleted: i % 13 === 0 };
      seeded.push(s);
      repo.insert({
        id: asFaxId(s.id), orgId: asOrgId(s.org), direction: 'in', route: 'fxe', peerNumber: '+15551110001', peerName: 'Sender', fileName, pages: 1, sizeBytes: 1,
        at: s.at, read: true, state: 'received', senderOrgId: null, recipientOrgId: null, fromNumber: '+15551110001', toNumber: '+15552220002',
        ciphertextSha256: null, metadataJson: null, blobId: null, blobKey: null,
      });
    }
  })();
  repo.archive(seeded.filter((s) => s.archived).map((s) => asFaxId(s.id)), true);
  repo.softDelete(seeded.filter((s) => s.deleted).map((s) => asFaxId(s.id)));
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** By hand: every row, filtered and sorted as the list is (newest first, then the later row). */
function expected(q: ListQuery, words: string[]): { total: number; ids: string[] } {
  const rowid = (s: Seeded) => Number(s.id.slice(2));
  const all = seeded
    .filter((s) => !s.deleted && (q.folder === 'archive' ? s.archived : !s.archived) && (!q.orgId || s.org === q.orgId) && words.every((w) => s.fileName.includes(w)))
    .sort((a, b) => b.at - a.at || rowid(b) - rowid(a));
  return { total: all.length, ids: all.slice(q.offset, q.offset + q.limit).map((s) => s.id) };
}

describe('search', () => {
  it.each([
    ['many matches (walked in date order)', 'alpha', ['alpha']],
    ['few matches (read from the matches)', 'omega', ['omega']],
    ['a long and a short term', 'omega ab', ['omega', 'ab']],
    ['many matches with a short term', 'alpha ab', ['alpha', 'ab']],
  ])('%s: the same count and rows as filtering by hand, at any offset', (_what, query, words) => {
    for (const folder of ['inbox', 'archive'] as const) {
      for (const orgId of [undefined, ORG_A]) {
        for (const offset of [0, 150, 990, 4800]) {
          const q: ListQuery = { folder, orgId, query, offset, limit: 200 };
          const got = repo.list(q);
          const want = expected(q, words);
          expect({ total: got.total, ids: got.items.map((f) => f.id) }, `${folder} ${orgId ?? 'all orgs'} offset ${offset}`).toEqual(want);
        }
      }
    }
  });

  it('the counts used here fall on both sides of the few-matches limit', () => {
    expect(repo.list({ folder: 'inbox', query: 'alpha', offset: 0, limit: 1 }).total).toBeGreaterThan(5000);
    expect(repo.list({ folder: 'inbox', query: 'omega', offset: 0, limit: 1 }).total).toBeLessThan(5000);
  });
});
