// Checking keys that are already pinned writes nothing: every send and every receive checks the
// pins, and a write there made the check a flushed SQLite commit (an fsync) each time. A bundle
// not seen before is still added to the pin.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asFingerprint, asOrgId } from '../../shared/domain/ids.ts';
import { openDatabase } from '../../electron/services/storage/database.ts';
import { TrustStore } from '../../electron/services/trust/trust-store.ts';
import type { ObservedKeys } from '../../electron/services/trust/observed-keys.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('pins-check-writes');
afterAll(() => dir.remove());

const keys = (bundleFingerprints: string[]): ObservedKeys => ({
  orgId: asOrgId('org_peer'), bundles: [], orgSigningPub: null, fingerprint: asFingerprint(`fp-${bundleFingerprints.join('-')}`), bundleFingerprints,
});

describe('the trust store on known keys', () => {
  it('a check of pinned keys changes no row and adds nothing to the WAL; a new bundle is still recorded', async () => {
    const db = openDatabase(dir.path);
    const pins = new TrustStore(db, () => 1_000);
    const changes = (): number => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const walBytes = (): number => statSync(join(dir.path, 'desk.sqlite-wal')).size;

    expect(await pins.check(keys(['b1']), '+15550001')).toEqual({ kind: 'trusted', firstUse: true });
    const afterFirst = changes();
    const walAfterFirst = walBytes();
    for (let i = 0; i < 3; i++) expect(await pins.check(keys(['b1']), '+15550001')).toEqual({ kind: 'trusted', firstUse: false });
    expect(changes()).toBe(afterFirst);
    expect(walBytes()).toBe(walAfterFirst);

    // Unsigned bundles: one never seen is a change (held), not silently added.
    expect((await pins.check(keys(['b1', 'b2']), '+15550001')).kind).toBe('changed');
    // The pinned bundle alone still passes, and writes nothing.
    const beforeKnown = changes();
    expect((await pins.check(keys(['b1']), null)).kind).toBe('trusted');
    expect(changes()).toBe(beforeKnown);
    db.close();
  });
});
