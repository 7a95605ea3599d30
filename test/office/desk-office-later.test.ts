// "Send later", Send now, Cancel and Resend for a desk in an office, through the same IPC calls
// the window makes (createDesk over a private PostgreSQL and the real local relay): the fax
// waits in the shared outbox, the desk's office sender takes it when it is due, and the
// relay's own records say what reached the recipient.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from '../services/helpers.ts';
import { relayMessages } from './office-scene.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const HOUR = 3_600_000;

describe('a desk in an office: Send later', () => {
  let pg: PrivatePostgres;
  let relay: TestRelay;
  const dirs = tempDir('desk-office-later');
  let a: TestDesk;
  let orgId: OrgId;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    relay = await startTestRelay();
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false });
    orgId = await importOrg(a, relay.orgs[0]!.keysZipPath);
    const joined = await a.desk.invoke('office.join', { url: pg.url, personName: 'Ann', deskName: 'Front desk', create: true, importKeysZip: false });
    if (!joined.ok) throw new Error(joined.error.message);
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await relay?.close();
    pg?.destroy();
    dirs.remove();
  });

  const atRelay = (id: string): number => relayMessages(join(relay.dir.path, 'data')).filter((m) => m.message_id === id).length;
  const schedule = async (fileName: string): Promise<FaxId> => {
    const r = await a.call('send.submitGroup', {
      orgId, recipients: [{ to: '+15552220002', route: 'fxe' }], from: '+15551110001', fileName, pdf: makePdf(1, 400), coverPage: null, sendAt: Date.now() + HOUR,
    });
    expect(r.items[0]!.error).toBeNull();
    return r.items[0]!.id!;
  };

  it('a scheduled office fax waits in the Outbox with its time; Send now sends it; Cancel puts the other in the Trash unsent', async () => {
    const later = await schedule('later.pdf');
    const cancelled = await schedule('cancelled.pdf');
    const outbox = await a.call('faxes.list', { folder: 'outbox', offset: 0, limit: 10 });
    const row = outbox.items.find((f) => f.id === later);
    expect(row?.state).toBe('scheduled');
    expect(row?.sendAt).toBeGreaterThan(Date.now());
    expect(atRelay(later)).toBe(0);

    await a.call('outbox.sendNow', { id: later });
    await waitFor('the fax sent now', async () => (await a.call('faxes.get', { id: later })).state === 'sent', 30_000);
    expect(atRelay(later)).toBe(1);

    await a.call('outbox.cancelScheduled', { id: cancelled });
    const trash = await a.call('trash.list', { offset: 0, limit: 10 });
    expect(trash.items.map((f) => f.id)).toContain(cancelled);
    expect(atRelay(cancelled)).toBe(0);
  }, 120_000);

  it('Resend of a sent office fax sends a new copy, once', async () => {
    const { id } = await a.call('send.submit', { orgId, to: '+15552220002', from: '+15551110001', fileName: 'again.pdf', pdf: makePdf(1, 300), coverPage: null, route: 'fxe' });
    await waitFor('the fax sent', async () => (await a.call('faxes.get', { id })).state === 'sent', 30_000);
    const copy = await a.call('faxes.resend', { id });
    expect(copy.id).not.toBe(id);
    await waitFor('the copy sent', async () => (await a.call('faxes.get', { id: copy.id })).state === 'sent', 30_000);
    expect(atRelay(id)).toBe(1);
    expect(atRelay(copy.id)).toBe(1);
  }, 120_000);
});
