/**
 * The trust pins of an office, in its database (migration 003): the PinStorage behind the
 * trust store of every office duty (receiving, sending, receipts), so a pin or an accepted key
 * change on one desk holds on all of them, and a held change is listed on every desk.
 *
 * Each decision runs in one transaction holding a transaction-scoped advisory lock: two desks
 * meeting the same new org at once decide one after the other, so the second sees the first's
 * pin instead of both pinning what each saw.
 */
import type pg from 'pg';
import { driveAsync, numbersOf, type KeyPin, type NumberRow, type PendingKeyChange, type PinOp, type PinStorage, type PinSteps } from '../trust/index.ts';
import type { Office } from './office.ts';

const PINS_LOCK_KEY = '7366200273646914885';

interface PinRow { fingerprint: string; bundle_fingerprints: string[] }

const toPin = (r: PinRow | undefined): KeyPin | null => (r ? { fingerprint: r.fingerprint, bundleFingerprints: r.bundle_fingerprints } : null);

async function exec(c: pg.ClientBase, o: PinOp): Promise<unknown> {
  switch (o.op) {
    case 'keyPin': return toPin((await c.query<PinRow>('SELECT fingerprint, bundle_fingerprints FROM fxe.key_pins WHERE peer_org_id = $1', [o.orgId])).rows[0]);
    case 'numberOwner': return (await c.query<{ peer_org_id: string }>('SELECT peer_org_id FROM fxe.number_pins WHERE fax_number = $1', [o.faxNumber])).rows[0]?.peer_org_id ?? null;
    case 'pending': return toPin((await c.query<PinRow>('SELECT fingerprint, bundle_fingerprints FROM fxe.pending_key_changes WHERE peer_org_id = $1', [o.orgId])).rows[0]);
    case 'putKeyPin':
      await c.query(`INSERT INTO fxe.key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at) VALUES ($1, $2, $3, $4, $4)
        ON CONFLICT (peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, updated_at = excluded.updated_at`,
      [o.orgId, o.pin.fingerprint, o.pin.bundleFingerprints, o.now]);
      return undefined;
    case 'putBundles':
      // Unchanged bundles write nothing, so a desk receiving from a known sender does not wake every desk.
      await c.query('UPDATE fxe.key_pins SET bundle_fingerprints = $2, updated_at = $3 WHERE peer_org_id = $1 AND bundle_fingerprints <> $2', [o.orgId, o.bundleFingerprints, o.now]);
      return undefined;
    case 'putNumberPin':
      await c.query('INSERT INTO fxe.number_pins (fax_number, peer_org_id, first_seen_at, updated_at) VALUES ($1, $2, $3, $3)', [o.faxNumber, o.orgId, o.now]);
      return undefined;
    case 'holdNumber':
      await c.query('UPDATE fxe.number_pins SET pending_org_id = $2, updated_at = $3 WHERE fax_number = $1', [o.faxNumber, o.pendingOrgId, o.now]);
      return undefined;
    case 'putPending':
      await c.query(`INSERT INTO fxe.pending_key_changes (peer_org_id, fingerprint, bundle_fingerprints, at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, at = excluded.at`,
      [o.orgId, o.pin.fingerprint, o.pin.bundleFingerprints, o.now]);
      return undefined;
    case 'releaseNumbers':
      await c.query('UPDATE fxe.number_pins SET peer_org_id = $1, pending_org_id = NULL, updated_at = $2 WHERE pending_org_id = $1', [o.orgId, o.now]);
      return undefined;
    case 'dropPending':
      await c.query('DELETE FROM fxe.pending_key_changes WHERE peer_org_id = $1', [o.orgId]);
      return undefined;
    case 'listPending': {
      const rows = (await c.query<{ peer_org_id: string; fingerprint: string; previous: string; at: string }>(`SELECT p.peer_org_id, p.fingerprint, coalesce(k.fingerprint, '') AS previous, p.at
        FROM fxe.pending_key_changes p LEFT JOIN fxe.key_pins k ON k.peer_org_id = p.peer_org_id ORDER BY p.at, p.peer_org_id`)).rows;
      const out: PendingKeyChange[] = [];
      for (const r of rows) {
        const numbers = (await c.query<NumberRow>('SELECT fax_number, peer_org_id, pending_org_id FROM fxe.number_pins WHERE peer_org_id = $1 OR pending_org_id = $1 ORDER BY fax_number', [r.peer_org_id])).rows;
        out.push({ orgId: r.peer_org_id, fingerprint: r.fingerprint, previousFingerprint: r.previous, at: Number(r.at), ...numbersOf(r.peer_org_id, numbers) });
      }
      return out;
    }
  }
}

export function officePinStorage(office: Office): PinStorage {
  return {
    run<T>(steps: PinSteps<T>): Promise<T> {
      return office.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [PINS_LOCK_KEY]);
        return driveAsync(steps, (op) => exec(c, op));
      }, 'trust pins');
    },
  };
}
