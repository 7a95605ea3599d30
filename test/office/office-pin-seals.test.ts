// The office's trust pins are sealed (PG migration 010, office-pins.ts): whoever runs the
// database, acting here through a superuser connection and getting past the triggers as they
// could, cannot swap a partner's keys, hand a number to another org, remove a pin so that the
// next look pins whatever the relay shows, or bring back an older copy, without the desks
// noticing (`office.pins_tampered`: nothing is trusted on such a record). Pins from before the
// seal are sealed as they are; a desk of an older version can no longer write pins; rotating
// the office key keeps the seal.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asFingerprint, asOrgId } from '../../shared/domain/ids.ts';
import { officePinStorage, pinSealMemoryInProcess, type PinSealMemory } from '../../electron/services/office/office-pins.ts';
import type { Office } from '../../electron/services/office/office.ts';
import { TrustStore, type ObservedKeys } from '../../electron/services/trust/index.ts';
import { openDesk, testOrgSecret, type TestOrgSecret } from './helpers.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

function keys(orgId: string, fp = randomBytes(32).toString('hex')): ObservedKeys {
  return { orgId: asOrgId(orgId), bundles: [], orgSigningPub: new Uint8Array(32), fingerprint: asFingerprint(fp), bundleFingerprints: [randomBytes(32).toString('hex')] };
}

const TABLES = ['key_pins', 'number_pins', 'pending_key_changes', 'pin_seal'] as const;
type Snapshot = Record<(typeof TABLES)[number], Record<string, unknown>[]>;

describe('sealed office pins', () => {
  let server: PrivatePostgres;
  let org: TestOrgSecret;
  let a: Office;
  let b: Office;
  let memA: PinSealMemory;
  let memB: PinSealMemory;
  let pinsA: TrustStore;
  let pinsB: TrustStore;
  /** The database's operator: a superuser who can get past the triggers. */
  let operator: pg.Client;
  const opened: Office[] = [];

  const lab = keys('org-lab');
  const LAB_NUMBER = '+15557770001';

  const snapshot = async (): Promise<Snapshot> => {
    const out: Partial<Snapshot> = {};
    for (const t of TABLES) out[t] = (await operator.query(`SELECT * FROM fxe.${t}`)).rows;
    return out as Snapshot;
  };
  const restore = async (s: Snapshot): Promise<void> => {
    for (const t of TABLES) {
      await operator.query(`DELETE FROM fxe.${t}`);
      for (const r of s[t]) {
        const cols = Object.keys(r);
        await operator.query(`INSERT INTO fxe.${t} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => r[c]));
      }
    }
  };
  const tampered = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'office.pins_tampered', message: expect.stringContaining('changed outside fxe Desk') });
  let good: Snapshot;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    org = testOrgSecret();
    a = await openDesk(server.url, org, 'front', 'Ann');
    b = await openDesk(server.url, org, 'back', 'Ben');
    opened.push(a, b);
    memA = pinSealMemoryInProcess();
    memB = pinSealMemoryInProcess();
    pinsA = new TrustStore(officePinStorage(a, memA), Date.now);
    pinsB = new TrustStore(officePinStorage(b, memB), Date.now);
    operator = new pg.Client({ connectionString: server.adminUrl });
    await operator.connect();
    await operator.query("SET fxe.pin_writer = 'sealed-v1'");
    expect(await pinsA.check(lab, LAB_NUMBER)).toEqual({ kind: 'trusted', firstUse: true });
    expect(await pinsB.check(keys('org-clinic'), '+15557770002')).toEqual({ kind: 'trusted', firstUse: true });
    good = await snapshot();
  }, 60_000);

  // Each case starts from the office as the desks left it.
  beforeEach(async () => { await restore(good); });

  afterAll(async () => {
    await operator?.end().catch(() => undefined);
    for (const o of opened) await o.close();
    server?.destroy();
  });

  it('every row the desks write has its HMAC, and the seal counts the rows', async () => {
    expect(good.key_pins.every((r) => typeof r['mac'] === 'string' && (r['mac']).length === 64)).toBe(true);
    expect(good.number_pins.every((r) => typeof r['mac'] === 'string')).toBe(true);
    expect(good.pin_seal).toEqual([expect.objectContaining({ key_pins: 2, number_pins: 2, pending: 0 })]);
    // Each desk remembers the last version it saw (B wrote last).
    expect(memB.get()).toBe(Number(good.pin_seal[0]!['version']));
    expect(memA.get()).toBeLessThan(memB.get()!);
    expect(await pinsB.check(lab, LAB_NUMBER)).toEqual({ kind: 'trusted', firstUse: false });
  });

  it('a partner\'s pinned key swapped: noticed, not trusted; put back as it was, trusted again', async () => {
    const attacker = keys('org-lab');
    await operator.query('UPDATE fxe.key_pins SET fingerprint = $2, bundle_fingerprints = $3 WHERE peer_org_id = $1', ['org-lab', attacker.fingerprint, attacker.bundleFingerprints]);
    await tampered(pinsB.check(attacker, LAB_NUMBER));
    await tampered(pinsA.check(lab, LAB_NUMBER));
    await restore(good);
    expect(await pinsB.check(lab, LAB_NUMBER)).toEqual({ kind: 'trusted', firstUse: false });
  });

  it('a number handed to another org: noticed', async () => {
    await operator.query("UPDATE fxe.number_pins SET peer_org_id = 'org-evil' WHERE fax_number = $1", [LAB_NUMBER]);
    await tampered(pinsA.check(keys('org-evil'), LAB_NUMBER));
  });

  it('a pin removed, so that the next look would pin whatever the relay shows: noticed, even with another row slipped in to keep the count', async () => {
    await operator.query("DELETE FROM fxe.key_pins WHERE peer_org_id = 'org-lab'");
    await tampered(pinsA.check(keys('org-lab'), LAB_NUMBER));
    await operator.query("INSERT INTO fxe.key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at, mac) VALUES ('org-decoy', 'ff', '{}', 1, 1, $1)", ['0'.repeat(64)]);
    await tampered(pinsA.check(keys('org-lab'), null));
  });

  it('an older copy brought back whole is noticed by a desk that saw the newer one, and so is a seal removed', async () => {
    const older = good;
    expect(await pinsA.check(keys('org-pharmacy'), '+15557770003')).toMatchObject({ kind: 'trusted', firstUse: true });
    const newer = await snapshot();
    await restore(older);
    await tampered(pinsA.check(keys('org-pharmacy'), '+15557770003'));
    await restore(newer);
    expect(await pinsA.check(lab, LAB_NUMBER)).toMatchObject({ kind: 'trusted' });
    await operator.query('DELETE FROM fxe.pin_seal');
    await tampered(pinsB.check(lab, LAB_NUMBER));
    await restore(newer);
    good = newer;
  });

  it('pins from before the seal (no HMACs, no seal row) are sealed as they are by the first desk that reads them', async () => {
    await operator.query('UPDATE fxe.key_pins SET mac = NULL');
    await operator.query('UPDATE fxe.number_pins SET mac = NULL');
    await operator.query('DELETE FROM fxe.pin_seal');
    // A desk that never saw a seal (as every desk right after the update).
    const c = await openDesk(server.url, org, 'new', 'Cat');
    opened.push(c);
    const pinsC = new TrustStore(officePinStorage(c), Date.now);
    expect(await pinsC.check(lab, LAB_NUMBER)).toEqual({ kind: 'trusted', firstUse: false });
    const now = await snapshot();
    expect(now.key_pins.every((r) => typeof r['mac'] === 'string')).toBe(true);
    expect(now.pin_seal).toHaveLength(1);
    expect((await operator.query("SELECT person FROM fxe.audit_log WHERE action = 'pins-sealed'")).rows).toEqual([{ person: 'Cat' }]);
    good = now;
    // From here on A and B are desks that never saw the earlier seal (its versions started over).
    memA = pinSealMemoryInProcess();
    memB = pinSealMemoryInProcess();
    pinsA = new TrustStore(officePinStorage(a, memA), Date.now);
    pinsB = new TrustStore(officePinStorage(b, memB), Date.now);
  });

  it('a desk of an older version (writing without sealing) is refused by the database', async () => {
    const old = new pg.Client({ connectionString: server.url });
    await old.connect();
    try {
      await expect(old.query("INSERT INTO fxe.key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES ('org-x', 'aa', '{}', 1, 1)"))
        .rejects.toThrow(/update fxe Desk on this computer/);
      await expect(old.query("UPDATE fxe.number_pins SET pending_org_id = 'org-x'")).rejects.toThrow(/sealed/);
    } finally {
      await old.end();
    }
  });

  it('a new office key keeps the seal: the desks, and a desk opened after, still verify it', async () => {
    await a.rotateOfficeKey();
    expect(await pinsA.check(lab, LAB_NUMBER)).toMatchObject({ kind: 'trusted' });
    expect(await pinsB.check(keys('org-later'), '+15557770009')).toMatchObject({ kind: 'trusted', firstUse: true });
    const d = await openDesk(server.url, org, 'after', 'Dee');
    opened.push(d);
    expect(await new TrustStore(officePinStorage(d), Date.now).check(lab, LAB_NUMBER)).toEqual({ kind: 'trusted', firstUse: false });
  });
});
