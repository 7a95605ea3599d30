// The Inbox badge and the Fax lines' unread counts are kept by triggers (migration 009) rather
// than counted at each change. Whatever happens to the faxes (arrive, read, archived, Trash,
// restored, purged, an organisation removed), they must say what counting the rows says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asFaxId, asOrgId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { openDatabase, type Db } from '../../electron/services/storage/database.ts';
import { FaxRepository } from '../../electron/services/inbox/faxes.ts';
import { DeskError } from '../../electron/services/errors.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ORGS = [asOrgId('org-a'), asOrgId('org-b')];
const LINES = ['+15552220001', '+15552220002', '+15552220003'];

/** What the counts must be: counted from the rows, as the desk did before the counters. */
function counted(db: Db, orgId?: OrgId): { unread: number; lines: { number: string; unread: number }[] } {
  const unread = (db.prepare("SELECT count(*) AS n FROM faxes WHERE direction = 'in' AND read = 0 AND archived = 0 AND deleted_at IS NULL").get() as { n: number }).n;
  const lines = db.prepare(`SELECT to_number AS number, sum(read = 0 AND archived = 0) AS unread FROM faxes
    WHERE direction = 'in' AND deleted_at IS NULL ${orgId ? 'AND org_id = ?' : ''} GROUP BY to_number ORDER BY to_number`).all(...(orgId ? [orgId] : [])) as { number: string; unread: number }[];
  return { unread, lines };
}

/** A small deterministic generator, so a failure replays the same way. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('inbox line counts', () => {
  it('follow every change to the faxes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fxe-line-counts-'));
    dirs.push(dir);
    const db = openDatabase(dir);
    const repo = new FaxRepository(db, Date.now);
    const rnd = random(9);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const ids: FaxId[] = [];
    const undoTokens: string[] = [];
    let n = 0;
    const add = () => {
      const id = asFaxId(`fax-${n++}`);
      const direction = rnd() < 0.8 ? 'in' : 'out';
      repo.insert({
        id, orgId: pick(ORGS), direction, route: 'fxe', peerNumber: '+15551110001', peerName: null, fileName: 'x.pdf', pages: 1, sizeBytes: 1,
        at: 1_700_000_000_000 + n, read: rnd() < 0.5, state: direction === 'in' ? 'received' : 'sent', senderOrgId: null, recipientOrgId: null,
        fromNumber: '+15551110001', toNumber: pick(LINES), ciphertextSha256: null, metadataJson: null, blobId: null, blobKey: null,
      });
      ids.push(id);
    };
    const operations: (() => void)[] = [
      add,
      add,
      () => repo.markRead([pick(ids)], rnd() < 0.5),
      () => repo.markRead([pick(ids), pick(ids), pick(ids)], true),
      () => repo.archive([pick(ids)], rnd() < 0.5),
      () => undoTokens.push(repo.softDelete([pick(ids), pick(ids)])),
      () => undoTokens.length > 0 && repo.undoDelete(undoTokens.splice(Math.floor(rnd() * undoTokens.length), 1)[0]!),
      () => repo.restore([pick(ids)]),
      () => repo.purgeRows(repo.trashed([pick(ids), pick(ids)]).map((f) => f.id)),
      // Retention and the office's moves write the row directly: counted all the same.
      () => db.prepare('UPDATE faxes SET to_number = ? WHERE id = ?').run(pick(LINES), pick(ids)),
    ];
    for (let i = 0; i < 30; i++) add();
    for (let step = 0; step < 600; step++) {
      try {
        pick(operations)();
      } catch (e) {
        // An undo or a restore that no longer applies is refused: the counts must still be right.
        if (!(e instanceof DeskError)) throw e;
      }
      if (step === 400) repo.removeOrg(ORGS[1]!);
      const truth = counted(db);
      expect(repo.unreadCount(), `after step ${step}`).toBe(truth.unread);
      expect(repo.lineCounts(), `after step ${step}`).toEqual(truth.lines);
      for (const org of ORGS) expect(repo.lineCounts(org), `after step ${step}, ${org}`).toEqual(counted(db, org).lines);
    }
    db.close();
  });
});
