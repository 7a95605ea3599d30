// PSTN provider webhooks through the desk's own webhook listener (the one behind the tunnel):
// in webhook mode a phone-network submission names `<tunnel URL>/pstn/<provider>`, the
// provider stand-in posts its signed events there, and the listener hands them to the PSTN
// lane. Status polling is pushed ten minutes out, so only those events can move the fax to
// delivered. A forged event gets 401; a provider that is not the configured one gets 404.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MINTFAX_SANDBOX_SECRET, startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { startTelnyxStandIn, type TelnyxStandIn } from '../pstn/standins/telnyx.ts';
import { freePort, importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from './helpers.ts';
import { UNCOVERED, waitForState } from './pstn-helpers.ts';

const FROM = '+15551110001';
const CALLER_ID = '+15551119999';
/** Long enough that no status poll happens during the test: delivery must come by webhook. */
const NO_POLLING = { pstnPollBaseMs: 10 * 60_000 };

describe('PSTN webhooks through the desk webhook listener', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let desk: TestDesk;
  let orgId: OrgId;
  let tunnelUrl: string;
  let mintfax: MintfaxStandIn;
  let telnyx: TelnyxStandIn;

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('pstn-listener');
    mintfax = await startMintfaxStandIn({ duplicateDeliveries: true, eventGapMs: 5 });
    telnyx = await startTelnyxStandIn({ signing: 'ed25519', eventGapMs: 5 });
    desk = await openTestDesk(join(dirs.path, 'desk'), { autoStart: false, timings: { relayRetries: 1, ...NO_POLLING } });
    orgId = await importOrg(desk, relay.orgs[0]!.keysZipPath);
    // The "tunnel" is the listener itself here: what the provider reaches is the same server.
    const port = await freePort();
    tunnelUrl = `http://127.0.0.1:${port}/`;
    await desk.call('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: tunnelUrl });
  });

  afterAll(async () => {
    await desk?.close();
    await mintfax?.close();
    await telnyx?.close();
    await relay?.close();
    dirs?.remove();
  });

  it('mintfax: the submission names the listener, its signed events deliver the fax, copies are acknowledged', async () => {
    await desk.call('settings.configurePstn', {
      provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: mintfax.apiKey, baseUrl: mintfax.url, webhookSecret: MINTFAX_SANDBOX_SECRET },
    });
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'hook.pdf', pdf: makePdf(1, 400), coverPage: null, route: 'pstn' });
    const done = await waitForState(desk, id, ['delivered', 'failed']);
    expect(done).toMatchObject({ state: 'delivered', pstn: { provider: 'mintfax', status: 'delivered' } });
    // The trailing slash of the tunnel URL is not doubled.
    expect(mintfax.faxes.get(done.pstn!.providerFaxId)!.webhook_url).toBe(`${tunnelUrl}pstn/mintfax`);
    await mintfax.settled();
    // queued, sending, delivered, each twice: every copy answered 200, and nothing was polled.
    const toUs = mintfax.deliveries.filter((d) => d.url.endsWith('/pstn/mintfax'));
    expect(toUs.length).toBeGreaterThanOrEqual(6);
    expect(toUs.map((d) => d.status)).toEqual(toUs.map(() => 200));
    expect(mintfax.requests.filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('mintfax: a forged event is refused with 401 and changes nothing', async () => {
    const genuine = mintfax.sent.at(-1)!;
    expect(genuine.type).toBe('fax.delivered');
    const forged = genuine.body.replace('"delivered"', '"failed"');
    expect(forged).not.toBe(genuine.body);
    const res = await fetch(`${tunnelUrl}pstn/mintfax`, { method: 'POST', headers: genuine.headers, body: forged });
    expect(res.status).toBe(401);
    const sent = await desk.call('faxes.list', { folder: 'sent', offset: 0, limit: 10 });
    expect(sent.items.map((f) => f.state)).toEqual(['delivered']);
    // Only POST, only the two provider paths.
    expect((await fetch(`${tunnelUrl}pstn/mintfax`)).status).toBe(405);
    expect((await fetch(`${tunnelUrl}pstn/other`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('Telnyx (Ed25519): events deliver the fax; the provider no longer configured gets 404', async () => {
    await desk.call('settings.configurePstn', {
      provider: 'telnyx', fromNumber: CALLER_ID,
      credentials: { apiKey: telnyx.apiKey, connectionId: telnyx.connectionId, webhookPublicKey: telnyx.publicKeyBase64, baseUrl: telnyx.url },
    });
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'hook-t.pdf', pdf: makePdf(1, 400), coverPage: null, route: 'pstn' });
    const done = await waitForState(desk, id, ['delivered', 'failed']);
    expect(done).toMatchObject({ state: 'delivered', pstn: { provider: 'telnyx', status: 'delivered' } });
    expect(telnyx.faxes.get(done.pstn!.providerFaxId)!.webhook_url).toBe(`${tunnelUrl}pstn/telnyx`);
    await telnyx.settled();
    const toUs = telnyx.deliveries.filter((d) => d.url.endsWith('/pstn/telnyx'));
    expect(toUs.length).toBeGreaterThanOrEqual(4);
    expect(toUs.every((d) => d.status === 200)).toBe(true);
    expect(telnyx.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v2/faxes'))).toEqual([]);

    // mintfax is no longer set up: even its genuine event is not taken.
    const genuine = mintfax.sent.at(-1)!;
    const res = await fetch(`${tunnelUrl}pstn/mintfax`, { method: 'POST', headers: genuine.headers, body: genuine.body });
    expect(res.status).toBe(404);
  });

  it('in poll mode a submission names no webhook URL', async () => {
    await desk.call('settings.update', { receiveMode: 'poll' });
    const { id } = await desk.call('send.submit', { orgId, to: UNCOVERED.success, from: FROM, fileName: 'poll.pdf', pdf: makePdf(1, 200), coverPage: null, route: 'pstn' });
    const taken = await waitForState(desk, id, ['sent', 'delivered', 'failed']);
    expect(taken.pstn?.providerFaxId).toBeTruthy();
    expect(telnyx.faxes.get(taken.pstn!.providerFaxId)!.webhook_url).toBeUndefined();
  });
});
