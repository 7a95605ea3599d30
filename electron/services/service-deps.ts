/**
 * What the two fax lanes, sending (outbox/outbox.ts) and receiving (receiver/pipeline.ts), are
 * both built from: the same database, stores, keys and relay clients of one install.
 * desk-services.ts builds this once and hands the same object to both.
 */
import type { IpcEvent } from '../../shared/ipc/contract.ts';
import type { CryptoBackend } from '../../shared/protocol/index.ts';
import type { BlobStore } from './storage/blob-store.ts';
import type { Db } from './storage/database.ts';
import type { FaxRepository } from './inbox/faxes.ts';
import type { TrustStore } from './trust/index.ts';
import type { RelayClientPool } from './relay-client/client-pool.ts';
import type { OrgRegistry } from './vault/org-registry.ts';

export interface FaxLaneDeps {
  db: Db;
  faxes: FaxRepository;
  blobs: BlobStore;
  orgs: OrgRegistry;
  /** The pins: every key and number check of send, receive and receipts. */
  pins: TrustStore;
  clients: RelayClientPool;
  backend: CryptoBackend;
  nowMs: () => number;
  emit: (e: IpcEvent) => void;
  log?: (line: string) => void;
}
