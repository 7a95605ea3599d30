// The single-desk engine of InboxStore over a real SQLite file and a real encrypted blob store.
import { asOrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/services/storage/database.ts';
import { BlobStore } from '../../electron/services/storage/blob-store.ts';
import { ContactRepository } from '../../electron/services/inbox/contacts.ts';
import { FaxRepository } from '../../electron/services/inbox/faxes.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { sqliteInboxStore } from '../../electron/services/inbox/sqlite-inbox-store.ts';
import { openVault, type Vault } from '../../electron/services/vault/vault.ts';
import { A2, inboxStoreContract, type InboxStoreScene } from './inbox-store-contract.ts';
import { tempDir } from './helpers.ts';

describe('InboxStore on SQLite', () => {
  const dir = tempDir('inbox-store');
  let db: Db;
  let vault: Vault;
  let scene: InboxStoreScene;

  beforeAll(async () => {
    vault = await openVault(dir.path, createMemoryKeychain());
    db = openDatabase(dir.path);
    const faxes = new FaxRepository(db, Date.now);
    const blobs = new BlobStore(dir.path, vault);
    const store = sqliteInboxStore({ faxes, blobs, contacts: new ContactRepository(db), log: () => undefined });
    scene = {
      store,
      orgId: asOrgId('org_store'),
      seed: async (f) => {
        const b = blobs.write(f.pdf);
        faxes.insert({
          id: f.id, orgId: f.orgId, direction: f.direction, route: 'fxe', peerNumber: f.peerNumber, peerName: null, fileName: f.fileName,
          pages: 1, sizeBytes: f.pdf.length, at: f.at, read: f.direction === 'out', state: f.direction === 'in' ? 'received' : 'sent',
          senderOrgId: null, recipientOrgId: null, fromNumber: f.direction === 'in' ? f.peerNumber : '+15550000000',
          toNumber: f.direction === 'in' ? f.toNumber ?? '+15550000000' : f.peerNumber, ciphertextSha256: null, metadataJson: null, blobId: b.blobId, blobKey: b.wrappedKey,
        });
      },
    };
  });

  afterAll(() => {
    db.close();
    vault.close();
    dir.remove();
  });

  inboxStoreContract(() => scene);

  it('refuses an assignment on a single desk, plainly', async () => {
    await expect(scene.store.assign(A2, 'Dana')).rejects.toMatchObject({ code: 'office.only' });
  });
});
