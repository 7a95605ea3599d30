/**
 * The PSTN path's own tables in the desk database (migration 002):
 *
 *  - `pstn_jobs`: one row per fax the user sent over the phone network, from "accepted" until
 *    the provider says delivered or failed. `provider_fax_id` is NULL until the provider has
 *    taken the fax; a restart with a NULL id submits again under the same idempotency key
 *    (the outbox item id), so the provider recognises the repeat instead of faxing twice.
 *  - `pstn_kv`: the synchronous KeyValueStore the adapters need (Telnyx idempotency records,
 *    webhook event ids already handled). Holds ids and fingerprints only, never a secret.
 */
import type { FaxId, OrgId } from '../../../shared/domain/ids.ts';
import type { Db } from '../storage/database.ts';
import type { KeyValueStore } from '../pstn/provider.ts';
import type { PstnProviderName } from '../../../shared/domain/types.ts';




export interface PstnJobRow {
  fax_id: FaxId;
  org_id: OrgId;
  provider: PstnProviderName;
  provider_fax_id: string | null;
  submit_attempts: number;
  polls: number;
  next_attempt_at: number;
  done: number;
}

/**
 * KeyValueStore over `pstn_kv`. putIfAbsent is one INSERT … ON CONFLICT statement, so two
 * copies of the same webhook racing each other cannot both be "first seen".
 */
export class SqliteKeyValueStore implements KeyValueStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  get(key: string, nowSeconds: number): string | undefined {
    const row = this.#db.prepare('SELECT value FROM pstn_kv WHERE key = ? AND expires_at > ?').get(key, nowSeconds) as { value: string } | undefined;
    return row?.value;
  }

  put(key: string, value: string, expiresAtSeconds: number): void {
    this.#db.prepare('INSERT INTO pstn_kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at')
      .run(key, value, expiresAtSeconds);
  }

  putIfAbsent(key: string, value: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    // An expired entry counts as absent: replace it in the same statement.
    const res = this.#db.prepare(
      `INSERT INTO pstn_kv (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE pstn_kv.expires_at <= ?`,
    ).run(key, value, expiresAtSeconds, nowSeconds);
    return res.changes === 1;
  }

  /** Drop expired entries (called now and then by the PSTN worker). */
  prune(nowSeconds: number): void {
    this.#db.prepare('DELETE FROM pstn_kv WHERE expires_at <= ?').run(nowSeconds);
  }
}
