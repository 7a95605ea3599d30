/**
 * What Settings → Key changes lists: each partner org whose keys changed (or that now answers
 * a number pinned to another org), as the trust store keeps it pending, with the faxes of ours
 * waiting on it and a name a receptionist recognises. The same on a single desk (its own pins
 * and outbox) and in an office (the office's, so every desk lists the same changes).
 */
import type { Contact } from '../../../shared/domain/types.ts';
import { asFingerprint, asOrgId, type OrgId } from '../../../shared/domain/ids.ts';
import type { HeldFax, HeldKeyChange } from '../../../shared/ipc/contract.ts';
import type { PendingKeyChange } from '../trust/index.ts';

/** A fax of ours held until someone decides about `peerOrgId`'s new keys. */
export interface HeldSend {
  peerOrgId: OrgId;
  /** The recipient's name as the fax recorded it, if any. */
  peerName: string | null;
  fax: HeldFax;
}

/**
 * Joins the pending changes with the faxes held for them (ours, and how many of theirs wait
 * on the relay: `incoming`, by sender org). The name comes from the phone book (organisation,
 * else the person) for one of the org's numbers, else from a held fax.
 */
export function heldKeyChanges(
  pending: readonly PendingKeyChange[], held: readonly HeldSend[], contacts: readonly Contact[], incoming: ReadonlyMap<string, number>,
): HeldKeyChange[] {
  const byNumber = new Map(contacts.map((c) => [c.faxNumber, c.organisation.trim() || c.name.trim()]));
  return pending.map((p): HeldKeyChange => {
    const faxes = held.filter((h) => h.peerOrgId === p.orgId);
    // Numbers a held fax went to belong to the org too, even before a number pin exists.
    const numbers = [...new Set([...p.numbers, ...faxes.map((h) => h.fax.to)])].sort();
    const fromBook = numbers.map((n) => byNumber.get(n)).find((name) => !!name);
    const fromFax = faxes.map((h) => h.peerName).find((name) => !!name);
    return {
      peerOrgId: asOrgId(p.orgId),
      peerName: fromBook ?? fromFax ?? null,
      numbers,
      previousOrgId: p.previousOrgId === null ? null : asOrgId(p.previousOrgId),
      previousFingerprint: p.previousFingerprint === '' ? '' : asFingerprint(p.previousFingerprint),
      newFingerprint: asFingerprint(p.fingerprint),
      firstSeenAt: p.at,
      heldFaxes: faxes.map((h) => h.fax),
      incomingWaiting: incoming.get(p.orgId) ?? 0,
    };
  });
}
