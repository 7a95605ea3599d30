// Crash safety: the relay runs as a child process (the CLI's `serve`) and is SIGKILLed in the
// middle of an upload, and between an upload and its receipt. After a restart on the same data
// dir no message is lost, none is duplicated and no partial message is visible.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64uDecode, openEnvelope, signReceipt, signRequest } from '../../shared/protocol/index.ts';
import { messagePath, pendingPath, receiptPath, statusPath, UPLOAD_PATH, type PendingListResponse } from '../../shared/fxe-api/index.ts';
import { call, makeOrg, removeDir, seal, seedMultipart, tempDir, upload, type Sealed, type TestOrg } from './helpers.ts';

const CLI = fileURLToPath(new URL('../../electron/relay/cli.ts', import.meta.url));

interface ChildRelay {
  child: ChildProcess;
  url: string;
}

function spawnRelay(dataDir: string): Promise<ChildRelay> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', CLI, 'serve', '--port', '0', '--data', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /fxe relay listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.once('exit', (code) => reject(new Error(`relay exited early (${code}): ${err}`)));
  });
}

function kill(relay: ChildRelay, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  return new Promise((resolve) => {
    relay.child.removeAllListeners('exit');
    relay.child.once('exit', (code) => resolve(code));
    relay.child.kill(signal);
  });
}

async function waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((r) => setTimeout(r, 20));
}

async function pendingIds(url: string, org: TestOrg): Promise<string[]> {
  const res = await call(url, org, 'GET', pendingPath({ limit: 500 }));
  return (res.json as unknown as PendingListResponse).messages.map((m) => m.message_id);
}

let dataDir: string;
let relay: ChildRelay;
let alice: TestOrg;
let bob: TestOrg;

beforeAll(async () => {
  dataDir = tempDir('crash');
  relay = await spawnRelay(dataDir);
  alice = await makeOrg(relay.url, 'Alice Clinic');
  bob = await makeOrg(relay.url, 'Bob Pharmacy');
});

afterAll(async () => {
  if (relay.child.exitCode === null) await kill(relay);
  removeDir(dataDir);
});

describe('SIGKILL and restart', () => {
  let interrupted: Sealed;

  it('during an upload: no message, no leftovers, and the same upload succeeds afterwards', async () => {
    interrupted = await seal(relay.url, alice, bob, { plaintext: new Uint8Array(8 * 1024 * 1024).fill(1) });
    const { body, contentType } = seedMultipart(interrupted.envelopeText, interrupted.ciphertext);
    const authorization = signRequest({ method: 'POST', path: UPLOAD_PATH, body, keyId: alice.keyId, signingSeed: alice.keys.signingSeed, nowSeconds: Date.now() / 1000 });
    const stream = new PassThrough();
    const req = httpRequest(relay.url + UPLOAD_PATH, { method: 'POST', headers: { authorization, 'content-type': contentType, 'content-length': String(body.length) } });
    const outcome = new Promise<string>((resolve) => {
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (e) => resolve(`failed ${e.message}`));
    });
    stream.pipe(req);
    stream.write(Buffer.from(body.subarray(0, body.length / 2)));
    // Kill once the relay has part of the ciphertext on disk.
    const incoming = join(dataDir, 'incoming');
    await waitFor(() => readdirSync(incoming).some((f) => statSync(join(incoming, f)).size > 0));
    await kill(relay);
    expect(await outcome).toMatch(/^failed/);

    relay = await spawnRelay(dataDir);
    expect(readdirSync(incoming)).toEqual([]);
    expect(readdirSync(join(dataDir, 'messages'))).toEqual([]);
    expect(await pendingIds(relay.url, bob)).toEqual([]);
    expect((await call(relay.url, alice, 'GET', statusPath(interrupted.envelope.message_id))).status).toBe(404);

    expect((await upload(relay.url, alice, interrupted)).status).toBe(201);
    expect(await pendingIds(relay.url, bob)).toEqual([interrupted.envelope.message_id]);
  });

  it('between upload and receipt: the message survives once, intact, and the receipt then completes it', async () => {
    const sealed = await seal(relay.url, alice, bob, { plaintext: new TextEncoder().encode('%PDF-1.4 survives a crash') });
    const id = sealed.envelope.message_id;
    expect((await upload(relay.url, alice, sealed)).status).toBe(201);
    await kill(relay);
    relay = await spawnRelay(dataDir);

    expect(await pendingIds(relay.url, bob)).toEqual([interrupted.envelope.message_id, id]);
    expect((await upload(relay.url, alice, sealed)).status).toBe(409);
    const fetched = await call(relay.url, bob, 'GET', messagePath(id));
    const ciphertext = b64uDecode(fetched.json['ciphertext'] as string);
    const opened = await openEnvelope({
      envelope: fetched.json['envelope'] as never,
      ciphertext,
      senderBundleEd25519Pub: b64uDecode(((await call(relay.url, bob, 'GET', `/v1/key-bundles/${alice.bundleId}`)).json['ed25519_pub']) as string),
      recipient: { bundleId: bob.bundleId, mlkemSecret: bob.keys.mlkemSecret, mlkemPublic: bob.keys.mlkemPublic, x25519Secret: bob.keys.x25519Secret, x25519Public: bob.keys.x25519Public },
    });
    expect(new TextDecoder().decode(opened.plaintext)).toBe('%PDF-1.4 survives a crash');

    const receipt = signReceipt({ messageId: id, ciphertextSha256: sealed.envelope.ciphertext_sha256, recipientOrgId: bob.orgId, recipientBundleId: bob.bundleId, bundleSeed: bob.keys.bundleSeed, signedAt: Date.now() / 1000 });
    expect((await call(relay.url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receipt) })).status).toBe(200);
    await kill(relay);
    relay = await spawnRelay(dataDir);
    expect((await call(relay.url, alice, 'GET', statusPath(id))).json['status']).toBe('delivered');
    expect((await call(relay.url, bob, 'GET', messagePath(id))).status).toBe(410);
    expect(existsSync(join(dataDir, 'messages', `${id}.ct`))).toBe(false);
    expect(await pendingIds(relay.url, bob)).toEqual([interrupted.envelope.message_id]);
    // The repeated receipt after the restart is still harmless.
    expect((await call(relay.url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receipt) })).status).toBe(200);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(existsSync(join(dataDir, 'serving.json'))).toBe(true);
    expect(await kill(relay, 'SIGTERM')).toBe(0);
    expect(existsSync(join(dataDir, 'serving.json'))).toBe(false);
  });
});
