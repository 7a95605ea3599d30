// Uploads into the relay running as its own process (the CLI's `serve`), as in production and
// in the bench: there the socket delivers a whole body before the temp file has even opened,
// which an in-process relay, sharing the event loop with its client, never shows.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../shared/protocol/index.ts';
import { ciphertextPath, UPLOAD_PATH } from '../../shared/fxe-api/index.ts';
import { makeOrg, removeDir, seal, seedMultipart, tempDir, type TestOrg } from './helpers.ts';

const CLI = fileURLToPath(new URL('../../electron/relay/cli.ts', import.meta.url));

let dataDir: string;
let child: ChildProcess;
let url: string;
let alice: TestOrg;
let bob: TestOrg;

beforeAll(async () => {
  dataDir = tempDir('upload-process');
  child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', CLI, 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`relay exited early (${code})`)));
  });
  alice = await makeOrg(url, 'Alice Clinic');
  bob = await makeOrg(url, 'Bob Pharmacy');
}, 30_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  removeDir(dataDir);
});

/** POSTs the whole body in one write with a Content-Length, as the bench does. */
function postAtOnce(target: string, headers: Record<string, string>, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + target, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('upload into a relay process', () => {
  // Regression: a ciphertext part whose last bytes filled the temp file's buffer paused the
  // socket, and the file, already ended, never asked for more: the upload hung forever.
  it.each([1, 3])('stores a %i MiB ciphertext sent in one write and serves it back unchanged', async (mib) => {
    const sealed = await seal(url, alice, bob, { plaintext: new Uint8Array(mib * 1024 * 1024 - 40).map((_, i) => (i * 131) & 0xff) });
    const { body, contentType } = seedMultipart(sealed.envelopeText, sealed.ciphertext);
    const authorization = signRequest({ method: 'POST', path: UPLOAD_PATH, body, keyId: alice.keyId, signingSeed: alice.keys.signingSeed, nowSeconds: Date.now() / 1000 });
    expect(await postAtOnce(UPLOAD_PATH, { authorization, 'content-type': contentType }, body)).toBe(201);
    const target = ciphertextPath(sealed.envelope.message_id);
    const res = await fetch(url + target, {
      headers: { authorization: signRequest({ method: 'GET', path: target, body: new Uint8Array(0), keyId: bob.keyId, signingSeed: bob.keys.signingSeed, nowSeconds: Date.now() / 1000 }) },
    });
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(sealed.ciphertext))).toBe(true);
  }, 30_000);
});
