// Retention and purge with real faxes received from the real local relay, and a desk clock
// we move forward (only after the relay traffic: FXE1 auth needs a true clock). Deleted
// faxes wait in the Trash and are purged, row and encrypted body, after the retention
// setting's days; retention is off by default, then archives or deletes (moves to the Trash)
// faxes older than N days; every deletion and purge is audited.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makePdf, openTwoDesks, type TestDesk, type TwoDeskScene } from './helpers.ts';

const DAY = 24 * 3600 * 1000;

function auditActions(dataDir: string): { action: string; fax_id: string | null; detail: string }[] {
  const db = new Database(join(dataDir, 'desk.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT action, fax_id, detail FROM audit_log ORDER BY seq').all() as { action: string; fax_id: string | null; detail: string }[];
  } finally {
    db.close();
  }
}

const blobFiles = (dataDir: string): string[] => readdirSync(join(dataDir, 'blobs')).filter((f) => f.endsWith('.bin'));

describe('retention and purge', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let offsetMs = 0;
  const ids: FaxId[] = [];

  beforeAll(async () => {
    scene = await openTwoDesks('retention', { a: { autoStart: false }, b: { autoStart: false, nowMs: () => Date.now() + offsetMs } });
    ({ a, b, aOrg } = scene);
    for (const name of ['one.pdf', 'two.pdf', 'three.pdf']) {
      const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: name, pdf: makePdf(1, 2_000), coverPage: null, route: 'fxe' });
      ids.push(id);
    }
    await a.desk.flushOutbox();
    expect(await b.desk.pollNow()).toBe(3);
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('is off by default and purges a deleted fax, body included, only after the retention days in the Trash', async () => {
    expect((await b.call('settings.get', {})).retention).toEqual({ enabled: false, days: 365, action: 'archive' });
    expect(blobFiles(b.dataDir)).toHaveLength(3);
    const { undoToken } = await b.call('faxes.delete', { ids: [ids[0]!] });
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 0, purged: 0 });
    expect(blobFiles(b.dataDir)).toHaveLength(3);

    // A day later it is still in the Trash, body and all; a day short of the period, too.
    offsetMs += DAY;
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 0, purged: 0 });
    offsetMs += 363 * DAY;
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 0, purged: 0 });
    expect((await b.call('trash.list', { offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([ids[0]]);

    offsetMs += DAY + 1000;
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 0, purged: 1 });
    expect(blobFiles(b.dataDir)).toHaveLength(2);
    const undo = await b.desk.invoke('faxes.undoDelete', { undoToken });
    expect(undo.ok ? null : undo.error.code).toBe('fax.undo_expired');
    expect(auditActions(b.dataDir).filter((r) => r.fax_id === ids[0]).map((r) => r.action)).toEqual(expect.arrayContaining(['receive', 'delete', 'purge']));
    // Off by default: a year later nothing else has been touched.
    offsetMs += 400 * DAY;
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 0, purged: 0 });
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(2);
  });

  it('archives, then deletes and purges, faxes older than N days when enabled', async () => {
    await b.call('settings.update', { retention: { enabled: true, days: 30, action: 'archive' } });
    const from = b.events.length;
    expect(await b.desk.runRetention()).toEqual({ archived: 2, deleted: 0, purged: 0 });
    expect(b.events.slice(from).some((e) => e.type === 'faxes.changed')).toBe(true);
    expect((await b.call('faxes.list', { folder: 'archive', offset: 0, limit: 10 })).total).toBe(2);
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);

    await b.call('settings.update', { retention: { enabled: true, days: 30, action: 'delete' } });
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 2, purged: 0 });
    expect((await b.call('faxes.list', { folder: 'archive', offset: 0, limit: 10 })).total).toBe(0);
    expect(blobFiles(b.dataDir)).toHaveLength(2);
    expect((await b.call('trash.list', { offset: 0, limit: 10 })).total).toBe(2);
    expect((await b.call('trash.list', { offset: 0, limit: 10 })).removeAfterDays).toBe(30);
    offsetMs += 29 * DAY;
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 0, purged: 0 });
    offsetMs += DAY + 1000;
    expect(await b.desk.runRetention()).toEqual({ archived: 0, deleted: 0, purged: 2 });
    expect(blobFiles(b.dataDir)).toHaveLength(0);
    const audit = auditActions(b.dataDir);
    for (const id of ids.slice(1)) {
      expect(audit.find((r) => r.fax_id === id && r.action === 'delete')?.detail).toBe('retention: older than 30 days');
      expect(audit.find((r) => r.fax_id === id && r.action === 'purge')?.detail).toBe('in the Trash for 30 days');
    }
  });
});
