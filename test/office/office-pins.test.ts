// The office's trust pins on a real private PostgreSQL, two desks: the same trust store as a
// single desk decides (trust-store.ts), only the rows live in the office database. A pin made
// at one desk holds at the other, a key change met at one desk is listed, and decidable, at
// the other, an accepted change holds everywhere, and two desks meeting a new org at the same
// moment cannot both pin what each saw.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asFingerprint, asOrgId } from '../../shared/domain/ids.ts';
import { ChangeFeed, type OfficeChange } from '../../electron/services/office/change-feed.ts';
import { officePinStorage } from '../../electron/services/office/office-pins.ts';
import type { Office } from '../../electron/services/office/office.ts';
import { TrustStore, type ObservedKeys } from '../../electron/services/trust/index.ts';
import { DeskError } from '../../electron/services/errors.ts';
import { openDesk, testOrgSecret } from './helpers.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

/** Keys a relay might show for `orgId`: signed by an org key whose fingerprint is `fp`. */
function keys(orgId: string, fp = randomBytes(32).toString('hex')): ObservedKeys {
  return { orgId: asOrgId(orgId), bundles: [], orgSigningPub: new Uint8Array(32), fingerprint: asFingerprint(fp), bundleFingerprints: [randomBytes(32).toString('hex')] };
}

describe('office trust pins, shared by the desks', () => {
  let server: PrivatePostgres;
  let a: Office;
  let b: Office;
  let pinsA: TrustStore;
  let pinsB: TrustStore;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    const org = testOrgSecret();
    a = await openDesk(server.url, org, 'front', 'Ann');
    b = await openDesk(server.url, org, 'back', 'Ben');
    pinsA = new TrustStore(officePinStorage(a), Date.now);
    pinsB = new TrustStore(officePinStorage(b), Date.now);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    server?.destroy();
  });

  it('a pin made at one desk holds at the other', async () => {
    const lab = keys('org-lab');
    expect(await pinsA.check(lab, '+15557770001')).toEqual({ kind: 'trusted', firstUse: true });
    expect(await pinsB.check(lab, '+15557770001')).toEqual({ kind: 'trusted', firstUse: false });
    expect(await pinsB.pinned(asOrgId('org-lab'))).toBe(lab.fingerprint);
    expect(await pinsB.numberOwner('+15557770001')).toBe('org-lab');
  });

  it('a key change met at one desk is listed live at the other, which decides it for both', async () => {
    const before = keys('org-clinic');
    await pinsA.check(before, '+15557770002');
    const seen: OfficeChange[] = [];
    const feed = new ChangeFeed({ db: { url: server.url }, onChanges: (cs) => seen.push(...cs) });
    await feed.start();
    try {
      const after = keys('org-clinic');
      const met = await pinsB.check(after, '+15557770002');
      expect(met).toMatchObject({ kind: 'changed', orgId: 'org-clinic', previousFingerprint: before.fingerprint, newFingerprint: after.fingerprint });
      // Still a change for the other desk too: nothing was pinned by meeting it.
      expect((await pinsA.check(after, '+15557770002')).kind).toBe('changed');
      expect(await pinsA.pinned(asOrgId('org-clinic'))).toBe(before.fingerprint);
      await expect.poll(() => seen.some((c) => c.kind === 'pending_key_changes' && c.key === 'org-clinic'), { timeout: 10_000 }).toBe(true);
      expect(await pinsA.pendingChanges()).toEqual([{ orgId: 'org-clinic', fingerprint: after.fingerprint, previousFingerprint: before.fingerprint, at: expect.any(Number), numbers: ['+15557770002'], previousOrgId: null }]);

      // Only the very fingerprint shown can be accepted.
      const wrong = await pinsA.accept(asOrgId('org-clinic'), asFingerprint('cd'.repeat(32))).then(() => null, (e: unknown) => e);
      expect(wrong).toBeInstanceOf(DeskError);
      expect((wrong as DeskError).code).toBe('keys.no_pending_change');

      await pinsA.accept(asOrgId('org-clinic'), after.fingerprint);
      expect(await pinsB.check(after, '+15557770002')).toEqual({ kind: 'trusted', firstUse: false });
      expect(await pinsB.pendingChanges()).toEqual([]);
      // The old keys are now the change.
      expect((await pinsB.check(before, '+15557770002')).kind).toBe('changed');
    } finally {
      await feed.stop();
    }
  });

  it('a number answered by another org is held at every desk until accepted', async () => {
    const pharmacy = keys('org-pharmacy');
    await pinsA.check(pharmacy, '+15557770003');
    const impostor = keys('org-impostor');
    expect(await pinsB.check(impostor, '+15557770003')).toMatchObject({ kind: 'changed', orgId: 'org-impostor', previousOrgId: 'org-pharmacy', previousFingerprint: pharmacy.fingerprint });
    expect(await pinsA.numberOwner('+15557770003')).toBe('org-pharmacy');
    expect((await pinsA.check(impostor, '+15557770003')).kind).toBe('changed');
    await pinsA.accept(asOrgId('org-impostor'), impostor.fingerprint);
    expect(await pinsB.numberOwner('+15557770003')).toBe('org-impostor');
  });

  it('two desks meeting a new org at once: one pins, the other meets a change', async () => {
    for (let i = 0; i < 5; i++) {
      const org = `org-new-${i}`;
      const [x, y] = await Promise.all([pinsA.check(keys(org), `+1555888000${i}`), pinsB.check(keys(org), `+1555888000${i}`)]);
      expect([x.kind, y.kind].sort()).toEqual(['changed', 'trusted']);
    }
  });
});
