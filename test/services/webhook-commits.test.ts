// The bookkeeping around a webhook delivery is committed without a flush of its own
// (synchronous = NORMAL for that commit, FULL again after): the desk's record of an event id it
// acknowledged, and the relay's record of a delivery attempt. Losing the last of either to a
// power cut only means one more delivery of an event, which changes nothing. The level each
// write ran at is read from inside SQLite (a temporary trigger), not inferred from timing.
import { afterAll, describe, expect, it } from 'vitest';
import { WEBHOOK_HEADERS } from '../../shared/fxe-api/types.ts';
import { webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { startWebhookListener } from '../../electron/services/receiver/webhook-listener.ts';
import { openDatabase, type Db } from '../../electron/services/storage/database.ts';
import { RelayStore } from '../../electron/relay/store.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('webhook-commits');
afterAll(() => dir.remove());
const te = new TextEncoder();

/** Records the `synchronous` level in force at each insert or update of `table`. */
function watchLevels(db: Db, table: string): () => number[] {
  db.exec(`CREATE TEMP TABLE levels (level INTEGER);
    CREATE TEMP TRIGGER level_on_insert AFTER INSERT ON main.${table} BEGIN INSERT INTO levels SELECT synchronous FROM pragma_synchronous; END;
    CREATE TEMP TRIGGER level_on_update AFTER UPDATE ON main.${table} BEGIN INSERT INTO levels SELECT synchronous FROM pragma_synchronous; END;`);
  return () => (db.prepare('SELECT level FROM levels').all() as { level: number }[]).map((r) => r.level);
}

describe('webhook bookkeeping commits', () => {
  it("the desk's listener records an acknowledged event id without its own flush", async () => {
    const db = openDatabase(`${dir.path}/desk`);
    const levels = watchLevels(db, 'webhook_events');
    const secret = te.encode('whsec_commit_test_0123456789');
    const events: string[] = [];
    const listener = await startWebhookListener({ db, port: 0, nowMs: Date.now, secretsFor: (org) => (org === 'org_b' ? [secret] : []), onEvent: (_org, e) => events.push(e.message_id) });
    try {
      const body = te.encode(JSON.stringify({ event_id: 'evt_1', type: 'message.received', message_id: '4f1c2b7e-0000-4000-8000-000000000001' }));
      const ts = String(Math.floor(Date.now() / 1000));
      const post = (): Promise<Response> => fetch(`${listener.url}/fxe-webhook/org_b`, {
        method: 'POST', body: Buffer.from(body),
        headers: { 'content-type': 'application/json', [WEBHOOK_HEADERS.timestamp]: ts, [WEBHOOK_HEADERS.signature]: webhookSignatureHeader({ secrets: [secret], timestamp: ts, body }), [WEBHOOK_HEADERS.eventId]: 'evt_1', [WEBHOOK_HEADERS.eventType]: 'message.received' },
      });
      expect(await (await post()).json()).toEqual({ ok: true, duplicate: false });
      // The repeat is still recognised (the record is in the database, only not flushed by itself).
      expect(await (await post()).json()).toEqual({ ok: true, duplicate: true });
      expect(events).toEqual(['4f1c2b7e-0000-4000-8000-000000000001']);
      expect(levels()).toEqual([1]); // NORMAL
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL again for everything else
    } finally {
      await listener.close();
      db.close();
    }
  });

  it("the relay records a delivery attempt without its own flush, and flushes everything else", () => {
    const store = new RelayStore(`${dir.path}/relay`);
    const levels = watchLevels(store.db, 'webhook_events');
    store.insertOrg({ org_id: 'org_b', name: 'B', key_id: 'k_b', signing_pub: 'x', created_at: 1 });
    store.insertEvent({ event_id: 'evt_1', org_id: 'org_b', type: 'message.received', body: '{}', created_at: 1, next_attempt_ms: 0 });
    store.recordAttempt('evt_1', { nextAttemptMs: 10, error: 'refused' });
    store.recordAttempt('evt_1', { deliveredAt: 20 });
    expect(levels()).toEqual([2, 1, 1]); // the event itself FULL, both attempts NORMAL
    expect(store.eventById('evt_1')).toMatchObject({ attempts: 2, delivered_at: 20 });
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    store.close();
  });
});
