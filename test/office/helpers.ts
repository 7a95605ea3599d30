// Helpers for the office suites: desks opened against a private PostgreSQL (private-postgres.ts).
import { asFaxId, asMessageId, asOrgId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { openOffice, type Office } from '../../electron/services/office/office.ts';
import { insertOfficeFax, type NewOfficeFax } from '../../electron/services/office/office-inbox.ts';
import { officePinStorage } from '../../electron/services/office/office-pins.ts';
import type { PinSteps } from '../../electron/services/trust/index.ts';

export interface TestOrgSecret {
  orgId: OrgId;
  signingSeed: Uint8Array;
}

export function testOrgSecret(orgId = asOrgId(`org-${randomUUID().slice(0, 8)}`)): TestOrgSecret {
  return { orgId, signingSeed: new Uint8Array(randomBytes(32)) };
}

export function openDesk(url: string, org: TestOrgSecret, name: string, person = name): Promise<Office> {
  return openOffice({ url, orgId: org.orgId, signingSeed: org.signingSeed, desk: { deskId: `desk-${name}`, deskName: name, person } });
}

/** Drops everything office mode created, so a test starts from an empty database. */
export async function resetOfficeDb(adminUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try { await c.query('DROP SCHEMA IF EXISTS fxe CASCADE'); } finally { await c.end(); }
}

/** A received fax with a body, written as the office receive sink does. */
export async function addFax(office: Office, over: Partial<NewOfficeFax> & { body?: Uint8Array } = {}): Promise<FaxId> {
  const id = over.id ?? asFaxId(randomUUID());
  const body = over.body ?? new TextEncoder().encode(`%PDF-1.4 fax ${id}`);
  await office.tx(async (c) => {
    const blobId = await office.writeBlob(c, id, body);
    await insertOfficeFax(c, office, {
      id, orgId: office.orgId, direction: 'in', route: 'fxe', messageId: asMessageId(id), peerNumber: '+15550100', peerName: 'Dr Example', fileName: 'referral.pdf',
      pages: 1, sizeBytes: body.length, at: Date.now(), state: 'received', senderOrgId: asOrgId('org-sender'), recipientOrgId: office.orgId,
      fromNumber: '+15550100', toNumber: '+15550200', ciphertextSha256: null, metadataJson: null, blobId, ...over,
    });
  });
  return id;
}

/**
 * As if a partner's keys had changed since the office pinned them: the office's pin now names
 * `fingerprint`. Written as a desk writes pins (sealed), so the desks meet a key change, not a
 * tampered record.
 */
export async function pinOtherKeysForTest(office: Office, peerOrgId: string, fingerprint: string): Promise<void> {
  function* repin(): PinSteps<void> {
    yield { op: 'putKeyPin', orgId: peerOrgId, pin: { fingerprint, bundleFingerprints: [] }, now: Date.now() };
  }
  await officePinStorage(office).run(repin());
}
