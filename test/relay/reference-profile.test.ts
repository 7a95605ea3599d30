// The relay's `reference` profile offers only what the reference relay offers: the seed's
// lookup (no bundle signatures), upload, fetch, key bundles and receipts, and webhooks an
// operator registers with the relay CLI. Every extension answers like an unknown route.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupPath, WEBHOOK_ENDPOINT_PATH } from '../../shared/fxe-api/index.ts';
import type { RelayHandle } from '../../electron/relay/index.ts';
import { call, makeOrg, removeDir, seal, startTestRelay, tempDir, upload, type TestOrg } from './helpers.ts';

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

describe('npm run relay -- serve --profile', () => {
  const cli = fileURLToPath(new URL('../../electron/relay/cli.ts', import.meta.url));
  const serve = (args: string[]) => spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

  it('reference: says so when it starts, and has no health route', async () => {
    const data = tempDir('serve-reference');
    const child = serve(['--port', '0', '--data', data, '--profile', 'reference']);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('\n')) resolve(out); });
        child.on('close', (code) => reject(new Error(`serve exited ${code}`)));
      });
      expect(line).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(profile reference\)/);
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;
      expect((await fetch(`${url}/v1/health`)).status).toBe(404);
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await closed;
      removeDir(data);
    }
  });

  it('refuses an unknown profile with the usage text (exit 2)', async () => {
    const data = tempDir('serve-bogus');
    const child = serve(['--port', '0', '--data', data, '--profile', 'bogus']);
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    removeDir(data);
    expect(code).toBe(2);
    expect(err).toMatch(/--profile must be one of full, reference/);
  });
});
