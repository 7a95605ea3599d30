// The webhook listener against repeats and forgeries. B listens on 127.0.0.1 with a secret
// we planted in its (real) vault, as the relay's PUT /v1/webhook-endpoint would have; the
// deliveries are built and signed here exactly as the relay signs them, for real messages A
// uploaded to the real local relay. A correctly signed REPEAT of a handled event (same event
// id, fresh timestamp and signature) is acknowledged as a duplicate and handled once; a stale
// or forged delivery is refused and does not burn its event id.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WEBHOOK_HEADERS, type MessageReceivedEvent } from '../../shared/fxe-api/types.ts';
import { webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { webhookSecretsRecord } from '../../electron/services/receiver/webhook-secrets.ts';
import { openVault } from '../../electron/services/vault/vault.ts';
import { freePort, makePdf, openTwoDesks, waitFor, type TestDesk, type TwoDeskScene } from './helpers.ts';

const SECRET = 'whsec_replay_test_secret_0123456789';
const te = new TextEncoder();

describe('webhook repeats and forgeries', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;

  beforeAll(async () => {
    scene = await openTwoDesks('webhook-replay', { a: { autoStart: false }, b: { autoStart: false } });
    ({ a, b, aOrg, bOrg } = scene);
    const vault = await openVault(b.dataDir, b.keychain);
    vault.put(webhookSecretsRecord(bOrg), te.encode(JSON.stringify([SECRET])));
    vault.close();
    // Webhook mode without a tunnel URL: the listener runs, the relay sends it nothing itself.
    await b.call('settings.update', { receiveMode: 'webhook', webhookListenPort: await freePort(), webhookTunnelUrl: '' });
    // Let the start-up safety-net poll finish (the next one is minutes away): from here on
    // only our deliveries make B fetch anything.
    await b.desk.pollNow();
  });

  afterAll(async () => {
    await scene?.close();
  });

  async function sendFax(name: string): Promise<{ id: FaxId; size: number }> {
    const pdf = makePdf(1, 1_000);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: name, pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    return { id, size: pdf.length + 40 };
  }

  function eventFor(eventId: string, messageId: string, size: number): Uint8Array {
    const event: MessageReceivedEvent = {
      event_id: eventId, type: 'message.received', created_at: Math.floor(Date.now() / 1000), message_id: messageId,
      sender_org_id: aOrg, from_number: '+15551110001', to_number: '+15552220002', size,
    };
    return te.encode(JSON.stringify(event));
  }

  async function deliver(eventId: string, body: Uint8Array, opts: { secret?: string; ageSeconds?: number } = {}): Promise<{ status: number; body: { ok?: boolean; duplicate?: boolean } }> {
    const ts = String(Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0));
    const signature = webhookSignatureHeader({ secrets: [te.encode(opts.secret ?? SECRET)], timestamp: ts, body });
    const res = await fetch(`${b.desk.webhookListenerUrl()!}/fxe-webhook/${bOrg}`, {
      method: 'POST',
      body: Buffer.from(body),
      headers: {
        'content-type': 'application/json', [WEBHOOK_HEADERS.timestamp]: ts, [WEBHOOK_HEADERS.signature]: signature,
        [WEBHOOK_HEADERS.eventId]: eventId, [WEBHOOK_HEADERS.eventType]: 'message.received',
      },
    });
    return { status: res.status, body: (await res.json()) as { ok?: boolean; duplicate?: boolean } };
  }

  function receiveAudits(faxId: FaxId): number {
    const db = new Database(join(b.dataDir, 'desk.sqlite'), { readonly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'receive' AND fax_id = ?").get(faxId) as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it('handles a correctly signed repeat of a delivered event once', async () => {
    const { id, size } = await sendFax('first.pdf');
    const body = eventFor('evt_replay_0001', id, size);
    expect(await deliver('evt_replay_0001', body)).toEqual({ status: 200, body: { ok: true, duplicate: false } });
    await waitFor('B to store the fax', () => b.events.some((e) => e.type === 'fax.received' && e.id === id));

    // The relay repeats an event whose 2xx it did not see: same id and body, new timestamp and signature.
    expect(await deliver('evt_replay_0001', body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect(await deliver('evt_replay_0001', body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect(b.events.filter((e) => e.type === 'fax.received' && e.id === id)).toHaveLength(1);
    expect(receiveAudits(id)).toBe(1);
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([id]);
  });

  it('refuses stale and forged deliveries without burning their event id', async () => {
    const { id, size } = await sendFax('second.pdf');
    const body = eventFor('evt_replay_0002', id, size);
    // Correct secret, but signed an hour ago (a captured delivery replayed later).
    expect((await deliver('evt_replay_0002', body, { ageSeconds: 3600 })).status).toBe(401);
    // Fresh, but signed with a secret that is not ours.
    expect((await deliver('evt_replay_0002', body, { secret: 'whsec_attacker' })).status).toBe(401);
    // Refused deliveries were not recorded as seen: the genuine one is still handled.
    expect(await deliver('evt_replay_0002', body)).toEqual({ status: 200, body: { ok: true, duplicate: false } });
    await waitFor('B to store the second fax', () => b.events.some((e) => e.type === 'fax.received' && e.id === id));
    expect(receiveAudits(id)).toBe(1);
  });
});
