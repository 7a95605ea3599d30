// A relay that lies: a real proxy on 127.0.0.1 between desk B (and A) and the real relay
// rewrites answers. A tampered envelope, a wrong sender bundle or garbage must never become a
// stored fax; the relay's copy stays (still pending), and honest answers afterwards work.
import { asFingerprint, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePdf, type TestDesk } from './helpers.ts';
import type { TamperProxy } from './tamper-proxy.ts';
import { openProxiedDesks, type ProxiedDesks } from './proxied-desks.ts';

describe('a relay that returns tampered data', () => {
  let proxy: TamperProxy;
  let scene: ProxiedDesks;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;

  beforeEach(async () => {
    scene = await openProxiedDesks('tamper', 'both');
    ({ proxy, a, b, aOrg, bOrg } = scene);
  });

  afterEach(async () => {
    await scene.close();
  });

  async function send(pdf = makePdf(1, 5_000)): Promise<FaxId> {
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'p.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
    return id;
  }

  async function expectNothingStoredAndStillPending(): Promise<void> {
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);
    const err = b.events.find((e) => e.type === 'receive.error');
    expect(err).toBeDefined();
  }

  it('a tampered envelope (changed sender number) is rejected, not stored', async () => {
    const id = await send();
    // Both the seed's JSON fetch and the envelope-only fetch (used with the raw download).
    const envelopePaths = [`/v1/messages/${id}`, `/v1/messages/${id}/envelope`];
    proxy.rewrite = (req, _status, body) => (req.method === 'GET' && envelopePaths.includes(req.path) ? { body: body.toString('utf8').replace('"+15551110001"', '"+15559999999"') } : null);
    expect(await b.desk.pollNow()).toBe(0);
    await expectNothingStoredAndStillPending();
    const err = b.events.find((e) => e.type === 'receive.error');
    expect(err?.type === 'receive.error' ? err.error.code : '').toBe('protocol.bad_signature');
    // The relay copy was left alone: still pending, no receipt.
    proxy.rewrite = null;
    await a.desk.pollNow();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
  });

  it('a tampered ciphertext is rejected (hash mismatch), not stored', async () => {
    const id = await send();
    proxy.rewrite = (req, _status, body) => {
      if (req.method === 'GET' && req.path === `/v1/messages/${id}/ciphertext`) {
        // The raw download (ciphertext-download extension): flip one byte.
        const raw = Buffer.from(body);
        raw[100] = raw[100]! ^ 0x01;
        return { body: raw };
      }
      if (req.method !== 'GET' || req.path !== `/v1/messages/${id}`) return null;
      const j = JSON.parse(body.toString('utf8')) as { ciphertext: string };
      const c = j.ciphertext;
      const i = 100;
      const flipped = c.slice(0, i) + (c[i] === 'A' ? 'B' : 'A') + c.slice(i + 1);
      return { body: body.toString('utf8').replace(c, flipped) };
    };
    expect(await b.desk.pollNow()).toBe(0);
    await expectNothingStoredAndStillPending();
    const err = b.events.find((e) => e.type === 'receive.error');
    expect(err?.type === 'receive.error' ? err.error.code : '').toBe('protocol.hash_mismatch');
  });

  it('a wrong sender bundle (not signed by the sender org) is rejected, not stored', async () => {
    const id = await send();
    proxy.rewrite = (req, _status, body) => {
      if (req.method !== 'GET' || !req.path.startsWith('/v1/key-bundles/')) return null;
      const j = JSON.parse(body.toString('utf8')) as Record<string, string>;
      // Swap in an attacker's ed25519 key: the org signature no longer covers the bundle.
      j['ed25519_pub'] = 'A'.repeat(43);
      return { body: JSON.stringify(j) };
    };
    expect(await b.desk.pollNow()).toBe(0);
    await expectNothingStoredAndStillPending();
    const err = b.events.find((e) => e.type === 'receive.error');
    expect(err?.type === 'receive.error' ? err.error.code : '').toBe('receive.verify_failed');
    proxy.rewrite = null;
    await a.desk.pollNow();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
  });

  it('garbage answers are an error that is retried, and honest answers afterwards work', async () => {
    const pdf = makePdf(1, 1_000);
    const id = await send(pdf);
    proxy.rewrite = (req) => (req.path.startsWith('/v1/messages') ? { status: 200, body: '<html>captive portal</html>' } : null);
    expect(await b.desk.pollNow()).toBe(0);
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);
    const st = await b.call('app.status', {});
    expect(st.relayReachable).toBe(false);
    proxy.rewrite = null;
    expect(await b.desk.pollNow()).toBe(1);
    expect(Buffer.from((await b.call('faxes.document', { id })).pdf).equals(Buffer.from(pdf))).toBe(true);
  });

  it("a lookup answering with another org key holds the fax until the user accepts the change", async () => {
    // First contact pins Harbor Pharmacy's org key.
    await a.call('send.check', { orgId: aOrg, to: '+15552220002' });
    // Now the "relay" presents a different org key (Northside's own, self-consistent).
    const ownLookup = await (async () => {
      let captured = '';
      proxy.rewrite = (req, _s, body) => { if (req.path.startsWith('/v1/lookup')) captured = body.toString('utf8'); return null; };
      await b.call('send.check', { orgId: bOrg, to: '+15551110001' });
      proxy.rewrite = null;
      return captured;
    })();
    // Relabelled as Harbor Pharmacy's: bundles still verify, but under a different org key.
    const forged = ownLookup.split(aOrg).join(bOrg);
    proxy.rewrite = (req) => (req.path.startsWith('/v1/lookup?fax_number=+15552220002') ? { body: forged } : null);
    const check = await a.call('send.check', { orgId: aOrg, to: '+15552220002' });
    expect(check.kind).toBe('fxe');
    const warning = check.kind === 'fxe' ? check.keyChange : null;
    expect(warning).not.toBeNull();
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'h.pdf', pdf: makePdf(1), coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    const held = await a.call('faxes.get', { id });
    expect(held.state).toBe('held-key-change');
    expect(held.failureReason?.code).toBe('recipient.key_changed');
    expect((await a.call('faxes.list', { folder: 'outbox', offset: 0, limit: 10 })).items.map((x) => x.id)).toContain(id);
    // Accepting a fingerprint that is not the pending one is refused.
    const wrong = await a.desk.invoke('send.acceptKeyChange', { orgId: aOrg, recipientOrgId: warning!.recipientOrgId, newFingerprint: asFingerprint('f'.repeat(64)) });
    expect(wrong.ok).toBe(false);
    // Accepting the pending fingerprint releases the fax (the forged keys then make the real
    // relay refuse it: the point here is only that it is no longer held).
    await a.call('send.acceptKeyChange', { orgId: aOrg, recipientOrgId: warning!.recipientOrgId, newFingerprint: warning!.newFingerprint });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).not.toBe('held-key-change');
  });
});
