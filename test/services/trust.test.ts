// One trust model for send, receive and receipts, against a relay that lies: a real proxy on
// 127.0.0.1 in front of the real relay rewrites lookups and key bundles. Run with the relay's
// bundle signatures, and with them stripped (what the reference relay offers).
import { asFingerprint, asOrgId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ed25519 } from '@noble/curves/ed25519.js';
import { b64uEncode, signBundle, type PublicBundle } from '../../shared/protocol/index.ts';
import { makePdf, type TestDesk } from './helpers.ts';
import type { TamperProxy } from './tamper-proxy.ts';
import { openProxiedDesks, type ProxiedDesks } from './proxied-desks.ts';

const A_NUMBER = '+15551110001';
const B_NUMBER = '+15552220002';

/** The relay's answer as the reference relay would give it: no bundle signatures at all. */
function unsigned(body: Buffer): string {
  const v = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const strip = (o: Record<string, unknown>): void => { delete o['bundle_sig']; delete o['org_signing_pub']; };
  strip(v);
  if (Array.isArray(v['bundles'])) for (const b of v['bundles'] as Record<string, unknown>[]) strip(b);
  return JSON.stringify(v);
}

function isKeyAnswer(path: string): boolean {
  return path.startsWith('/v1/lookup') || path.startsWith('/v1/key-bundles/');
}

for (const profile of ['signed bundles', 'unsigned bundles'] as const) {
  describe(`trust on first use, with ${profile}`, () => {
    let proxy: TamperProxy;
    let scene: ProxiedDesks;
    let a: TestDesk;
    let b: TestDesk;
    let aOrg: OrgId;
    let bOrg: OrgId;
    /** Per-path replacement answers, on top of the profile's. */
    let forged: Map<string, string>;

    beforeEach(async () => {
      scene = await openProxiedDesks('trust', 'both');
      ({ proxy, a, b, aOrg, bOrg } = scene);
      forged = new Map();
      proxy.rewrite = (req, status, body) => {
        const replaced = forged.get(req.path);
        if (replaced !== undefined) return { status: 200, body: replaced };
        if (profile === 'unsigned bundles' && status === 200 && req.method === 'GET' && isKeyAnswer(req.path)) return { body: unsigned(body) };
        return null;
      };
    });

    afterEach(async () => {
      await scene.close();
    });

    async function send(from: TestDesk, orgId: OrgId, fromNumber: string, to: string): Promise<FaxId> {
      const { id } = await from.call('send.submit', { orgId, to, from: fromNumber, fileName: 'p.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'fxe' });
      await from.desk.flushOutbox();
      return id;
    }

    /** The lookup answer for `number`, as the proxy passes it on (profile applied). */
    async function lookupAnswer(desk: TestDesk, orgId: OrgId, number: string): Promise<string> {
      let captured = '';
      const inner = proxy.rewrite;
      proxy.rewrite = (req, status, body) => {
        const r = inner?.(req, status, body) ?? null;
        if (req.path.startsWith('/v1/lookup')) captured = typeof r?.body === 'string' ? r.body : body.toString('utf8');
        return r;
      };
      await desk.call('send.check', { orgId, to: number });
      proxy.rewrite = inner;
      return captured;
    }

    it('a reply from an org we sent to is not held, and the next send is not held either', async () => {
      const first = await send(a, aOrg, A_NUMBER, B_NUMBER);
      expect((await a.call('faxes.get', { id: first })).state).toBe('sent');
      expect(await b.desk.pollNow()).toBe(1);
      // B replies: its desk pins A on receive, then A's lookup on send.
      const reply = await send(b, bOrg, B_NUMBER, A_NUMBER);
      expect((await b.call('faxes.get', { id: reply })).state).toBe('sent');
      expect(await a.desk.pollNow()).toBe(1);
      expect(a.events.filter((e) => e.type === 'receive.error')).toEqual([]);
      expect((await a.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(1);
      // And the next fax each way goes straight through.
      expect((await a.call('send.check', { orgId: aOrg, to: B_NUMBER }))).toEqual({ kind: 'fxe', recipientOrgId: bOrg, keyChange: null });
      expect((await b.call('send.check', { orgId: bOrg, to: A_NUMBER }))).toEqual({ kind: 'fxe', recipientOrgId: aOrg, keyChange: null });
      const again = await send(a, aOrg, A_NUMBER, B_NUMBER);
      expect((await a.call('faxes.get', { id: again })).state).toBe('sent');
      // The receipt of the first fax verifies against the same pins.
      await a.desk.pollNow();
      expect((await a.call('faxes.get', { id: first })).state).toBe('delivered');
    });

    it('a known number answered by another org is held like a key change, until accepted', async () => {
      await a.call('send.check', { orgId: aOrg, to: B_NUMBER });
      // The "relay" now answers B's number with another org and that org's own valid keys
      // (A's own, as B's desk sees them: a self-consistent impostor).
      const impostor = await lookupAnswer(b, bOrg, A_NUMBER);
      expect(JSON.parse(impostor).org_id).toBe(aOrg);
      forged.set(`/v1/lookup?fax_number=${B_NUMBER}`, impostor);
      const check = await a.call('send.check', { orgId: aOrg, to: B_NUMBER });
      expect(check.kind).toBe('fxe');
      const warning = check.kind === 'fxe' ? check.keyChange : null;
      expect(warning).toMatchObject({ recipientOrgId: aOrg, previousOrgId: bOrg });
      if (profile === 'signed bundles') {
        // The warning shows the fingerprint the impostor org reads out as its own in Settings.
        const own = (await a.call('app.status', {})).orgs.find((o) => o.orgId === aOrg);
        expect(warning!.newFingerprint).toBe(own?.fingerprint);
      }
      const id = await send(a, aOrg, A_NUMBER, B_NUMBER);
      const held = await a.call('faxes.get', { id });
      expect(held.state).toBe('held-key-change');
      expect(held.failureReason?.message).toContain('different organisation');
      // Key changes lists it: the number moved from B to the other org, with the fax waiting on it.
      const listed = await a.call('keys.changes', { orgId: aOrg });
      expect(listed).toEqual([expect.objectContaining({ peerOrgId: aOrg, previousOrgId: bOrg, numbers: [B_NUMBER], newFingerprint: warning!.newFingerprint, heldFaxes: [expect.objectContaining({ id, to: B_NUMBER })] })]);
      // Only the fingerprint shown is accepted; then the fax is released.
      expect((await a.desk.invoke('send.acceptKeyChange', { orgId: aOrg, recipientOrgId: asOrgId(aOrg), newFingerprint: asFingerprint('f'.repeat(64)) })).ok).toBe(false);
      await a.call('send.acceptKeyChange', { orgId: aOrg, recipientOrgId: warning!.recipientOrgId, newFingerprint: warning!.newFingerprint });
      await a.desk.flushOutbox();
      expect((await a.call('faxes.get', { id })).state).not.toBe('held-key-change');
    });

    it('bundles we know, re-signed under another org key, are still a key change', async () => {
      if (profile === 'unsigned bundles') return;
      await a.call('send.check', { orgId: aOrg, to: B_NUMBER });
      const fakeOrgSeed = ed25519.utils.randomSecretKey();
      const fakeOrgPub = b64uEncode(ed25519.getPublicKey(fakeOrgSeed));
      const honest = JSON.parse(await lookupAnswer(a, aOrg, B_NUMBER)) as { org_signing_pub: string; bundles: (PublicBundle & { bundle_sig: string; org_signing_pub: string })[] };
      honest.org_signing_pub = fakeOrgPub;
      for (const bundle of honest.bundles) {
        bundle.bundle_sig = signBundle({ bundle_id: bundle.bundle_id, ml_kem_pub: bundle.ml_kem_pub, x25519_pub: bundle.x25519_pub, ed25519_pub: bundle.ed25519_pub }, fakeOrgSeed);
        bundle.org_signing_pub = fakeOrgPub;
      }
      forged.set(`/v1/lookup?fax_number=${B_NUMBER}`, JSON.stringify(honest));
      const check = await a.call('send.check', { orgId: aOrg, to: B_NUMBER });
      expect(check.kind === 'fxe' ? check.keyChange : null).toMatchObject({ recipientOrgId: bOrg });
    });

    it('an envelope whose signature fails pins nothing, not even its sender number', async () => {
      const id = await send(a, aOrg, A_NUMBER, B_NUMBER);
      const envelopePaths = [`/v1/messages/${id}`, `/v1/messages/${id}/envelope`];
      const inner = proxy.rewrite;
      proxy.rewrite = (req, status, body) => (req.method === 'GET' && envelopePaths.includes(req.path)
        ? { body: body.toString('utf8').replace(`"${A_NUMBER}"`, '"+15553330003"') }
        : inner?.(req, status, body) ?? null);
      expect(await b.desk.pollNow()).toBe(0);
      const db = new Database(join(b.dataDir, 'desk.sqlite'), { readonly: true });
      try {
        expect(db.prepare('SELECT fax_number FROM number_pins').all()).toEqual([]);
        expect(db.prepare('SELECT peer_org_id FROM key_pins').all()).toEqual([]);
      } finally {
        db.close();
      }
    });

    it('a fax whose sender number is pinned to another org is held, and fetched again once accepted', async () => {
      // B's desk learnt A's number as belonging to B's own org (a lying lookup).
      const bAsA = await lookupAnswer(a, aOrg, B_NUMBER);
      forged.set(`/v1/lookup?fax_number=${A_NUMBER}`, bAsA);
      await b.call('send.check', { orgId: bOrg, to: A_NUMBER });
      forged.clear();
      await send(a, aOrg, A_NUMBER, B_NUMBER);
      expect(await b.desk.pollNow()).toBe(0);
      expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);
      const err = b.events.find((e) => e.type === 'receive.error');
      expect(err?.type === 'receive.error' ? err.error.message : '').toContain('belonged to a different organisation');
      // The honest lookup now shows the change; accepting it lets the fax in.
      const check = await b.call('send.check', { orgId: bOrg, to: A_NUMBER });
      const warning = check.kind === 'fxe' ? check.keyChange : null;
      expect(warning).toMatchObject({ recipientOrgId: aOrg, previousOrgId: bOrg });
      await b.call('send.acceptKeyChange', { orgId: bOrg, recipientOrgId: asOrgId(aOrg), newFingerprint: warning!.newFingerprint });
      expect(await b.desk.pollNow()).toBe(1);
    });
  });
}
