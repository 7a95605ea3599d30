/**
 * Removing one of our orgs from this desk: its keys leave the vault, its relay client is
 * dropped, its faxes and their encrypted bodies are deleted, and the audit log says so.
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import type { FaxLaneDeps } from '../service-deps.ts';

export type OrgRemovalDeps = Pick<FaxLaneDeps, 'orgs' | 'clients' | 'faxes' | 'blobs'>;

export function removeOrg(s: OrgRemovalDeps, orgId: OrgId): void {
  s.orgs.remove(orgId);
  s.clients.forget(orgId);
  // The rows first (one transaction), then the bodies: a crash in between leaves only orphan
  // files, which the blob store sweeps at the next start.
  for (const b of s.faxes.removeOrg(orgId)) if (b.blob_id) s.blobs.remove(b.blob_id);
  s.faxes.audit('org-remove', orgId, null, '');
}
