/**
 * The small persistent memory the PSTN adapters need: webhook event ids already handled
 * (dedupe) and idempotency key → provider fax id (Telnyx). Synchronous on purpose: the
 * services back it with better-sqlite3, which is synchronous, and verifyWebhook is too.
 *
 * Two implementations live here: in memory (default, forgets on restart) and a JSON file
 * written atomically (tests, the local demo). Entries expire so the stores stay small.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../storage/atomic-file.ts';

export interface KeyValueStore {
  /** The value, unless absent or expired at `nowSeconds`. */
  get(key: string, nowSeconds: number): string | undefined;
  /** Store (or replace) a value until `expiresAtSeconds`. */
  put(key: string, value: string, expiresAtSeconds: number): void;
  /**
   * Store only when the key is absent or expired; true when stored. Must be atomic with
   * respect to other callers of the same store (SQLite: INSERT … ON CONFLICT DO NOTHING).
   */
  putIfAbsent(key: string, value: string, expiresAtSeconds: number, nowSeconds: number): boolean;
}

interface Entry {
  value: string;
  expiresAt: number;
}

export class MemoryKeyValueStore implements KeyValueStore {
  protected readonly entries = new Map<string, Entry>();
  get(key: string, nowSeconds: number): string | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > nowSeconds ? entry.value : undefined;
  }
  put(key: string, value: string, expiresAtSeconds: number): void {
    this.entries.set(key, { value, expiresAt: expiresAtSeconds });
    this.changed();
  }
  putIfAbsent(key: string, value: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    if (this.get(key, nowSeconds) !== undefined) return false;
    this.prune(nowSeconds);
    this.put(key, value, expiresAtSeconds);
    return true;
  }
  /** Drop expired entries. */
  prune(nowSeconds: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= nowSeconds) this.entries.delete(key);
  }
  protected changed(): void {
    // Memory only: nothing to persist.
  }
}

/**
 * A JSON file that survives restarts. Every change rewrites the file atomically, which is
 * fine for the few entries a desk produces (one per webhook event within its TTL). Holds no
 * secrets: event ids and fax ids only.
 */
export class FileKeyValueStore extends MemoryKeyValueStore {
  readonly path: string;
  constructor(path: string) {
    super();
    this.path = path;
    if (!existsSync(path)) return;
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: not a key-value store file`);
    for (const [key, raw] of Object.entries(parsed)) {
      const entry = raw as { value?: unknown; expiresAt?: unknown } | null;
      if (typeof entry === 'object' && entry !== null && typeof entry.value === 'string' && typeof entry.expiresAt === 'number') {
        this.entries.set(key, { value: entry.value, expiresAt: entry.expiresAt });
      }
    }
  }
  protected override changed(): void {
    writeFileAtomicSync(this.path, JSON.stringify(Object.fromEntries(this.entries)));
  }
}
