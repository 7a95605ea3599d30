// What a receive flushes: the fax with its owed receipt is one flushed commit (synchronous =
// FULL: stored for good before the receipt goes out); marking the receipt as sent afterwards is
// not flushed by itself (a power cut that loses it only means the receipt is sent once more,
// which the relay takes as done). The level each write ran at is read inside SQLite (a
// temporary trigger on the receiver's own connection), not inferred from timing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdOfSentFax } from '../../shared/domain/ids.ts';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { makePdf, startTestRelay, tempDir, type TestRelay } from './helpers.ts';

describe('the commits of a receive', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: CliServices;
  let b: CliServices;

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('receive-commits');
    a = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: join(dirs.path, 'a'), log: () => undefined });
    b = await openCliServices({ keysPath: relay.orgs[1]!.keysZipPath, stateDir: join(dirs.path, 'b'), log: () => undefined });
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await relay?.close();
    dirs?.remove();
  });

  it('stored + receipt owed: flushed; receipt sent: not flushed by itself', async () => {
    b.s.db.exec(`CREATE TEMP TABLE job_levels (state TEXT, level INTEGER);
      CREATE TEMP TRIGGER job_level_ins AFTER INSERT ON main.receive_jobs BEGIN INSERT INTO job_levels SELECT NEW.state, synchronous FROM pragma_synchronous; END;
      CREATE TEMP TRIGGER job_level_upd AFTER UPDATE ON main.receive_jobs BEGIN INSERT INTO job_levels SELECT NEW.state, synchronous FROM pragma_synchronous; END;`);
    const { id } = await a.s.outbox.submit({ orgId: a.orgId, to: '+15552220002', from: '+15551110001', fileName: 'one.pdf', pdf: makePdf(1, 2_000), route: 'fxe' });
    await a.s.outbox.kick();
    expect(a.s.faxes.row(id, true).state).toBe('sent');
    expect(await b.s.pipeline.handle(b.orgId, messageIdOfSentFax(id))).toBe('stored');
    expect(b.s.db.prepare('SELECT state, level FROM job_levels').all()).toEqual([
      { state: 'stored', level: 2 }, // FULL
      { state: 'receipted', level: 1 }, // NORMAL
    ]);
    expect(b.s.db.pragma('synchronous', { simple: true })).toBe(2);
  }, 60_000);
});
