/**
 * Test helpers for the relay suites: a relay in a temp dir, orgs made through the real
 * redeem path, signed calls, sealed envelopes and the seed's exact multipart body. Everything
 * talks HTTP to a real server on 127.0.0.1; nothing of the relay is mocked.
 */
import { asOrgId, type OrgId } from '../../shared/domain/ids.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  envelopeToJson,
  generateKeyMaterial,
  sealEnvelope,
  signRequest,
  type Envelope,
  type OrgKeys,
} from '../../shared/protocol/index.ts';
import {
  buildRedeemRequest,
  DEV_INVITES_PATH,
  lookupPath,
  REDEEM_PATH,
  UPLOAD_PATH,
  type InviteResponse,
  type LookupResponse,
  type RedeemResponse,
} from '../../shared/fxe-api/index.ts';
import { startRelay, type RelayHandle, type StartRelayOptions } from '../../electron/relay/index.ts';

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `fxe-relay-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A clock the test can move: the relay reads it for auth skew, invites and rotation overlap. */
export class TestClock {
  offset = 0;
  readonly now = (): number => Math.floor(Date.now() / 1000) + this.offset;
}

export async function startTestRelay(p: { dataDir?: string } & Partial<StartRelayOptions> = {}): Promise<{ relay: RelayHandle; dataDir: string }> {
  const dataDir = p.dataDir ?? tempDir('data');
  const relay = await startRelay({ ...p, dataDir });
  return { relay, dataDir };
}

export interface TestOrg {
  orgId: OrgId;
  keyId: string;
  bundleId: string;
  name: string;
  faxNumbers: string[];
  keys: Omit<OrgKeys, 'credentials'>;
}

let numberCounter = 0;
/** Unique E.164 numbers per test file run. */
export function freshNumber(): string {
  numberCounter++;
  return `+1555${String(process.pid % 1000).padStart(3, '0')}${String(numberCounter).padStart(4, '0')}`;
}

export async function devInvite(relayUrl: string, ttlSeconds?: number): Promise<string> {
  const res = await fetch(relayUrl + DEV_INVITES_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds }),
  });
  if (res.status !== 201) throw new Error(`dev invite: ${res.status} ${await res.text()}`);
  return ((await res.json()) as InviteResponse).invite_token;
}

/** Joins the relay exactly as a real org does: keys generated here, redeem over HTTP. */
export async function makeOrg(relayUrl: string, name: string, faxNumbers: string[] = [freshNumber()]): Promise<TestOrg> {
  const keys = generateKeyMaterial();
  const body = buildRedeemRequest({ inviteToken: await devInvite(relayUrl), orgName: name, faxNumbers, keys });
  const res = await fetch(relayUrl + REDEEM_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`redeem: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as RedeemResponse;
  return { orgId: asOrgId(answer.org_id), keyId: answer.key_id, bundleId: answer.bundle_id, name, faxNumbers: answer.fax_numbers, keys };
}

let callClock: () => number = () => Date.now() / 1000;
/** Signed calls use this clock by default (tests that move the relay's clock move ours too). */
export function useClock(clock: TestClock): void {
  callClock = clock.now;
}

export interface CallResult {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

/** A signed call. `sign` overrides let tests forge stale, replayed or wrongly signed requests. */
export async function call(
  relayUrl: string,
  org: Pick<TestOrg, 'keyId' | 'keys'>,
  method: string,
  target: string,
  opts: { body?: Uint8Array | string; contentType?: string; nowSeconds?: number; nonce?: Uint8Array; signingSeed?: Uint8Array; keyId?: string; authorization?: string | null } = {},
): Promise<CallResult> {
  const body = typeof opts.body === 'string' ? new TextEncoder().encode(opts.body) : (opts.body ?? new Uint8Array(0));
  const headers: Record<string, string> = {};
  if (opts.authorization !== null) {
    headers['authorization'] =
      opts.authorization ??
      signRequest({
        method,
        path: target,
        body,
        keyId: opts.keyId ?? org.keyId,
        signingSeed: opts.signingSeed ?? org.keys.signingSeed,
        nowSeconds: opts.nowSeconds ?? callClock(),
        ...(opts.nonce ? { nonce: opts.nonce } : {}),
      });
  }
  if (opts.contentType) headers['content-type'] = opts.contentType;
  else if (body.length > 0) headers['content-type'] = 'application/json';
  const res = await fetch(relayUrl + target, { method, headers, ...(method === 'GET' ? {} : { body: new Uint8Array(body) }) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, headers: res.headers };
}

export async function lookup(relayUrl: string, caller: TestOrg, number: string): Promise<LookupResponse> {
  const res = await call(relayUrl, caller, 'GET', lookupPath(number));
  if (res.status !== 200) throw new Error(`lookup ${number}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json as unknown as LookupResponse;
}

export interface Sealed {
  envelope: Envelope;
  envelopeText: string;
  ciphertext: Uint8Array;
}

/** Seals a fax from `sender` to `recipient` with the real protocol code, as a client would. */
export async function seal(
  relayUrl: string,
  sender: TestOrg,
  recipient: TestOrg,
  opts: { plaintext?: Uint8Array; toNumber?: string; fromNumber?: string; recipientOrgId?: string; messageId?: string } = {},
): Promise<Sealed> {
  const toNumber = opts.toNumber ?? recipient.faxNumbers[0]!;
  const target = await lookup(relayUrl, sender, recipient.faxNumbers[0]!);
  const { envelope, ciphertext } = await sealEnvelope({
    plaintext: opts.plaintext ?? new TextEncoder().encode('%PDF-1.4 test fax'),
    senderOrgId: sender.orgId,
    senderBundleId: sender.bundleId,
    senderBundleSeed: sender.keys.bundleSeed,
    recipientOrgId: opts.recipientOrgId ?? target.org_id,
    recipientBundles: target.bundles,
    fromNumber: opts.fromNumber ?? sender.faxNumbers[0]!,
    fromName: sender.name,
    toNumber,
    metadata: { filename: 'fax.pdf', content_type: 'application/pdf' },
    createdAt: Date.now() / 1000,
    ...(opts.messageId ? { messageId: opts.messageId } : {}),
  });
  return { envelope, envelopeText: envelopeToJson(envelope), ciphertext };
}

/** The multipart body exactly as the seed's reference client (`_multipart`) builds it. */
export function seedMultipart(envelopeText: string, ciphertext: Uint8Array): { body: Uint8Array; contentType: string } {
  const boundary = `----fxe${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\n`),
    Buffer.from('Content-Disposition: form-data; name="envelope"\r\n'),
    Buffer.from('Content-Type: application/json\r\n\r\n'),
    Buffer.from(`${envelopeText}\r\n`),
    Buffer.from(`--${boundary}\r\n`),
    Buffer.from('Content-Disposition: form-data; name="ciphertext"; filename="ct.bin"\r\n'),
    Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
    Buffer.from(ciphertext),
    Buffer.from('\r\n'),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { body: new Uint8Array(body), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function upload(relayUrl: string, sender: TestOrg, sealed: Pick<Sealed, 'envelopeText' | 'ciphertext'>): Promise<CallResult> {
  const { body, contentType } = seedMultipart(sealed.envelopeText, sealed.ciphertext);
  return call(relayUrl, sender, 'POST', UPLOAD_PATH, { body, contentType });
}

/**
 * Streams a request body from a generator with node:http (no Content-Length: chunked), and
 * resolves with the status as soon as the answer arrives, even if the relay then cuts the
 * connection while we are still sending (which is what a 413 mid-stream does).
 */
export function streamRequest(p: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Readable;
}): Promise<{ status: number; json: Record<string, unknown>; bytesSent: () => number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = httpRequest(p.url, { method: p.method, headers: p.headers, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, json, bytesSent: () => sent });
      });
      res.on('error', () => resolve({ status: res.statusCode ?? 0, json: {}, bytesSent: () => sent }));
      p.body.unpipe(req);
      p.body.destroy();
    });
    req.on('error', (e) => reject(e));
    p.body.on('data', (c: Buffer) => {
      sent += c.length;
    });
    p.body.pipe(req);
  });
}

/** A Readable of `total` bytes made of a repeated chunk: big bodies without big buffers. */
export function repeatedBytes(total: number, chunkSize = 256 * 1024): Readable {
  const chunk = Buffer.alloc(chunkSize, 0x5a);
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}
