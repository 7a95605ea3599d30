/** One RelayClient per org, made from the org's keys (which stay in memory only). */
import type { OrgId } from '../../../shared/domain/ids.ts';
import type { CryptoBackend, OrgKeys } from '../../../shared/protocol/index.ts';
import { RelayClient, type RelayFetch } from './relay-client.ts';

/** Where an org's keys come from (the vault's OrgRegistry): the relay client sits below the vault and only asks. */
export interface OrgKeySource {
  keys(orgId: OrgId): Promise<OrgKeys>;
}

export interface ClientPoolOptions {
  fetch: RelayFetch;
  nowMs: () => number;
  timeoutMs?: number;
  retries?: number;
  backoffBaseMs?: number;
  /** The desk's crypto backend: its native Ed25519 signs the requests. */
  backend?: CryptoBackend;
}

export class RelayClientPool {
  private readonly orgs: OrgKeySource;
  private readonly opts: ClientPoolOptions;
  private readonly clients = new Map<string, RelayClient>();

  constructor(orgs: OrgKeySource, opts: ClientPoolOptions) {
    this.orgs = orgs;
    this.opts = opts;
  }

  async forOrg(orgId: OrgId): Promise<RelayClient> {
    const hit = this.clients.get(orgId);
    if (hit) return hit;
    const keys = await this.orgs.keys(orgId);
    const client = new RelayClient({
      baseUrl: keys.credentials.relay,
      identity: { keyId: keys.credentials.key_id, signingSeed: keys.signingSeed },
      ...this.opts,
    });
    this.clients.set(orgId, client);
    return client;
  }

  unauthenticated(baseUrl: string): RelayClient {
    return new RelayClient({ baseUrl, identity: null, ...this.opts });
  }

  forget(orgId: OrgId): void {
    this.clients.delete(orgId);
  }
}
