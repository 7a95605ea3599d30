// The relay's `reference` profile offers only what the reference relay offers: the seed's
// lookup (no bundle signatures), upload, fetch, key bundles and receipts, and webhooks an
// operator registers with the relay CLI. Every extension answers like an unknown route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupPath, WEBHOOK_ENDPOINT_PATH } from '../../shared/fxe-api/index.ts';
import type { RelayHandle } from '../../electron/relay/index.ts';
import { call, makeOrg, removeDir, seal, startTestRelay, upload, type TestOrg } from './helpers.ts';

describe('relay profile "reference"', () => {
  let relay: RelayHandle;
  let dataDir: string;
  let alice: TestOrg;
  let bob: TestOrg;

  beforeAll(async () => {
    ({ relay, dataDir } = await startTestRelay({ profile: 'reference' }));
    alice = await makeOrg(relay.url, 'Alice Clinic');
    bob = await makeOrg(relay.url, 'Bob Pharmacy');
  });
  afterAll(async () => {
    await relay?.close();
    removeDir(dataDir);
  });

  it('serves the seed flow: lookup without signatures, upload, fetch, the sender bundle', async () => {
    const found = await call(relay.url, alice, 'GET', lookupPath(bob.faxNumbers[0]!));
    expect(found.status).toBe(200);
    expect(Object.keys(found.json).sort()).toEqual(['bundles', 'org_id']);
    const bundles = found.json['bundles'] as Record<string, unknown>[];
    expect(Object.keys(bundles[0]!).sort()).toEqual(['bundle_id', 'ed25519_pub', 'ml_kem_pub', 'x25519_pub']);

    const sealed = await seal(relay.url, alice, bob);
    expect((await upload(relay.url, alice, sealed)).status).toBe(201);
    const id = sealed.envelope.message_id;
    expect((await call(relay.url, bob, 'GET', `/v1/messages/${id}`)).status).toBe(200);
    const bundle = await call(relay.url, bob, 'GET', `/v1/key-bundles/${alice.bundleId}`);
    expect(bundle.status).toBe(200);
    expect(bundle.json['bundle_sig']).toBeUndefined();
    expect(bundle.json['org_signing_pub']).toBeUndefined();
    expect(typeof bundle.json['ed25519_pub']).toBe('string');
  });

  it('answers every extension like an unknown route', async () => {
    expect((await fetch(`${relay.url}/v1/health`)).status).toBe(404);
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    for (const [method, target] of [
      ['GET', '/v1/messages?status=pending&limit=10'],
      ['GET', `/v1/messages/${id}/status`],
      ['GET', `/v1/messages/${id}/ciphertext`],
      ['GET', `/v1/messages/${id}/envelope`],
      ['GET', '/v1/orgs/me'],
      ['GET', WEBHOOK_ENDPOINT_PATH],
      ['PUT', WEBHOOK_ENDPOINT_PATH],
      ['POST', '/v1/key-bundles'],
      ['DELETE', `/v1/key-bundles/${alice.bundleId}`],
    ] as const) {
      const res = await call(relay.url, alice, method, target, method === 'PUT' ? { body: '{"url":"http://127.0.0.1:9/x"}' } : {});
      expect([method, target, res.status, res.json['error']]).toEqual([method, target, 404, 'not_found']);
    }
  });
});
