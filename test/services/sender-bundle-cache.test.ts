// The receiver remembers a sender's bundle once a fax verified with it: the next fax from that
// bundle is checked exactly the same way (org signature, pins, envelope signature) but costs no
// request for the bundle. A bundle that failed verification is not remembered: the next fax
// asks the relay again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { b64uEncode } from '../../shared/protocol/index.ts';
import { makePdf, type TestDesk } from './helpers.ts';
import { openProxiedDesks, type ProxiedDesks } from './proxied-desks.ts';
import type { TamperProxy } from './tamper-proxy.ts';

describe("the receiver and its senders' bundles", () => {
  let scene: ProxiedDesks;
  let proxy: TamperProxy;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  /** Bundle requests B made through the proxy. */
  const bundleRequests: string[] = [];
  let forgeBundle = false;

  beforeAll(async () => {
    scene = await openProxiedDesks('sender-bundle-cache', 'b');
    ({ proxy, a, b, aOrg } = scene);
    proxy.rewrite = (req, status, body) => {
      if (!req.path.startsWith('/v1/key-bundles/')) return null;
      bundleRequests.push(req.path);
      if (!forgeBundle || status !== 200) return null;
      // Another signing key under the sender's bundle id: its org's signature no longer holds.
      const bundle = JSON.parse(body.toString('utf8')) as { ed25519_pub: string };
      bundle.ed25519_pub = b64uEncode(randomBytes(32));
      return { body: JSON.stringify(bundle) };
    };
  });

  afterAll(async () => {
    await scene?.close();
  });

  async function send(name: string): Promise<FaxId> {
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: name, pdf: makePdf(1, 500), coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    return id;
  }
  const inbox = async (): Promise<number> => (await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total;

  it('a forged bundle is refused and not remembered; a verified one is asked for once', async () => {
    forgeBundle = true;
    await send('forged.pdf');
    await b.desk.pollNow();
    expect(await inbox()).toBe(0);
    expect(b.events.some((e) => e.type === 'receive.error')).toBe(true);
    expect(bundleRequests).toHaveLength(1);

    forgeBundle = false;
    await send('first.pdf');
    await b.desk.pollNow();
    expect(await inbox()).toBe(1);
    expect(bundleRequests).toHaveLength(2); // asked again: the forged answer was not kept

    await send('second.pdf');
    await send('third.pdf');
    await b.desk.pollNow();
    expect(await inbox()).toBe(3);
    expect(bundleRequests).toHaveLength(2); // the verified bundle served both
  });
});
