/**
 * Where the pins live, apart from what they mean. The trust store (trust-store.ts) decides;
 * a storage only reads and writes rows, inside one transaction per decision: a desk's own
 * SQLite (sqlite-pins.ts), or the office database, shared by every desk of the office
 * (office/office-pins.ts).
 *
 * A decision is written once, as a generator that yields the reads and writes it needs
 * (PinOp) and returns its result. The SQLite storage drives it synchronously inside a
 * better-sqlite3 transaction; the office storage drives it with awaits inside a PostgreSQL
 * transaction. Both run the very same steps, so the checks cannot drift apart.
 */

/** An org's pinned keys: its fingerprint and every bundle fingerprint seen under it. */
export interface KeyPin {
  fingerprint: string;
  bundleFingerprints: string[];
}

export type PinOp =
  /** → KeyPin | null */
  | { op: 'keyPin'; orgId: string }
  /** → the org id a number is pinned to, or null */
  | { op: 'numberOwner'; faxNumber: string }
  /** → the KeyPin waiting for acceptance, or null */
  | { op: 'pending'; orgId: string }
  /** Pins (or re-pins) an org's keys; the first-seen time stays. → void */
  | { op: 'putKeyPin'; orgId: string; pin: KeyPin; now: number }
  /** The bundles known under an already pinned org (its fingerprint stays). → void */
  | { op: 'putBundles'; orgId: string; bundleFingerprints: string[]; now: number }
  /** Pins a number nobody had. → void */
  | { op: 'putNumberPin'; faxNumber: string; orgId: string; now: number }
  /** The number was answered by `pendingOrgId`: held until that org's keys are accepted. → void */
  | { op: 'holdNumber'; faxNumber: string; pendingOrgId: string; now: number }
  /** Records (or replaces) the change waiting for acceptance. → void */
  | { op: 'putPending'; orgId: string; pin: KeyPin; now: number }
  /** Numbers held for `orgId` now belong to it. → void */
  | { op: 'releaseNumbers'; orgId: string; now: number }
  /** → void */
  | { op: 'dropPending'; orgId: string }
  /** → PendingKeyChange[]: every change waiting for acceptance, oldest first */
  | { op: 'listPending' };

export interface PendingKeyChange {
  orgId: string;
  fingerprint: string;
  /** The fingerprint pinned before ('' when the org was never pinned: a number moved to it). */
  previousFingerprint: string;
  at: number;
  /** The fax numbers that belong to the org, or are held for it (answered by it instead of their pinned org). */
  numbers: string[];
  /** When a number moved to this org: the org the number was pinned to before, else null. */
  previousOrgId: string | null;
}

export interface NumberRow { fax_number: string; peer_org_id: string; pending_org_id: string | null }

/** The numbers of an org with a pending change, and the org a held number was pinned to before. */
export function numbersOf(orgId: string, rows: readonly NumberRow[]): { numbers: string[]; previousOrgId: string | null } {
  const moved = rows.find((n) => n.pending_org_id === orgId && n.peer_org_id !== orgId);
  return { numbers: rows.map((n) => n.fax_number), previousOrgId: moved?.peer_org_id ?? null };
}

/** The steps of one decision (see the header). */
export type PinSteps<T> = Generator<PinOp, T, unknown>;

export interface PinStorage {
  /** Runs the steps in one transaction. The SQLite storage answers synchronously. */
  run<T>(steps: PinSteps<T>): T | Promise<T>;
}

/** Drives steps with a synchronous executor (the caller holds the transaction). */
export function driveSync<T>(steps: PinSteps<T>, exec: (op: PinOp) => unknown): T {
  let next = steps.next();
  while (!next.done) next = steps.next(exec(next.value));
  return next.value;
}

/** Drives steps with an asynchronous executor (the caller holds the transaction). */
export async function driveAsync<T>(steps: PinSteps<T>, exec: (op: PinOp) => Promise<unknown>): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next(await exec(next.value));
  return next.value;
}
