// Key rotation end to end against the real local relay. B (Harbor Pharmacy) rotates its keys:
// a fax A sealed for B's old bundle before the rotation still opens; A's next fax is wrapped
// for both of B's bundles and opens; after the grace period B retires the old bundle on the
// relay, lookups return only the new one, and B's old private keys are wiped once nothing
// addressed to them can still arrive.
import { asMessageId, type OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKeysZip, type OrgKeys } from '../../shared/protocol/index.ts';
import { RelayClient } from '../../electron/services/relay-client/relay-client.ts';
import { previousKeysRecordName } from '../../electron/services/vault/org-registry.ts';
import { openVault } from '../../electron/services/vault/vault.ts';
import { openCliServices } from '../../electron/services/cli/cli-services.ts';
import { makePdf, openTwoDesks, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay, type TwoDeskScene } from './helpers.ts';

function clientOf(keys: OrgKeys): RelayClient {
  return new RelayClient({ baseUrl: keys.credentials.relay, identity: { keyId: keys.credentials.key_id, signingSeed: keys.signingSeed }, fetch: (u, i) => fetch(u, i), retries: 0 });
}

describe('key rotation', () => {
  let scene: TwoDeskScene;
  let relay: TestRelay;
  let dirs: TwoDeskScene['dirs'];
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;
  let aKeys: OrgKeys;

  beforeAll(async () => {
    scene = await openTwoDesks('rotation', {
      a: { autoStart: false },
      // Grace 0: the first housekeeping pass after the rotation retires the old bundle.
      b: { autoStart: false, timings: { relayRetries: 1, keyRotationGraceMs: 0 } },
    });
    ({ relay, dirs, a, b, aOrg, bOrg } = scene);
    aKeys = await readKeysZip(new Uint8Array(readFileSync(relay.orgs[0]!.keysZipPath)));
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('rotates, keeps both bundles open through the grace period, then retires the old one', async () => {
    const before = (await b.call('app.status', {})).orgs[0]!;
    const oldBundleId = before.bundleId;

    // A fax sealed for the old bundle only, uploaded before the rotation.
    const early = makePdf(1, 5_000);
    const { id: earlyId } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'before.pdf', pdf: early, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id: earlyId })).state).toBe('sent');

    // Rotate; the save dialog for the fresh keys.zip gets a path.
    b.nextSave = join(dirs.path, 'harbor-new-keys.zip');
    const rotated = await b.call('orgs.rotateKeys', { orgId: bOrg });
    expect(rotated.orgId).toBe(bOrg);
    expect(rotated.bundleId).not.toBe(oldBundleId);
    // The fingerprint read out over the phone is the org key's: a signed rotation keeps it.
    expect(rotated.fingerprint).toBe(before.fingerprint);
    const newKeys = await readKeysZip(new Uint8Array(readFileSync(b.nextSave)));
    expect(newKeys.credentials).toMatchObject({ org_id: bOrg, bundle_id: rotated.bundleId });
    expect(b.events.some((e) => e.type === 'status.changed' && e.status.orgs.some((o) => o.bundleId === rotated.bundleId))).toBe(true);
    // The old private keys are kept (encrypted in B's vault) for faxes still sealed to them.
    const holdsOldKeys = async (): Promise<boolean> => {
      const vault = await openVault(b.dataDir, b.keychain);
      try { return vault.has(previousKeysRecordName(bOrg, oldBundleId)); } finally { vault.close(); }
    };
    expect(await holdsOldKeys()).toBe(true);

    // During the grace period lookups return both bundles; A sees no key-change warning
    // (the org signing key did not change) and wraps for both.
    const lookup = await clientOf(aKeys).lookup('+15552220002');
    expect(lookup.bundles.map((x) => x.bundle_id).sort()).toEqual([oldBundleId, rotated.bundleId].sort());
    expect(await a.call('send.check', { orgId: aOrg, to: '+15552220002' })).toEqual({ kind: 'fxe', recipientOrgId: bOrg, keyChange: null });
    const late = makePdf(2, 5_000);
    const { id: lateId } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'after.pdf', pdf: late, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    const fetched = await clientOf(newKeys).fetchMessage(asMessageId(lateId));
    const wrappedFor = (JSON.parse(fetched.envelopeText) as { envelope: { wrapped_keys: { recipient_key_bundle_id: string }[] } }).envelope.wrapped_keys.map((w) => w.recipient_key_bundle_id);
    expect(wrappedFor.sort()).toEqual([oldBundleId, rotated.bundleId].sort());

    // B opens both: the early one with the kept old keys, the late one with the new keys.
    expect(await b.desk.pollNow()).toBe(2);
    expect(Buffer.from((await b.call('faxes.document', { id: earlyId })).pdf).equals(Buffer.from(early))).toBe(true);
    expect(Buffer.from((await b.call('faxes.document', { id: lateId })).pdf).equals(Buffer.from(late))).toBe(true);

    // That poll's housekeeping retired the old bundle (grace 0): lookups return only the new one.
    const after = await clientOf(aKeys).lookup('+15552220002');
    expect(after.bundles.map((x) => x.bundle_id)).toEqual([rotated.bundleId]);
    const retired = await clientOf(aKeys).keyBundle(oldBundleId);
    expect(retired.status).toBe('retired');

    // Nothing addressed to the old keys is pending any more: they were wiped from the vault.
    expect(await holdsOldKeys()).toBe(false);
    expect(existsSync(b.nextSave)).toBe(true);

    // A sees both faxes delivered: receipts signed by the old and the new bundle both verify.
    await a.desk.pollNow();
    for (const id of [earlyId, lateId]) {
      const f = await waitFor(`delivered ${id}`, async () => {
        const x = await a.call('faxes.get', { id });
        return x.state === 'delivered' ? x : null;
      });
      expect(f.receipt).toMatchObject({ verified: true, recipientOrgId: bOrg });
    }
    expect((await a.call('faxes.get', { id: earlyId })).receipt?.recipientBundleId).toBe(oldBundleId);
    expect((await a.call('faxes.get', { id: lateId })).receipt?.recipientBundleId).toBe(rotated.bundleId);

    // B keeps sending with its new bundle (the relay refuses envelopes signed by a retired one).
    const { id: reply } = await b.call('send.submit', { orgId: bOrg, to: '+15551110001', from: '+15552220002', fileName: 'reply.pdf', pdf: makePdf(1), coverPage: null, route: 'fxe' });
    await b.desk.flushOutbox();
    expect((await b.call('faxes.get', { id: reply })).state).toBe('sent');
  });
});

describe('key rotation housekeeping with nothing scheduled', () => {
  it('writes nothing (it runs after every poll: a commit each time was an fsync each time)', async () => {
    const relay = await startTestRelay();
    const dir = tempDir('rotation-idle');
    const c = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: join(dir.path, 'state'), log: () => undefined });
    try {
      const changes = (): unknown => c.s.db.prepare('SELECT total_changes() AS n').get();
      const before = changes();
      await c.s.rotation.tick();
      expect(changes()).toEqual(before);
    } finally {
      await c.close();
      await relay.close();
      dir.remove();
    }
  });
});
