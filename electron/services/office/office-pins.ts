/**
 * The trust pins of an office, in its database (migration 003): the PinStorage behind the
 * trust store of every office duty (receiving, sending, receipts), so a pin or an accepted key
 * change on one desk holds on all of them, and a held change is listed on every desk.
 *
 * Each decision runs in one transaction holding a transaction-scoped advisory lock: two desks
 * meeting the same new org at once decide one after the other, so the second sees the first's
 * pin instead of both pinning what each saw.
 *
 * Sealed (migration 010), so that whoever runs the database cannot swap a partner's keys or
 * hand a number to another org unnoticed:
 *  - every row (key pin, number pin, pending change) carries an HMAC of its meaning under the
 *    office's integrity key (Office.integrityKey; the operator does not have it);
 *  - one seal row, HMAC'd too, counts the rows of each table and numbers the writes (version);
 *  - each decision first checks the seal against the tables (a row added or removed changes a
 *    count), every row it reads, and, before it trusts that an org or a number was never seen
 *    (the first use that pins whatever the relay shows), every row there is; it writes its rows
 *    with their HMACs and the seal again;
 *  - the desk remembers the last version it saw (`PinSealMemory`), so an older copy of the
 *    tables brought back whole is noticed too, and so is a seal that disappeared.
 * Anything that does not check out stops the decision with `office.pins_tampered`: no fax
 * goes to, or is taken from, keys the office did not decide on. Rows from before the seal
 * (no HMAC, no seal row) are sealed as they are by the first desk that reads them, unless it
 * remembers a seal.
 */
import type pg from 'pg';
import { DeskError } from '../errors.ts';
import { driveAsync, numbersOf, type KeyPin, type NumberRow, type PendingKeyChange, type PinOp, type PinStorage, type PinSteps } from '../trust/index.ts';
import { integrityMac, macMatches } from './office-crypto.ts';
import type { Office } from './office.ts';

const PINS_LOCK_KEY = '7366200273646914885';

/** What this desk remembers of the seal between runs (its own database): the last version it saw, or null. */
export interface PinSealMemory {
  get(): number | null;
  set(version: number): void;
}

/** Memory for the life of the process only (tests, tools). */
export function pinSealMemoryInProcess(): PinSealMemory {
  let v: number | null = null;
  return { get: () => v, set: (n) => { v = n; } };
}

/** Memory kept in a desk's own key-value table (its SQLite), one entry per office. */
export function pinSealMemoryIn(kv: { get(key: string): string | null; set(key: string, value: string): void }, officeId: string): PinSealMemory {
  const key = `office.pin_seal.${officeId}`;
  return {
    get: () => {
      const v = kv.get(key);
      return v ? Number(v) : null;
    },
    set: (n) => kv.set(key, String(n)),
  };
}

interface PinRow { fingerprint: string; bundle_fingerprints: string[]; mac: string | null }
interface NumberPinRow extends NumberRow { mac: string | null }
interface SealRow { version: string; key_pins: number; number_pins: number; pending: number; mac: string }
interface Counts { key_pins: number; number_pins: number; pending: number }

const toPin = (r: PinRow | undefined): KeyPin | null => (r ? { fingerprint: r.fingerprint, bundleFingerprints: r.bundle_fingerprints } : null);

export function pinsTampered(detail: string): DeskError {
  return new DeskError('office.pins_tampered',
    'The office\'s record of trusted keys was changed outside fxe Desk, so this desk does not trust it: faxes that depend on it wait. Ask whoever runs the office database what happened.',
    { detail });
}

/** One decision's view of the sealed tables, inside its transaction. */
class SealedPins {
  private verifiedAll = false;
  wrote = false;
  version = 0;

  private readonly c: pg.ClientBase;
  private readonly office: Office;
  private readonly key: Buffer;

  constructor(c: pg.ClientBase, office: Office, key: Buffer) {
    this.c = c;
    this.office = office;
    this.key = key;
  }

  private mac(kind: string, fields: readonly string[]): string {
    return integrityMac(this.key, this.office.officeId, kind, fields);
  }

  keyPinMac(orgId: string, fingerprint: string, bundles: readonly string[]): string {
    return this.mac('key-pin', [orgId, fingerprint, JSON.stringify(bundles)]);
  }

  numberPinMac(faxNumber: string, orgId: string, pendingOrgId: string | null): string {
    return this.mac('number-pin', [faxNumber, orgId, pendingOrgId ?? '']);
  }

  pendingMac(orgId: string, fingerprint: string, bundles: readonly string[]): string {
    return this.mac('pending-change', [orgId, fingerprint, JSON.stringify(bundles)]);
  }

  private sealMac(version: number, n: Counts): string {
    return this.mac('pin-seal', [String(version), String(n.key_pins), String(n.number_pins), String(n.pending)]);
  }

  private async counts(): Promise<Counts> {
    return (await this.c.query<Counts>(`SELECT (SELECT count(*) FROM fxe.key_pins)::int AS key_pins, (SELECT count(*) FROM fxe.number_pins)::int AS number_pins,
      (SELECT count(*) FROM fxe.pending_key_changes)::int AS pending`)).rows[0]!;
  }

  /** The seal against the tables; rows from before the seal are sealed as they are. */
  async open(memory: PinSealMemory): Promise<void> {
    const seal = (await this.c.query<SealRow>('SELECT version, key_pins, number_pins, pending, mac FROM fxe.pin_seal')).rows[0];
    const remembered = memory.get();
    if (!seal) {
      if (remembered !== null) throw pinsTampered(`the seal is gone (this desk saw version ${remembered})`);
      await this.sealAsTheyAre();
      return;
    }
    const version = Number(seal.version);
    const n = await this.counts();
    if (!macMatches(this.sealMac(version, seal), seal.mac)) throw pinsTampered('the seal does not verify');
    if (n.key_pins !== seal.key_pins || n.number_pins !== seal.number_pins || n.pending !== seal.pending) {
      throw pinsTampered(`rows added or removed: sealed ${seal.key_pins}/${seal.number_pins}/${seal.pending}, found ${n.key_pins}/${n.number_pins}/${n.pending}`);
    }
    if (remembered !== null && version < remembered) throw pinsTampered(`an older copy: version ${version}, this desk saw ${remembered}`);
    this.version = version;
  }

  /** First desk after the seal came in: the rows as they are get their HMACs. */
  private async sealAsTheyAre(): Promise<void> {
    let rows = 0;
    for (const r of (await this.c.query<PinRow & { peer_org_id: string }>('SELECT peer_org_id, fingerprint, bundle_fingerprints FROM fxe.key_pins')).rows) {
      await this.c.query('UPDATE fxe.key_pins SET mac = $2 WHERE peer_org_id = $1', [r.peer_org_id, this.keyPinMac(r.peer_org_id, r.fingerprint, r.bundle_fingerprints)]);
      rows++;
    }
    for (const r of (await this.c.query<NumberRow>('SELECT fax_number, peer_org_id, pending_org_id FROM fxe.number_pins')).rows) {
      await this.c.query('UPDATE fxe.number_pins SET mac = $2 WHERE fax_number = $1', [r.fax_number, this.numberPinMac(r.fax_number, r.peer_org_id, r.pending_org_id)]);
      rows++;
    }
    for (const r of (await this.c.query<PinRow & { peer_org_id: string }>('SELECT peer_org_id, fingerprint, bundle_fingerprints FROM fxe.pending_key_changes')).rows) {
      await this.c.query('UPDATE fxe.pending_key_changes SET mac = $2 WHERE peer_org_id = $1', [r.peer_org_id, this.pendingMac(r.peer_org_id, r.fingerprint, r.bundle_fingerprints)]);
      rows++;
    }
    this.version = 0;
    await this.reseal();
    if (rows > 0) await this.office.audit(this.c, 'pins-sealed', null, `${rows} trust pins, as they were, sealed from now on`);
  }

  /** After writes: the counts and a new version, sealed. */
  async reseal(): Promise<void> {
    const n = await this.counts();
    this.version++;
    await this.c.query(`INSERT INTO fxe.pin_seal (version, key_pins, number_pins, pending, mac, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (only_one) DO UPDATE SET version = excluded.version, key_pins = excluded.key_pins, number_pins = excluded.number_pins, pending = excluded.pending,
        mac = excluded.mac, updated_at = excluded.updated_at`, [this.version, n.key_pins, n.number_pins, n.pending, this.sealMac(this.version, n), this.office.nowMs()]);
  }

  /**
   * Before the absence of a row is believed (a first use pins what the relay shows): every
   * row there is checks out. With the counts sealed, a row removed cannot hide behind one added.
   */
  private async verifyAll(): Promise<void> {
    if (this.verifiedAll) return;
    for (const r of (await this.c.query<PinRow & { peer_org_id: string }>('SELECT peer_org_id, fingerprint, bundle_fingerprints, mac FROM fxe.key_pins')).rows) this.checkKeyPin(r.peer_org_id, r);
    for (const r of (await this.c.query<NumberPinRow>('SELECT fax_number, peer_org_id, pending_org_id, mac FROM fxe.number_pins')).rows) this.checkNumber(r);
    for (const r of (await this.c.query<PinRow & { peer_org_id: string }>('SELECT peer_org_id, fingerprint, bundle_fingerprints, mac FROM fxe.pending_key_changes')).rows) this.checkPending(r.peer_org_id, r);
    this.verifiedAll = true;
  }

  private checkKeyPin(orgId: string, r: PinRow): void {
    if (!macMatches(this.keyPinMac(orgId, r.fingerprint, r.bundle_fingerprints), r.mac)) throw pinsTampered(`key pin of ${orgId}`);
  }

  private checkNumber(r: NumberPinRow): void {
    if (!macMatches(this.numberPinMac(r.fax_number, r.peer_org_id, r.pending_org_id), r.mac)) throw pinsTampered(`number pin of ${r.fax_number}`);
  }

  private checkPending(orgId: string, r: PinRow): void {
    if (!macMatches(this.pendingMac(orgId, r.fingerprint, r.bundle_fingerprints), r.mac)) throw pinsTampered(`pending change of ${orgId}`);
  }

  private async keyPinRow(orgId: string): Promise<PinRow | undefined> {
    const r = (await this.c.query<PinRow>('SELECT fingerprint, bundle_fingerprints, mac FROM fxe.key_pins WHERE peer_org_id = $1', [orgId])).rows[0];
    if (r) this.checkKeyPin(orgId, r);
    return r;
  }

  private async numberRow(faxNumber: string): Promise<NumberPinRow | undefined> {
    const r = (await this.c.query<NumberPinRow>('SELECT fax_number, peer_org_id, pending_org_id, mac FROM fxe.number_pins WHERE fax_number = $1', [faxNumber])).rows[0];
    if (r) this.checkNumber(r);
    return r;
  }

  async exec(o: PinOp): Promise<unknown> {
    switch (o.op) {
      case 'keyPin': {
        const r = await this.keyPinRow(o.orgId);
        if (!r) await this.verifyAll();
        return toPin(r);
      }
      case 'numberOwner': {
        const r = await this.numberRow(o.faxNumber);
        if (!r) await this.verifyAll();
        return r?.peer_org_id ?? null;
      }
      case 'pending': {
        const r = (await this.c.query<PinRow>('SELECT fingerprint, bundle_fingerprints, mac FROM fxe.pending_key_changes WHERE peer_org_id = $1', [o.orgId])).rows[0];
        if (r) this.checkPending(o.orgId, r);
        return toPin(r);
      }
      case 'putKeyPin':
        this.wrote = true;
        await this.c.query(`INSERT INTO fxe.key_pins (peer_org_id, fingerprint, bundle_fingerprints, first_seen_at, updated_at, mac) VALUES ($1, $2, $3, $4, $4, $5)
          ON CONFLICT (peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, updated_at = excluded.updated_at, mac = excluded.mac`,
        [o.orgId, o.pin.fingerprint, o.pin.bundleFingerprints, o.now, this.keyPinMac(o.orgId, o.pin.fingerprint, o.pin.bundleFingerprints)]);
        return undefined;
      case 'putBundles': {
        // Unchanged bundles write nothing, so a desk receiving from a known sender does not wake every desk.
        const r = await this.keyPinRow(o.orgId);
        if (!r || JSON.stringify(r.bundle_fingerprints) === JSON.stringify(o.bundleFingerprints)) return undefined;
        this.wrote = true;
        await this.c.query('UPDATE fxe.key_pins SET bundle_fingerprints = $2, updated_at = $3, mac = $4 WHERE peer_org_id = $1',
          [o.orgId, o.bundleFingerprints, o.now, this.keyPinMac(o.orgId, r.fingerprint, o.bundleFingerprints)]);
        return undefined;
      }
      case 'putNumberPin':
        this.wrote = true;
        await this.c.query('INSERT INTO fxe.number_pins (fax_number, peer_org_id, first_seen_at, updated_at, mac) VALUES ($1, $2, $3, $3, $4)',
          [o.faxNumber, o.orgId, o.now, this.numberPinMac(o.faxNumber, o.orgId, null)]);
        return undefined;
      case 'holdNumber': {
        const r = await this.numberRow(o.faxNumber);
        if (!r) return undefined;
        this.wrote = true;
        await this.c.query('UPDATE fxe.number_pins SET pending_org_id = $2, updated_at = $3, mac = $4 WHERE fax_number = $1',
          [o.faxNumber, o.pendingOrgId, o.now, this.numberPinMac(o.faxNumber, r.peer_org_id, o.pendingOrgId)]);
        return undefined;
      }
      case 'putPending':
        this.wrote = true;
        await this.c.query(`INSERT INTO fxe.pending_key_changes (peer_org_id, fingerprint, bundle_fingerprints, at, mac) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (peer_org_id) DO UPDATE SET fingerprint = excluded.fingerprint, bundle_fingerprints = excluded.bundle_fingerprints, at = excluded.at, mac = excluded.mac`,
        [o.orgId, o.pin.fingerprint, o.pin.bundleFingerprints, o.now, this.pendingMac(o.orgId, o.pin.fingerprint, o.pin.bundleFingerprints)]);
        return undefined;
      case 'releaseNumbers': {
        const held = (await this.c.query<NumberPinRow>('SELECT fax_number, peer_org_id, pending_org_id, mac FROM fxe.number_pins WHERE pending_org_id = $1', [o.orgId])).rows;
        for (const r of held) {
          this.checkNumber(r);
          this.wrote = true;
          await this.c.query('UPDATE fxe.number_pins SET peer_org_id = $2, pending_org_id = NULL, updated_at = $3, mac = $4 WHERE fax_number = $1',
            [r.fax_number, o.orgId, o.now, this.numberPinMac(r.fax_number, o.orgId, null)]);
        }
        return undefined;
      }
      case 'dropPending': {
        const r = await this.c.query('DELETE FROM fxe.pending_key_changes WHERE peer_org_id = $1', [o.orgId]);
        if (r.rowCount) this.wrote = true;
        return undefined;
      }
      case 'listPending': {
        const rows = (await this.c.query<PinRow & { peer_org_id: string; at: string; previous: string; previous_bundles: string[] | null; previous_mac: string | null }>(
          `SELECT p.peer_org_id, p.fingerprint, p.bundle_fingerprints, p.mac, p.at, coalesce(k.fingerprint, '') AS previous, k.bundle_fingerprints AS previous_bundles, k.mac AS previous_mac
           FROM fxe.pending_key_changes p LEFT JOIN fxe.key_pins k ON k.peer_org_id = p.peer_org_id ORDER BY p.at, p.peer_org_id`)).rows;
        const out: PendingKeyChange[] = [];
        for (const r of rows) {
          this.checkPending(r.peer_org_id, r);
          if (r.previous_bundles) this.checkKeyPin(r.peer_org_id, { fingerprint: r.previous, bundle_fingerprints: r.previous_bundles, mac: r.previous_mac });
          const numbers = (await this.c.query<NumberPinRow>('SELECT fax_number, peer_org_id, pending_org_id, mac FROM fxe.number_pins WHERE peer_org_id = $1 OR pending_org_id = $1 ORDER BY fax_number', [r.peer_org_id])).rows;
          for (const n of numbers) this.checkNumber(n);
          out.push({ orgId: r.peer_org_id, fingerprint: r.fingerprint, previousFingerprint: r.previous, at: Number(r.at), ...numbersOf(r.peer_org_id, numbers) });
        }
        return out;
      }
    }
  }
}

/**
 * The office's pins for the trust store. `memory`: where this desk keeps the last seal
 * version it saw (the desk's own database); without one, for this process only.
 */
export function officePinStorage(office: Office, memory: PinSealMemory = pinSealMemoryInProcess()): PinStorage {
  return {
    async run<T>(steps: PinSteps<T>): Promise<T> {
      const { result, version } = await office.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [PINS_LOCK_KEY]);
        // The database lets only sealing writers change pin rows (migration 010's triggers).
        await c.query("SET LOCAL fxe.pin_writer = 'sealed-v1'");
        const sealed = new SealedPins(c, office, await office.integrityKey(c));
        await sealed.open(memory);
        const out = await driveAsync(steps, (op) => sealed.exec(op));
        if (sealed.wrote) await sealed.reseal();
        return { result: out, version: sealed.version };
      }, 'trust pins');
      if ((memory.get() ?? -1) < version) memory.set(version);
      return result;
    },
  };
}
