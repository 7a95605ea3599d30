/** The pins in a desk's own SQLite (key_pins, number_pins, pending_key_changes). */
import type { Db } from '../storage/database.ts';
import { driveSync, numbersOf, type KeyPin, type NumberRow, type PendingKeyChange, type PinOp, type PinStorage, type PinSteps } from './pin-storage.ts';

interface PinRow { fingerprint: string; bundle_fingerprints: string }

export function parsePinList(json: string): string[] {
  const v = JSON.parse(json) as unknown;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const toPin = (r: PinRow | undefined): KeyPin | null => (r ? { fingerprint: r.fingerprint, bundleFingerprints: parsePinList(r.bundle_fingerprints) } : null);

export function sqlitePinStorage(db: Db): PinStorage {
  const exec = (o: PinOp): unknown => {
    switch (o.op) {
      case 'keyPin': return toPin(db.prepare('SELECT fingerprint, bundle_fingerprints FROM key_pins WHERE peer_org_id = ?').get(o.orgId) as PinRow | undefined);
      case 'numberOwner': return (db.prepare('SELECT peer_org_id FROM number_pins WHERE fax_number = ?').get(o.faxNumber) as { peer_org_id: string } | undefined)?.peer_org_id ?? null;
      case 'pending': return toPin(db.prepare('SELECT fingerprint, bundle_fingerprints FROM pending_key_changes WHERE peer_org_id = ?').get(o.orgId) as PinRow | undefined);
      case 'putKeyPin':
        db.prepare(`INSERT INTO key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT(peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, pending_fingerprint = NULL, updated_at = excluded.updated_at`)
          .run(o.orgId, o.pin.fingerprint, JSON.stringify(o.pin.bundleFingerprints), o.now, o.now);
        return undefined;
      case 'putBundles': {
        // Only when a bundle is new: every send and every receive checks the pins, and a
        // write there would make the check's transaction a flushed commit (an fsync) each time.
        const list = JSON.stringify(o.bundleFingerprints);
        db.prepare('UPDATE key_pins SET bundle_fingerprints = ?, updated_at = ? WHERE peer_org_id = ? AND bundle_fingerprints <> ?').run(list, o.now, o.orgId, list);
        return undefined;
      }
      case 'putNumberPin':
        db.prepare('INSERT INTO number_pins (fax_number, peer_org_id, first_seen_at, updated_at) VALUES (?, ?, ?, ?)').run(o.faxNumber, o.orgId, o.now, o.now);
        return undefined;
      case 'holdNumber':
        db.prepare('UPDATE number_pins SET pending_org_id = ?, updated_at = ? WHERE fax_number = ?').run(o.pendingOrgId, o.now, o.faxNumber);
        return undefined;
      case 'putPending':
        db.prepare(`INSERT INTO pending_key_changes (peer_org_id, fingerprint, bundle_fingerprints, at) VALUES (?, ?, ?, ?)
          ON CONFLICT(peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, at = excluded.at`)
          .run(o.orgId, o.pin.fingerprint, JSON.stringify(o.pin.bundleFingerprints), o.now);
        return undefined;
      case 'releaseNumbers':
        db.prepare('UPDATE number_pins SET peer_org_id = ?, pending_org_id = NULL, updated_at = ? WHERE pending_org_id = ?').run(o.orgId, o.now, o.orgId);
        return undefined;
      case 'dropPending':
        db.prepare('DELETE FROM pending_key_changes WHERE peer_org_id = ?').run(o.orgId);
        return undefined;
      case 'listPending':
        return (db.prepare(`SELECT p.peer_org_id, p.fingerprint, coalesce(k.fingerprint, '') AS previous, p.at FROM pending_key_changes p
          LEFT JOIN key_pins k ON k.peer_org_id = p.peer_org_id ORDER BY p.at, p.peer_org_id`).all() as { peer_org_id: string; fingerprint: string; previous: string; at: number }[])
          .map((r): PendingKeyChange => {
            const numbers = db.prepare('SELECT fax_number, peer_org_id, pending_org_id FROM number_pins WHERE peer_org_id = ? OR pending_org_id = ? ORDER BY fax_number')
              .all(r.peer_org_id, r.peer_org_id) as NumberRow[];
            return { orgId: r.peer_org_id, fingerprint: r.fingerprint, previousFingerprint: r.previous, at: r.at, ...numbersOf(r.peer_org_id, numbers) };
          });
    }
  };
  return {
    run<T>(steps: PinSteps<T>): T {
      return db.transaction(() => driveSync(steps, exec))();
    },
  };
}
