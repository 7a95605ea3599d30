/**
 * The relay's durable state: one SQLite database (WAL, synchronous=FULL, so a committed row
 * survives a power cut) plus one ciphertext file per undelivered message. The database is the
 * source of truth: a ciphertext file without a message row is an orphan and is removed at
 * start; a message row is inserted only after its file is fsynced in place.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageStatusResponse } from '../../shared/fxe-api/types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orgs (
  org_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key_id TEXT NOT NULL UNIQUE,
  signing_pub TEXT NOT NULL,           -- b64u Ed25519 public key (FXE1 and bundle signatures)
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fax_numbers (
  number TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(org_id)
);
CREATE TABLE IF NOT EXISTS bundles (
  bundle_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(org_id),
  ml_kem_pub TEXT NOT NULL,
  x25519_pub TEXT NOT NULL,
  ed25519_pub TEXT NOT NULL,
  bundle_sig TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER
);
CREATE TABLE IF NOT EXISTS invites (
  token_hash TEXT PRIMARY KEY,         -- sha256 hex of the token: the token itself is never stored
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  redeemed_at INTEGER,
  org_id TEXT
);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, -- the polling cursor
  message_id TEXT NOT NULL UNIQUE,
  sender_org_id TEXT NOT NULL,
  recipient_org_id TEXT NOT NULL,
  from_number TEXT NOT NULL,
  to_number TEXT NOT NULL,
  size INTEGER NOT NULL,
  ciphertext_sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  envelope_json TEXT NOT NULL,         -- the envelope text exactly as uploaded
  uploaded_at INTEGER NOT NULL,
  delivered_at INTEGER,
  receipt_json TEXT
);
CREATE INDEX IF NOT EXISTS messages_pending ON messages (recipient_org_id, delivered_at, seq);
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  org_id TEXT PRIMARY KEY REFERENCES orgs(org_id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_valid_until INTEGER,
  created_at INTEGER NOT NULL,
  rotated_at INTEGER
);
CREATE TABLE IF NOT EXISTS webhook_events (
  event_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,                  -- the exact bytes every attempt sends
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,    -- wall clock (Date.now) of the next attempt
  delivered_at INTEGER,
  failed_at INTEGER,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS webhook_events_due ON webhook_events (delivered_at, failed_at, next_attempt_ms);
CREATE TABLE IF NOT EXISTS nonces (
  key_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (key_id, nonce)
);
`;

export interface OrgRow {
  org_id: string;
  name: string;
  key_id: string;
  signing_pub: string;
  created_at: number;
}

export interface BundleRow {
  bundle_id: string;
  org_id: string;
  ml_kem_pub: string;
  x25519_pub: string;
  ed25519_pub: string;
  bundle_sig: string;
  created_at: number;
  retired_at: number | null;
}

export interface InviteRow {
  token_hash: string;
  created_at: number;
  expires_at: number;
  redeemed_at: number | null;
  org_id: string | null;
}

/**
 * One stored message: the columns the status answer shows (shared/fxe-api, so the two cannot
 * drift apart), plus what only the relay keeps: the list order, the envelope and the receipt.
 */
export interface MessageRow extends Omit<MessageStatusResponse, 'status' | 'receipt'> {
  seq: number;
  created_at: number;
  envelope_json: string;
  receipt_json: string | null;
}

export interface WebhookEndpointRow {
  org_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_valid_until: number | null;
  created_at: number;
  rotated_at: number | null;
}

export interface WebhookEventRow {
  event_id: string;
  org_id: string;
  type: string;
  body: string;
  created_at: number;
  attempts: number;
  next_attempt_ms: number;
  delivered_at: number | null;
  failed_at: number | null;
  last_error: string | null;
}

export type NewMessage = Omit<MessageRow, 'seq' | 'delivered_at' | 'receipt_json'>;

/** Paths inside a relay data directory. */
export function relayPaths(dataDir: string): { db: string; messages: string; incoming: string } {
  return { db: join(dataDir, 'relay.sqlite'), messages: join(dataDir, 'messages'), incoming: join(dataDir, 'incoming') };
}

export class RelayStore {
  readonly db: Database.Database;

  constructor(dataDir: string) {
    const paths = relayPaths(dataDir);
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(paths.messages, { recursive: true });
    mkdirSync(paths.incoming, { recursive: true });
    this.db = new Database(paths.db);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    // Another process (the CLI's `invite`/`webhook` next to a running `serve`) may hold the
    // write lock for a moment: wait rather than fail.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- orgs, numbers, bundles ------------------------------------------------------------

  orgById(orgId: string): OrgRow | undefined {
    return this.db.prepare('SELECT * FROM orgs WHERE org_id = ?').get(orgId) as OrgRow | undefined;
  }
  orgByKeyId(keyId: string): OrgRow | undefined {
    return this.db.prepare('SELECT * FROM orgs WHERE key_id = ?').get(keyId) as OrgRow | undefined;
  }
  insertOrg(row: OrgRow): void {
    this.db
      .prepare('INSERT INTO orgs (org_id, name, key_id, signing_pub, created_at) VALUES (@org_id, @name, @key_id, @signing_pub, @created_at)')
      .run(row);
  }
  numberOwner(number: string): string | undefined {
    const row = this.db.prepare('SELECT org_id FROM fax_numbers WHERE number = ?').get(number) as { org_id: string } | undefined;
    return row?.org_id;
  }
  numbersOf(orgId: string): string[] {
    const rows = this.db.prepare('SELECT number FROM fax_numbers WHERE org_id = ? ORDER BY number').all(orgId) as { number: string }[];
    return rows.map((r) => r.number);
  }
  insertNumber(number: string, orgId: string): void {
    this.db.prepare('INSERT INTO fax_numbers (number, org_id) VALUES (?, ?)').run(number, orgId);
  }
  bundleById(bundleId: string): BundleRow | undefined {
    return this.db.prepare('SELECT * FROM bundles WHERE bundle_id = ?').get(bundleId) as BundleRow | undefined;
  }
  bundlesOf(orgId: string, activeOnly: boolean): BundleRow[] {
    const sql = activeOnly
      ? 'SELECT * FROM bundles WHERE org_id = ? AND retired_at IS NULL ORDER BY created_at, rowid'
      : 'SELECT * FROM bundles WHERE org_id = ? ORDER BY created_at, rowid';
    return this.db.prepare(sql).all(orgId) as BundleRow[];
  }
  insertBundle(row: BundleRow): void {
    this.db
      .prepare(
        `INSERT INTO bundles (bundle_id, org_id, ml_kem_pub, x25519_pub, ed25519_pub, bundle_sig, created_at, retired_at)
         VALUES (@bundle_id, @org_id, @ml_kem_pub, @x25519_pub, @ed25519_pub, @bundle_sig, @created_at, @retired_at)`,
      )
      .run(row);
  }
  retireBundle(bundleId: string, at: number): void {
    this.db.prepare('UPDATE bundles SET retired_at = ? WHERE bundle_id = ? AND retired_at IS NULL').run(at, bundleId);
  }

  // --- invites ----------------------------------------------------------------------------

  insertInvite(tokenHash: string, createdAt: number, expiresAt: number): void {
    this.db.prepare('INSERT INTO invites (token_hash, created_at, expires_at) VALUES (?, ?, ?)').run(tokenHash, createdAt, expiresAt);
  }
  inviteByHash(tokenHash: string): InviteRow | undefined {
    return this.db.prepare('SELECT * FROM invites WHERE token_hash = ?').get(tokenHash) as InviteRow | undefined;
  }
  /** Marks the invite used; false if someone else used it first (single use under races). */
  consumeInvite(tokenHash: string, orgId: string, at: number): boolean {
    const info = this.db
      .prepare('UPDATE invites SET redeemed_at = ?, org_id = ? WHERE token_hash = ? AND redeemed_at IS NULL')
      .run(at, orgId, tokenHash);
    return info.changes === 1;
  }

  // --- messages ---------------------------------------------------------------------------

  messageById(messageId: string): MessageRow | undefined {
    return this.db.prepare('SELECT * FROM messages WHERE message_id = ?').get(messageId) as MessageRow | undefined;
  }
  insertMessage(row: NewMessage): void {
    this.db
      .prepare(
        `INSERT INTO messages (message_id, sender_org_id, recipient_org_id, from_number, to_number, size, ciphertext_sha256,
                               created_at, envelope_json, uploaded_at)
         VALUES (@message_id, @sender_org_id, @recipient_org_id, @from_number, @to_number, @size, @ciphertext_sha256,
                 @created_at, @envelope_json, @uploaded_at)`,
      )
      .run(row);
  }
  markDelivered(messageId: string, receiptJson: string, at: number): void {
    this.db
      .prepare('UPDATE messages SET delivered_at = ?, receipt_json = ? WHERE message_id = ? AND delivered_at IS NULL')
      .run(at, receiptJson, messageId);
  }
  pendingFor(orgId: string, afterSeq: number, limit: number): MessageRow[] {
    return this.db
      .prepare('SELECT * FROM messages WHERE recipient_org_id = ? AND delivered_at IS NULL AND seq > ? ORDER BY seq LIMIT ?')
      .all(orgId, afterSeq, limit) as MessageRow[];
  }
  /** Every message whose ciphertext should still be on disk. */
  undeliveredIds(): Set<string> {
    const rows = this.db.prepare('SELECT message_id FROM messages WHERE delivered_at IS NULL').all() as { message_id: string }[];
    return new Set(rows.map((r) => r.message_id));
  }

  // --- webhooks ---------------------------------------------------------------------------

  webhookOf(orgId: string): WebhookEndpointRow | undefined {
    return this.db.prepare('SELECT * FROM webhook_endpoints WHERE org_id = ?').get(orgId) as WebhookEndpointRow | undefined;
  }
  /** Register or replace: a replaced endpoint gets a fresh secret and no overlap. Returns true if new. */
  putWebhook(orgId: string, url: string, secret: string, at: number): boolean {
    const existed = this.webhookOf(orgId) !== undefined;
    this.db
      .prepare(
        `INSERT INTO webhook_endpoints (org_id, url, secret, previous_secret, previous_valid_until, created_at, rotated_at)
         VALUES (?, ?, ?, NULL, NULL, ?, NULL)
         ON CONFLICT (org_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, previous_secret = NULL,
           previous_valid_until = NULL, created_at = excluded.created_at, rotated_at = NULL`,
      )
      .run(orgId, url, secret, at);
    return !existed;
  }
  rotateWebhook(orgId: string, newSecret: string, at: number, previousValidUntil: number): void {
    this.db
      .prepare(
        `UPDATE webhook_endpoints SET previous_secret = secret, previous_valid_until = ?, secret = ?, rotated_at = ?
         WHERE org_id = ?`,
      )
      .run(previousValidUntil, newSecret, at, orgId);
  }
  deleteWebhook(orgId: string): void {
    this.db.prepare('DELETE FROM webhook_endpoints WHERE org_id = ?').run(orgId);
    this.db
      .prepare("UPDATE webhook_events SET failed_at = ?, last_error = 'endpoint removed' WHERE org_id = ? AND delivered_at IS NULL AND failed_at IS NULL")
      .run(Date.now(), orgId);
  }
  insertEvent(row: Pick<WebhookEventRow, 'event_id' | 'org_id' | 'type' | 'body' | 'created_at' | 'next_attempt_ms'>): void {
    this.db
      .prepare(
        `INSERT INTO webhook_events (event_id, org_id, type, body, created_at, next_attempt_ms)
         VALUES (@event_id, @org_id, @type, @body, @created_at, @next_attempt_ms)`,
      )
      .run(row);
  }
  dueEvents(nowMs: number, limit: number): WebhookEventRow[] {
    return this.db
      .prepare('SELECT * FROM webhook_events WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_ms <= ? ORDER BY next_attempt_ms LIMIT ?')
      .all(nowMs, limit) as WebhookEventRow[];
  }
  nextEventDueMs(): number | undefined {
    const row = this.db
      .prepare('SELECT MIN(next_attempt_ms) AS due FROM webhook_events WHERE delivered_at IS NULL AND failed_at IS NULL')
      .get() as { due: number | null };
    return row.due ?? undefined;
  }
  eventById(eventId: string): WebhookEventRow | undefined {
    return this.db.prepare('SELECT * FROM webhook_events WHERE event_id = ?').get(eventId) as WebhookEventRow | undefined;
  }
  /**
   * Not flushed by itself, like recordNonce: losing the last attempts to a power cut only
   * means an event is delivered once more (the desk acknowledges a repeat and does nothing),
   * and a flush here was ~1-10 ms after every delivery.
   */
  recordAttempt(eventId: string, outcome: { deliveredAt?: number; failedAt?: number; nextAttemptMs?: number; error?: string }): void {
    const update = this.db.prepare(
      `UPDATE webhook_events SET attempts = attempts + 1, delivered_at = ?, failed_at = ?,
         next_attempt_ms = COALESCE(?, next_attempt_ms), last_error = ? WHERE event_id = ?`,
    );
    const args = [outcome.deliveredAt ?? null, outcome.failedAt ?? null, outcome.nextAttemptMs ?? null, outcome.error ?? null, eventId] as const;
    if (this.db.inTransaction) {
      update.run(...args);
      return;
    }
    this.db.pragma('synchronous = NORMAL');
    try {
      update.run(...args);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  // --- nonces -----------------------------------------------------------------------------

  recentNonces(sinceSeconds: number): { key_id: string; nonce: string; seen_at: number }[] {
    return this.db.prepare('SELECT key_id, nonce, seen_at FROM nonces WHERE seen_at >= ?').all(sinceSeconds) as {
      key_id: string;
      nonce: string;
      seen_at: number;
    }[];
  }
  /**
   * Not flushed by itself (synchronous = NORMAL for this commit): every request records one,
   * and a flush each was ~1-10 ms of every request. It still survives the relay process
   * crashing (the WAL is written); only an OS crash or power cut may lose the last few, and
   * the next flushed commit (any message stored) takes them to disk. The memory window
   * (auth.ts) refuses replays while the process runs.
   */
  recordNonce(keyId: string, nonce: string, seenAt: number): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO nonces (key_id, nonce, seen_at) VALUES (?, ?, ?)');
    if (this.db.inTransaction) {
      insert.run(keyId, nonce, seenAt);
      return;
    }
    this.db.pragma('synchronous = NORMAL');
    try {
      insert.run(keyId, nonce, seenAt);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }
  pruneNonces(beforeSeconds: number): void {
    this.db.prepare('DELETE FROM nonces WHERE seen_at < ?').run(beforeSeconds);
  }
}
