// Webhook mode end to end: B's listener on 127.0.0.1 is registered on the real relay (as a
// tunnel URL would be); A sends; the relay's signed message.received delivery makes B fetch,
// verify, store and receipt the fax; A learns of delivery from its own message.delivered
// webhook and verifies B's receipt.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { freePort, makePdf, openTwoDesks, waitFor, type TestDesk, type TwoDeskScene } from './helpers.ts';

describe('receive by webhook', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;

  beforeAll(async () => {
    scene = await openTwoDesks('desks');
    ({ a, b, aOrg, bOrg } = scene);
    for (const t of [a, b]) {
      const port = await freePort();
      await t.call('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: `http://127.0.0.1:${port}` });
    }
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('stores the fax on message.received and shows delivered on message.delivered', async () => {
    const pdf = makePdf(2, 50_000);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'referral.pdf', pdf, coverPage: null, route: 'fxe' });
    await waitFor('B to store the fax', () => b.events.some((e) => e.type === 'fax.received' && e.id === id));
    const doc = await b.call('faxes.document', { id });
    expect(Buffer.from(doc.pdf).equals(Buffer.from(pdf))).toBe(true);
    const delivered = await waitFor('A to see delivery', async () => {
      const f = await a.call('faxes.get', { id });
      return f.state === 'delivered' ? f : null;
    });
    expect(delivered.receipt).toMatchObject({ recipientOrgId: bOrg, verified: true });
  });

  it('refuses a forged delivery and acknowledges a repeated event id without doing the work twice', async () => {
    const url = b.desk.webhookListenerUrl();
    expect(url).not.toBeNull();
    const body = new TextEncoder().encode(JSON.stringify({ event_id: 'evt_test1', type: 'message.received', message_id: '00000000-0000-4000-8000-000000000000' }));
    const ts = String(Math.floor(Date.now() / 1000));
    const forged = webhookSignatureHeader({ secrets: [new TextEncoder().encode('whsec_not_the_secret')], timestamp: ts, body });
    const res = await fetch(`${url}/fxe-webhook/${bOrg}`, {
      method: 'POST', body, headers: { 'x-fxe-timestamp': ts, 'x-fxe-signature': forged, 'x-fxe-event-id': 'evt_test1', 'x-fxe-event-type': 'message.received' },
    });
    expect(res.status).toBe(401);
    const stale = await fetch(`${url}/fxe-webhook/${bOrg}`, {
      method: 'POST', body, headers: { 'x-fxe-timestamp': String(Number(ts) - 3600), 'x-fxe-signature': forged, 'x-fxe-event-id': 'evt_test1', 'x-fxe-event-type': 'message.received' },
    });
    expect(stale.status).toBe(401);
    const unknownOrg = await fetch(`${url}/fxe-webhook/org_nobody`, { method: 'POST', body });
    // Same answer as a bad signature: the listener does not tell which org ids it serves.
    expect(unknownOrg.status).toBe(401);
  });
});
