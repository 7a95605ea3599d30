// Relay benchmark (`npm run bench -- relay`): upload and download throughput on loopback for
// 1, 10 and 100 MiB messages, and the relay process's peak memory during a 100 MiB upload.
// Raw downloads are timed with two clients (fetch, and node:http as the CLI uses), beside a
// trivial node:http server's figures with the same clients: what is the relay's, what the client's.
// The relay runs as its own process (the CLI's `serve`) so its RSS is its own. Prints figures
// against targets; never fails on timing.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { signReceipt, signRequest } from '../../shared/protocol/index.ts';
import { ciphertextPath, messagePath, receiptPath, UPLOAD_PATH } from '../../shared/fxe-api/index.ts';
import { call, makeOrg, removeDir, seal, seedMultipart, tempDir, type TestOrg } from '../relay/helpers.ts';

const CLI = fileURLToPath(new URL('../../electron/relay/cli.ts', import.meta.url));
const MiB = 1024 * 1024;
const BODY_OVERHEAD = 24 + 16; // nonce24 ‖ … ‖ tag: plaintext + 40 = ciphertext

function startChildRelay(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', CLI, 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', process.env['FXE_BENCH_DEBUG'] ? 'inherit' : 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)\n/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`relay exited (${code})`)));
  });
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? '0');
  return kb * 1024;
}

/** POSTs a body with node:http and resolves with the status when the answer has been read. */
function post(url: string, headers: Record<string, string>, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh connection, so a kept-alive socket the relay is just closing cannot be reused.
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Two clients for downloads: fetch (undici; the app's Electron transport is another), and
 * node:http (the CLI's transport since this round), which hands over the socket's buffers
 * where fetch passes every chunk through web streams: so a download figure says how much of
 * it is the client.
 */
type Client = 'fetch' | 'node:http';
const CLIENTS: Client[] = ['fetch', 'node:http'];

async function timedGet(url: string, headers: Record<string, string>, client: Client): Promise<{ seconds: number; bytes: number }> {
  const start = performance.now();
  let bytes = 0;
  if (client === 'fetch') {
    const res = await fetch(url, { headers });
    for await (const chunk of res.body!) bytes += (chunk as Uint8Array).length;
  } else {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, { headers }, (res) => {
        res.on('data', (c: Buffer) => { bytes += c.length; });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }
  return { seconds: (performance.now() - start) / 1000, bytes };
}

function timedDownload(url: string, org: TestOrg, target: string, client: Client = 'fetch'): Promise<{ seconds: number; bytes: number }> {
  const authorization = signRequest({ method: 'GET', path: target, body: new Uint8Array(0), keyId: org.keyId, signingSeed: org.keys.signingSeed, nowSeconds: Date.now() / 1000 });
  return timedGet(url + target, { authorization }, client);
}

const rate = (bytes: number, seconds: number): string => `${(bytes / MiB / seconds).toFixed(1)} MiB/s`;

/**
 * The ceiling on this machine: a trivial node:http server in its own process that discards an
 * upload, answers a download with zeros from one reused buffer, and (apart) writes an upload
 * to a file with one fsync before answering. Measured with the same client code as the relay.
 */
const REFERENCE_SERVER = `
const { createServer } = require('node:http');
const { openSync, writeSync, fsyncSync, closeSync, unlinkSync } = require('node:fs');
const MiB = 1024 * 1024;
const zeros = Buffer.alloc(MiB);
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    const size = Number(req.url.slice(1));
    res.writeHead(200, { 'content-length': size });
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(MiB, size - sent);
        sent += n;
        if (!res.write(n === MiB ? zeros : zeros.subarray(0, n))) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
    return;
  }
  const path = req.url === '/fsync' ? process.argv[1] : undefined;
  const fd = path ? openSync(path, 'w', 0o600) : undefined;
  req.on('data', (c) => { if (fd !== undefined) writeSync(fd, c); });
  req.on('end', () => {
    if (fd !== undefined) { fsyncSync(fd); closeSync(fd); unlinkSync(path); }
    res.writeHead(201);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

async function referenceFigures(dataDir: string, size: number): Promise<string> {
  const child = spawn(process.execPath, ['-e', REFERENCE_SERVER, `${dataDir}/reference.bin`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/\S+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`reference server exited (${code})`)));
    });
    const body = new Uint8Array(size).fill(0x42);
    let start = performance.now();
    await post(`${url}/discard`, {}, body);
    const discard = (performance.now() - start) / 1000;
    start = performance.now();
    await post(`${url}/fsync`, {}, body);
    const fsynced = (performance.now() - start) / 1000;
    const downs: string[] = [];
    for (const client of CLIENTS) {
      const down = await timedGet(`${url}/${size}`, {}, client);
      downs.push(`${rate(down.bytes, down.seconds)} (${client})`);
    }
    return `upload discarded ${rate(size, discard)}, upload to a file + fsync ${rate(size, fsynced)}, download of zeros ${downs.join(' / ')}`;
  } finally {
    child.kill('SIGTERM');
  }
}

export async function run(): Promise<void> {
  const dataDir = tempDir('bench');
  const relay = await startChildRelay(dataDir);
  try {
    console.log(`relay RSS at start: ${(rssBytes(relay.child.pid!) / MiB).toFixed(0)} MiB`);
    const alice = await makeOrg(relay.url, 'Bench Sender');
    const bob = await makeOrg(relay.url, 'Bench Recipient');
    for (const size of [1, 10, 100]) {
      const sealed = await seal(relay.url, alice, bob, { plaintext: new Uint8Array(size * MiB - BODY_OVERHEAD).fill(0x42) });
      const { body, contentType } = seedMultipart(sealed.envelopeText, sealed.ciphertext);
      const authorization = signRequest({ method: 'POST', path: UPLOAD_PATH, body, keyId: alice.keyId, signingSeed: alice.keys.signingSeed, nowSeconds: Date.now() / 1000 });

      const baseline = rssBytes(relay.child.pid!);
      if (process.env['FXE_BENCH_DEBUG']) console.log(`  rss before upload ${(baseline / MiB).toFixed(0)} MiB`);
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssBytes(relay.child.pid!));
      }, 10);
      const start = performance.now();
      const status = await post(relay.url + UPLOAD_PATH, { authorization, 'content-type': contentType }, body);
      const upSeconds = (performance.now() - start) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, rssBytes(relay.child.pid!));
      if (status !== 201) throw new Error(`upload of ${size} MiB answered ${status}`);

      const id = sealed.envelope.message_id;
      const raw = await timedDownload(relay.url, bob, ciphertextPath(id));
      const rawHttp = await timedDownload(relay.url, bob, ciphertextPath(id), 'node:http');
      const json = await timedDownload(relay.url, bob, messagePath(id));
      console.log(`reference ${String(size).padStart(3)} MiB (trivial node:http server, same client): ${await referenceFigures(dataDir, sealed.ciphertext.length)}`);
      console.log(`relay ${String(size).padStart(3)} MiB: upload ${rate(sealed.ciphertext.length, upSeconds)}, ` +
        `download raw ${rate(raw.bytes, raw.seconds)} (fetch) / ${rate(rawHttp.bytes, rawHttp.seconds)} (node:http), download JSON/base64url ${rate(sealed.ciphertext.length, json.seconds)} (of ciphertext)`);
      if (size === 100) {
        const message = sealed.ciphertext.length;
        console.log(`relay peak RSS during the 100 MiB upload: ${(peak / MiB).toFixed(0)} MiB ` +
          `(baseline ${(baseline / MiB).toFixed(0)} MiB, +${((peak - baseline) / MiB).toFixed(0)} MiB); ` +
          `target: well under 2x the message = ${((2 * message) / MiB).toFixed(0)} MiB -> ${peak < 2 * message ? 'met' : 'NOT met'}`);
      }
      const receipt = signReceipt({ messageId: id, ciphertextSha256: sealed.envelope.ciphertext_sha256, recipientOrgId: bob.orgId, recipientBundleId: bob.bundleId, bundleSeed: bob.keys.bundleSeed, signedAt: Date.now() / 1000 });
      await call(relay.url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receipt) });
    }
  } finally {
    relay.child.kill('SIGTERM');
    await new Promise((r) => relay.child.once('exit', r));
    removeDir(dataDir);
  }
}

// Run directly: node --experimental-strip-types test/bench/relay.ts
if (import.meta.url === `file://${process.argv[1]}`) await run();
