// relaxedCommit: a write only the screen needs ("encrypting", "uploading", progress) is
// committed without its own flush, and the database goes back to flushing every other commit
// (synchronous = FULL: a stored fax's row is durable before its receipt).
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, relaxedCommit } from '../../electron/services/storage/database.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('relaxed-commit');
afterAll(() => dir.remove());

describe('relaxedCommit', () => {
  it('commits with synchronous = NORMAL, then FULL again; inside a transaction it joins it', () => {
    const db = openDatabase(dir.path);
    const level = (): number => db.pragma('synchronous', { simple: true }) as number;
    expect(level()).toBe(2); // FULL
    let during = -1;
    relaxedCommit(db, () => {
      during = level();
      db.prepare("INSERT INTO kv (key, value) VALUES ('a', '1')").run();
    });
    expect(during).toBe(1); // NORMAL
    expect(level()).toBe(2);
    expect(() => relaxedCommit(db, () => { throw new Error('boom'); })).toThrow('boom');
    expect(level()).toBe(2);
    db.transaction(() => relaxedCommit(db, () => db.prepare("INSERT INTO kv (key, value) VALUES ('b', '2')").run()))();
    expect(level()).toBe(2);
    expect(db.prepare('SELECT COUNT(*) AS n FROM kv WHERE key IN (\'a\', \'b\')').get()).toEqual({ n: 2 });
    db.close();
  });
});
