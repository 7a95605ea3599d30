// Faxes put into the office database the way the office receiver stores them (the core's
// test helper: body encrypted through the office's blob writer, row committed with it).
import type { Office } from '../../electron/services/office/office.ts';
import type { SeedFax } from '../services/inbox-store-contract.ts';
import { addFax } from './helpers.ts';

export async function seedOfficeFax(office: Office, f: SeedFax): Promise<void> {
  const incoming = f.direction === 'in';
  await addFax(office, {
    id: f.id, orgId: f.orgId, direction: f.direction, peerNumber: f.peerNumber, peerName: null, fileName: f.fileName, at: f.at, body: f.pdf,
    state: incoming ? 'received' : 'sent', fromNumber: incoming ? f.peerNumber : '+15550000000', toNumber: incoming ? f.toNumber ?? '+15550000000' : f.peerNumber,
  });
}
