// The relay's command line (invite, webhook, demo) and the state a restart must keep
// (orgs, nonces), run as real processes against real data dirs.
import type { OrgId } from '../../shared/domain/ids.ts';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyMaterial, readKeysZip } from '../../shared/protocol/index.ts';
import { buildRedeemRequest, lookupPath, REDEEM_PATH, WEBHOOK_ENDPOINT_PATH } from '../../shared/fxe-api/index.ts';
import { DEMO_ORG_SPECS } from '../../electron/relay/demo.ts';
import { call, freshNumber, makeOrg, removeDir, startTestRelay, tempDir } from './helpers.ts';

const CLI = fileURLToPath(new URL('../../electron/relay/cli.ts', import.meta.url));
const run = promisify(execFile);
const relayCli = (...args: string[]) => run(process.execPath, ['--experimental-strip-types', CLI, ...args]);

const dirs: string[] = [];
const dir = (label: string): string => {
  const d = tempDir(label);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

describe('relay CLI', () => {
  it('invite mints a token that redeems once; webhook registers an endpoint and prints its secret', async () => {
    const data = dir('cli');
    const { relay } = await startTestRelay({ dataDir: data });
    try {
      const { stdout } = await relayCli('invite', '--data', data);
      const token = stdout.trim();
      expect(token).toMatch(/^inv_[A-Za-z0-9_-]+$/);
      const body = buildRedeemRequest({ inviteToken: token, orgName: 'CLI Org', faxNumbers: [freshNumber()], keys: generateKeyMaterial() });
      const res = await fetch(relay.url + REDEEM_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);

      const org = await makeOrg(relay.url, 'Hooked Org');
      const hook = await relayCli('webhook', '--data', data, '--org', org.orgId, '--url', 'http://127.0.0.1:9/fxe-webhook');
      expect(hook.stdout.trim()).toMatch(/^whsec_/);
      const view = await call(relay.url, org, 'GET', WEBHOOK_ENDPOINT_PATH);
      expect(view.json['url']).toBe('http://127.0.0.1:9/fxe-webhook');
    } finally {
      await relay.close();
    }
  });

  it('refuses bad usage with exit code 2 and the usage text', async () => {
    const failed = await relayCli('serve', '--data', dir('usage')).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('missing --port');
  });

  it('demo creates two orgs through redeem, with working keys.zip, and reuses them on a second run', async () => {
    const data = dir('demo-data');
    const out = dir('demo-out');
    const first = JSON.parse((await relayCli('demo', '--data', data, '--out', out, '--port', '0')).stdout) as {
      relay: string;
      orgs: { name: string; orgId: OrgId; faxNumbers: string[]; keysZipPath: string }[];
    };
    expect(first.orgs.map((o) => o.name)).toEqual(DEMO_ORG_SPECS.map((s) => s.name));
    expect(first.orgs[0]!.keysZipPath).toBe(join(out, DEMO_ORG_SPECS[0].slug, 'keys.zip'));
    const clinic = await readKeysZip(new Uint8Array(readFileSync(first.orgs[0]!.keysZipPath)));
    expect(clinic.credentials.org_id).toBe(first.orgs[0]!.orgId);
    expect(clinic.credentials.relay).toBe(first.relay);

    const { relay } = await startTestRelay({ dataDir: data });
    try {
      const asClinic = { keyId: clinic.credentials.key_id, keys: clinic };
      const found = await call(relay.url, asClinic, 'GET', lookupPath(first.orgs[1]!.faxNumbers[0]!));
      expect(found.json['org_id']).toBe(first.orgs[1]!.orgId);
    } finally {
      await relay.close();
    }
    const second = JSON.parse((await relayCli('demo', '--data', data, '--out', out, '--port', '0')).stdout) as typeof first;
    expect(second.orgs.map((o) => o.orgId)).toEqual(first.orgs.map((o) => o.orgId));
  });
});

describe('state across a restart', () => {
  it('keeps orgs and refuses a nonce replayed after the restart', async () => {
    const data = dir('restart');
    let { relay } = await startTestRelay({ dataDir: data });
    const org = await makeOrg(relay.url, 'Persistent Org');
    const nonce = new Uint8Array(16).fill(3);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const target = lookupPath(org.faxNumbers[0]!);
    expect((await call(relay.url, org, 'GET', target, { nonce, nowSeconds })).status).toBe(200);
    await relay.close();
    ({ relay } = await startTestRelay({ dataDir: data }));
    try {
      const replay = await call(relay.url, org, 'GET', target, { nonce, nowSeconds });
      expect(replay.status).toBe(401);
      expect(replay.json['error']).toBe('auth_replayed');
      expect((await call(relay.url, org, 'GET', target)).status).toBe(200);
    } finally {
      await relay.close();
    }
  });
});
