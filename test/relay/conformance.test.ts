// Conformance of the local relay against docs/relay.md: every rejection path answers with its
// documented status and stable code, and the happy paths work end to end with the real
// protocol code on both sides.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64uDecode,
  openEnvelope,
  signReceipt,
  signRequest,
  verifyBundle,
  verifyReceipt,
  generateKeyMaterial,
  signBundle,
} from '../../shared/protocol/index.ts';
import {
  bundleUploadOf,
  buildRedeemRequest,
  ciphertextPath,
  envelopePath,
  KEY_BUNDLES_PATH,
  keyBundlePath,
  lookupPath,
  MAX_CIPHERTEXT_BYTES,
  messagePath,
  newBundleId,
  ORG_ME_PATH,
  pendingPath,
  receiptPath,
  REDEEM_PATH,
  RELAY_ERRORS,
  statusPath,
  UPLOAD_PATH,
  type LookupResponse,
  type MessageStatusResponse,
  type PendingListResponse,
} from '../../shared/fxe-api/index.ts';
import type { RelayHandle } from '../../electron/relay/index.ts';
import {
  call,
  devInvite,
  freshNumber,
  lookup,
  makeOrg,
  removeDir,
  repeatedBytes,
  seal,
  seedMultipart,
  startTestRelay,
  streamRequest,
  TestClock,
  upload,
  type TestOrg,
  useClock,
} from './helpers.ts';

let relay: RelayHandle;
let dataDir: string;
let url: string;
const clock = new TestClock();
useClock(clock);
let alice: TestOrg; // sender
let bob: TestOrg; // recipient
let carol: TestOrg; // a third org

beforeAll(async () => {
  ({ relay, dataDir } = await startTestRelay({ nowSeconds: clock.now }));
  url = relay.url;
  alice = await makeOrg(url, 'Alice Clinic');
  bob = await makeOrg(url, 'Bob Pharmacy', [freshNumber(), freshNumber()]);
  carol = await makeOrg(url, 'Carol Lab');
});

afterAll(async () => {
  await relay.close();
  removeDir(dataDir);
});

function expectError(res: { status: number; json: Record<string, unknown> }, code: keyof typeof RELAY_ERRORS): void {
  expect({ status: res.status, error: res.json['error'] }).toEqual({ status: RELAY_ERRORS[code].status, error: code });
  expect(typeof res.json['message']).toBe('string');
}

describe('FXE1 request auth', () => {
  const target = () => lookupPath(bob.faxNumbers[0]!);

  it('accepts a fresh signed request with a raw + in the query', async () => {
    const res = await call(url, alice, 'GET', target());
    expect(res.status).toBe(200);
    expect(res.json['org_id']).toBe(bob.orgId);
  });

  it('refuses a stale timestamp', async () => {
    expectError(await call(url, alice, 'GET', target(), { nowSeconds: clock.now() - 301 }), 'auth_stale');
  });

  it('refuses a timestamp from the future', async () => {
    // Not +301: the relay reads its clock a moment later, and across a second boundary
    // +301 is only 300 s ahead by then (allowed). The clock only moves forward, so a stale
    // timestamp needs no such margin.
    expectError(await call(url, alice, 'GET', target(), { nowSeconds: clock.now() + 305 }), 'auth_stale');
  });

  it('accepts a timestamp at the edge of the skew window', async () => {
    expect((await call(url, alice, 'GET', target(), { nowSeconds: clock.now() - 290 })).status).toBe(200);
  });

  it('refuses a replayed nonce, and does not burn a nonce on a forged request', async () => {
    const nonce = new Uint8Array(16).fill(7);
    const nowSeconds = clock.now();
    const forged = await call(url, alice, 'GET', target(), { nonce, nowSeconds, signingSeed: carol.keys.signingSeed });
    expectError(forged, 'bad_signature');
    expect((await call(url, alice, 'GET', target(), { nonce, nowSeconds })).status).toBe(200);
    expectError(await call(url, alice, 'GET', target(), { nonce, nowSeconds }), 'auth_replayed');
  });

  it('refuses a bad signature', async () => {
    expectError(await call(url, alice, 'GET', target(), { signingSeed: new Uint8Array(32).fill(1) }), 'bad_signature');
  });

  it('refuses a signature over another path (the query is signed)', async () => {
    const authorization = signRequest({ method: 'GET', path: lookupPath(carol.faxNumbers[0]!), body: new Uint8Array(0), keyId: alice.keyId, signingSeed: alice.keys.signingSeed, nowSeconds: clock.now() });
    expectError(await call(url, alice, 'GET', target(), { authorization }), 'bad_signature');
  });

  it('refuses an unknown key id', async () => {
    expectError(await call(url, alice, 'GET', target(), { keyId: 'key_nobody' }), 'auth_unknown_key');
  });

  it('refuses a missing or unreadable Authorization header', async () => {
    expectError(await call(url, alice, 'GET', target(), { authorization: null }), 'auth_missing');
    expectError(await call(url, alice, 'GET', target(), { authorization: 'Bearer abc' }), 'auth_malformed');
  });
});

describe('lookup and key bundles', () => {
  it('returns the org with signed bundles, or 404 not_covered', async () => {
    const found = await lookup(url, alice, bob.faxNumbers[1]!);
    expect(found.org_id).toBe(bob.orgId);
    expect(found.bundles).toHaveLength(1);
    const bundle = found.bundles[0]!;
    expect(bundle.bundle_id).toBe(bob.bundleId);
    verifyBundle(bundle, bundle.bundle_sig, b64uDecode(found.org_signing_pub));
    expectError(await call(url, alice, 'GET', lookupPath('+19999999999')), 'not_covered');
    expectError(await call(url, alice, 'GET', '/v1/lookup?fax_number=5551234'), 'malformed_fax_number');
  });

  it('serves a bundle by id with its ed25519_pub (as the seed receiver reads it)', async () => {
    const res = await call(url, bob, 'GET', keyBundlePath(alice.bundleId));
    expect(res.status).toBe(200);
    expect(b64uDecode(res.json['ed25519_pub'] as string)).toHaveLength(32);
    expectError(await call(url, bob, 'GET', keyBundlePath('kb_missing')), 'bundle_not_found');
  });

  it('rotates: add a bundle (both listed), retire the old, never the last', async () => {
    const dave = await makeOrg(url, 'Dave Rotating');
    const fresh = generateKeyMaterial();
    const bundle = bundleUploadOf(fresh, newBundleId());
    expectError(
      await call(url, dave, 'POST', KEY_BUNDLES_PATH, { body: JSON.stringify({ bundle, bundle_sig: signBundle(bundle, carol.keys.signingSeed) }) }),
      'bundle_signature_invalid',
    );
    const added = await call(url, dave, 'POST', KEY_BUNDLES_PATH, { body: JSON.stringify({ bundle, bundle_sig: signBundle(bundle, dave.keys.signingSeed) }) });
    expect(added.status).toBe(201);
    expect((await lookup(url, alice, dave.faxNumbers[0]!)).bundles.map((b) => b.bundle_id)).toEqual([dave.bundleId, bundle.bundle_id]);
    expectError(await call(url, alice, 'DELETE', keyBundlePath(dave.bundleId)), 'bundle_not_yours');
    const retired = await call(url, dave, 'DELETE', keyBundlePath(dave.bundleId));
    expect(retired.json['status']).toBe('retired');
    expect((await lookup(url, alice, dave.faxNumbers[0]!)).bundles.map((b) => b.bundle_id)).toEqual([bundle.bundle_id]);
    expectError(await call(url, dave, 'DELETE', keyBundlePath(bundle.bundle_id)), 'last_bundle');
    // The retired bundle is still served (old envelopes and receipts stay verifiable).
    expect((await call(url, alice, 'GET', keyBundlePath(dave.bundleId))).json['status']).toBe('retired');
  });
});

describe('upload', () => {
  it('accepts the seed multipart and lists, serves and decrypts the message', async () => {
    const plaintext = new TextEncoder().encode('%PDF-1.4 prescription for Mrs. Example');
    const sealed = await seal(url, alice, bob, { plaintext });
    const res = await upload(url, alice, sealed);
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ message_id: sealed.envelope.message_id });

    const pending = (await call(url, bob, 'GET', pendingPath())).json as unknown as PendingListResponse;
    expect(pending.messages.map((m) => m.message_id)).toContain(sealed.envelope.message_id);

    const fetched = await call(url, bob, 'GET', messagePath(sealed.envelope.message_id));
    expect(fetched.status).toBe(200);
    const ciphertext = b64uDecode(fetched.json['ciphertext'] as string);
    expect(Buffer.from(ciphertext).equals(Buffer.from(sealed.ciphertext))).toBe(true);
    const raw = await fetch(url + ciphertextPath(sealed.envelope.message_id), {
      headers: { authorization: signRequest({ method: 'GET', path: ciphertextPath(sealed.envelope.message_id), body: new Uint8Array(0), keyId: bob.keyId, signingSeed: bob.keys.signingSeed, nowSeconds: clock.now() }) },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('x-fxe-ciphertext-sha256')).toBe(sealed.envelope.ciphertext_sha256);
    expect(Buffer.from(await raw.arrayBuffer()).equals(Buffer.from(sealed.ciphertext))).toBe(true);

    const envelopeOnly = await call(url, bob, 'GET', envelopePath(sealed.envelope.message_id));
    expect(envelopeOnly.json['envelope']).toEqual(fetched.json['envelope']);
    const senderBundle = await call(url, bob, 'GET', keyBundlePath(sealed.envelope.sender_key_bundle_id));
    const opened = await openEnvelope({
      envelope: fetched.json['envelope'] as never,
      ciphertext,
      senderBundleEd25519Pub: b64uDecode(senderBundle.json['ed25519_pub'] as string),
      recipient: { bundleId: bob.bundleId, mlkemSecret: bob.keys.mlkemSecret, mlkemPublic: bob.keys.mlkemPublic, x25519Secret: bob.keys.x25519Secret, x25519Public: bob.keys.x25519Public },
    });
    expect(new TextDecoder().decode(opened.plaintext)).toBe('%PDF-1.4 prescription for Mrs. Example');
  });

  it('accepts the envelope as a file part and the parts in either order', async () => {
    const sealed = await seal(url, alice, bob);
    const boundary = 'b0undary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="ciphertext"; filename="ct.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      Buffer.from(sealed.ciphertext),
      Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="envelope"; filename="envelope.json"\r\nContent-Type: application/json\r\n\r\n${sealed.envelopeText}\r\n--${boundary}--\r\n`),
    ]);
    const res = await call(url, alice, 'POST', UPLOAD_PATH, { body: new Uint8Array(body), contentType: `multipart/form-data; boundary=${boundary}` });
    expect(res.status).toBe(201);
  });

  it("refuses someone else's from_number (403)", async () => {
    const sealed = await seal(url, alice, bob, { fromNumber: carol.faxNumbers[0]! });
    expectError(await upload(url, alice, sealed), 'from_number_not_yours');
  });

  it('refuses an envelope claiming another sender org (403)', async () => {
    const sealed = await seal(url, alice, bob);
    expectError(await upload(url, carol, sealed), 'sender_org_mismatch');
  });

  it("refuses a to_number of another org than the recipient (403), or not on fxe (422)", async () => {
    expectError(await upload(url, alice, await seal(url, alice, bob, { toNumber: carol.faxNumbers[0]! })), 'to_number_not_recipient');
    expectError(await upload(url, alice, await seal(url, alice, bob, { toNumber: '+19999999998' })), 'to_number_not_covered');
    expectError(await upload(url, alice, await seal(url, alice, bob, { recipientOrgId: 'org_nobody' })), 'unknown_recipient_org');
  });

  it('refuses an envelope with no wrapped key for an active recipient bundle (422)', async () => {
    const sealed = await seal(url, alice, bob);
    const tampered = sealed.envelopeText.replaceAll(bob.bundleId, 'kb_someone_else');
    expectError(await upload(url, alice, { envelopeText: tampered, ciphertext: sealed.ciphertext }), 'no_key_for_recipient');
  });

  it('refuses a tampered signature, a tampered ciphertext and a wrong size (422)', async () => {
    const sealed = await seal(url, alice, bob);
    const renamed = sealed.envelopeText.replace(JSON.stringify(alice.name), JSON.stringify('Mallory'));
    expect(renamed).not.toBe(sealed.envelopeText);
    expectError(await upload(url, alice, { envelopeText: renamed, ciphertext: sealed.ciphertext }), 'envelope_bad_signature');
    const sig = sealed.envelope.sender_sig;
    const flippedSig = sealed.envelopeText.replace(sig, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    expectError(await upload(url, alice, { envelopeText: flippedSig, ciphertext: sealed.ciphertext }), 'envelope_bad_signature');
    const flipped = new Uint8Array(sealed.ciphertext);
    flipped[30] = flipped[30]! ^ 1;
    expectError(await upload(url, alice, { envelopeText: sealed.envelopeText, ciphertext: flipped }), 'ciphertext_hash_mismatch');
    const longer = new Uint8Array([...sealed.ciphertext, 0]);
    expectError(await upload(url, alice, { envelopeText: sealed.envelopeText, ciphertext: longer }), 'size_mismatch');
  });

  it('refuses a malformed envelope (422)', async () => {
    const sealed = await seal(url, alice, bob);
    expectError(await upload(url, alice, { envelopeText: '{not json', ciphertext: sealed.ciphertext }), 'malformed_envelope');
    const noSize = sealed.envelopeText.replace(/"size": \d+, /, '');
    expectError(await upload(url, alice, { envelopeText: noSize, ciphertext: sealed.ciphertext }), 'malformed_envelope');
    const badId = sealed.envelopeText.replaceAll(sealed.envelope.message_id, '../../etc/passwd');
    expectError(await upload(url, alice, { envelopeText: badId, ciphertext: sealed.ciphertext }), 'malformed_envelope');
    const otherSuite = sealed.envelopeText.replace('fxe-v1-mlkem768-x25519-xchacha20', 'fxe-v0');
    expectError(await upload(url, alice, { envelopeText: otherSuite, ciphertext: sealed.ciphertext }), 'unsupported_suite');
  });

  it('refuses malformed multipart (422)', async () => {
    const sealed = await seal(url, alice, bob);
    const post = (body: string | Uint8Array, contentType: string) => call(url, alice, 'POST', UPLOAD_PATH, { body, contentType });
    expectError(await post('hello', 'text/plain'), 'malformed_multipart');
    expectError(await post('garbage without boundaries', 'multipart/form-data; boundary=xyz'), 'malformed_multipart');
    expectError(await post('--xyz\r\nContent-Disposition: form-data; name="envelope"\r\n\r\n{}\r\n--xyz', 'multipart/form-data; boundary=xyz'), 'malformed_multipart');
    const onlyEnvelope = `--xyz\r\nContent-Disposition: form-data; name="envelope"\r\nContent-Type: application/json\r\n\r\n${sealed.envelopeText}\r\n--xyz--\r\n`;
    expectError(await post(onlyEnvelope, 'multipart/form-data; boundary=xyz'), 'malformed_multipart');
    const { body, contentType } = seedMultipart(sealed.envelopeText, sealed.ciphertext);
    const withExtraPart = Buffer.from(body).toString('latin1').replace(/--(----fxe[0-9a-f]+)--\r\n$/, '--$1\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--$1--\r\n');
    expectError(await post(new Uint8Array(Buffer.from(withExtraPart, 'latin1')), contentType), 'malformed_multipart');
    // A refused upload leaves nothing behind, even when it was refused while its file was opening.
    expect(readdirSync(join(dataDir, 'incoming'))).toEqual([]);
  });

  it('refuses a duplicate message_id (409)', async () => {
    const sealed = await seal(url, alice, bob);
    expect((await upload(url, alice, sealed)).status).toBe(201);
    expectError(await upload(url, alice, sealed), 'duplicate_message');
  });

  it('refuses an oversize upload while streaming it (413), storing nothing', async () => {
    const sealed = await seal(url, alice, bob);
    const boundary = 'big';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="envelope"\r\nContent-Type: application/json\r\n\r\n${sealed.envelopeText}\r\n--${boundary}\r\nContent-Disposition: form-data; name="ciphertext"; filename="ct.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    // 64 MiB beyond the cap: if the relay kept reading, the whole body would go out.
    const total = MAX_CIPHERTEXT_BYTES + 64 * 1024 * 1024;
    const body = Readable.from(
      (async function* () {
        yield Buffer.from(head);
        for await (const chunk of repeatedBytes(total)) yield chunk as Buffer;
        yield Buffer.from(`\r\n--${boundary}--\r\n`);
      })(),
    );
    const authorization = signRequest({ method: 'POST', path: UPLOAD_PATH, body: new Uint8Array(0), keyId: alice.keyId, signingSeed: alice.keys.signingSeed, nowSeconds: clock.now() });
    const res = await streamRequest({ url: url + UPLOAD_PATH, method: 'POST', headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(res.status).toBe(413);
    expect(res.json['error']).toBe('too_large');
    // It stopped reading: far less than the whole body went out before the answer.
    expect(res.bytesSent()).toBeLessThan(total);
    expect(readdirSync(join(dataDir, 'incoming'))).toEqual([]);
    expect(existsSync(join(dataDir, 'messages', `${sealed.envelope.message_id}.ct`))).toBe(false);
    expectError(await call(url, bob, 'GET', statusPath(sealed.envelope.message_id)), 'message_not_found');
  });

  it('refuses a declared Content-Length over the cap before reading (413)', async () => {
    const authorization = signRequest({ method: 'POST', path: UPLOAD_PATH, body: new Uint8Array(0), keyId: alice.keyId, signingSeed: alice.keys.signingSeed, nowSeconds: clock.now() });
    const res = await streamRequest({
      url: url + UPLOAD_PATH,
      method: 'POST',
      headers: { authorization, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(MAX_CIPHERTEXT_BYTES * 2) },
      body: repeatedBytes(4 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
  });

  it('checks the upload signature over the whole streamed body (401)', async () => {
    const sealed = await seal(url, alice, bob);
    const { body, contentType } = seedMultipart(sealed.envelopeText, sealed.ciphertext);
    const authorization = signRequest({ method: 'POST', path: UPLOAD_PATH, body: body.subarray(0, body.length - 1), keyId: alice.keyId, signingSeed: alice.keys.signingSeed, nowSeconds: clock.now() });
    expectError(await call(url, alice, 'POST', UPLOAD_PATH, { body, contentType, authorization }), 'bad_signature');
    expectError(await call(url, bob, 'GET', statusPath(sealed.envelope.message_id)), 'message_not_found');
  });
});

describe('fetch, receipts and status', () => {
  let sealed: Awaited<ReturnType<typeof seal>>;
  let id: string;
  beforeAll(async () => {
    sealed = await seal(url, alice, bob);
    id = sealed.envelope.message_id;
    expect((await upload(url, alice, sealed)).status).toBe(201);
  });
  const receiptFor = (opts: { seed?: Uint8Array; signedAt?: number; hash?: string } = {}) =>
    signReceipt({
      messageId: id,
      ciphertextSha256: opts.hash ?? sealed.envelope.ciphertext_sha256,
      recipientOrgId: bob.orgId,
      recipientBundleId: bob.bundleId,
      bundleSeed: opts.seed ?? bob.keys.bundleSeed,
      signedAt: opts.signedAt ?? clock.now(),
    });

  it('404 for an unknown message on every message endpoint', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectError(await call(url, bob, 'GET', messagePath(unknown)), 'message_not_found');
    expectError(await call(url, bob, 'GET', ciphertextPath(unknown)), 'message_not_found');
    expectError(await call(url, bob, 'GET', statusPath(unknown)), 'message_not_found');
    expectError(await call(url, bob, 'POST', receiptPath(unknown), { body: JSON.stringify(receiptFor()) }), 'message_not_found');
  });

  it("403 when another org fetches the message (the sender included)", async () => {
    expectError(await call(url, carol, 'GET', messagePath(id)), 'not_recipient');
    expectError(await call(url, alice, 'GET', messagePath(id)), 'not_recipient');
    expectError(await call(url, carol, 'GET', ciphertextPath(id)), 'not_recipient');
    expectError(await call(url, carol, 'GET', envelopePath(id)), 'not_recipient');
    expectError(await call(url, carol, 'GET', statusPath(id)), 'not_party');
    expectError(await call(url, carol, 'POST', receiptPath(id), { body: JSON.stringify(receiptFor()) }), 'not_recipient');
  });

  it('refuses a forged receipt (403) and a mismatched one (422), keeping the message', async () => {
    expectError(await call(url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receiptFor({ seed: carol.keys.bundleSeed })) }), 'receipt_forged');
    expectError(await call(url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receiptFor({ hash: 'ab'.repeat(32) })) }), 'receipt_mismatch');
    expectError(await call(url, bob, 'POST', receiptPath(id), { body: '{"message_id": 1}' }), 'malformed_request');
    expect((await call(url, bob, 'GET', messagePath(id))).status).toBe(200);
  });

  it('accepts the receipt, deletes the ciphertext, shows it to the sender; a repeat is harmless, a second differs → 409', async () => {
    const receipt = receiptFor();
    const first = await call(url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receipt) });
    expect(first.status).toBe(200);
    expect(first.json['status']).toBe('delivered');
    expect(existsSync(join(dataDir, 'messages', `${id}.ct`))).toBe(false);
    const again = await call(url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receipt) });
    expect(again.status).toBe(200);
    expect(again.json['delivered_at']).toBe(first.json['delivered_at']);
    expectError(await call(url, bob, 'POST', receiptPath(id), { body: JSON.stringify(receiptFor({ signedAt: clock.now() + 5 })) }), 'receipt_conflict');
    expectError(await call(url, bob, 'GET', messagePath(id)), 'message_delivered');

    const status = (await call(url, alice, 'GET', statusPath(id))).json as unknown as MessageStatusResponse;
    expect(status.status).toBe('delivered');
    expect(status.receipt).toEqual(receipt);
    const bundle = await call(url, alice, 'GET', keyBundlePath(status.receipt!.recipient_bundle_id));
    verifyReceipt(status.receipt!, { recipientOrgId: status.recipient_org_id, recipientBundleEd25519Pub: b64uDecode(bundle.json['ed25519_pub'] as string) });
    const pending = (await call(url, bob, 'GET', pendingPath())).json as unknown as PendingListResponse;
    expect(pending.messages.map((m) => m.message_id)).not.toContain(id);
  });
});

describe('polling list', () => {
  it('pages with a cursor, oldest first, and validates its parameters', async () => {
    const erin = await makeOrg(url, 'Erin Inbox');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sealed = await seal(url, alice, erin);
      expect((await upload(url, alice, sealed)).status).toBe(201);
      ids.push(sealed.envelope.message_id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res = (await call(url, erin, 'GET', pendingPath({ after, limit: 2 }))).json as unknown as PendingListResponse;
      seen.push(...res.messages.map((m) => m.message_id));
      after = res.next_cursor;
      if (after === null) break;
    }
    expect(seen).toEqual(ids);
    expectError(await call(url, erin, 'GET', '/v1/messages?status=all'), 'malformed_request');
    expectError(await call(url, erin, 'GET', pendingPath({ limit: 501 })), 'malformed_request');
    expectError(await call(url, erin, 'GET', '/v1/messages?status=pending&after=abc'), 'malformed_request');
  });
});

describe('redeem and invites', () => {
  const redeemWith = async (token: string, numbers = [freshNumber()]) => {
    const body = buildRedeemRequest({ inviteToken: token, orgName: 'New Org', faxNumbers: numbers, keys: generateKeyMaterial() });
    const res = await fetch(url + REDEEM_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('redeems once; the keys work; a reused invite is refused (409)', async () => {
    const token = await devInvite(url);
    const first = await redeemWith(token);
    expect(first.status).toBe(201);
    expect(first.json['relay']).toBe(url);
    expectError(await redeemWith(token), 'invite_used');
  });

  it('refuses an expired invite (410) and an unknown one (403)', async () => {
    const { token } = await relay.mintInvite({ ttlSeconds: 60 });
    clock.offset += 61;
    try {
      expectError(await redeemWith(token), 'invite_expired');
    } finally {
      clock.offset -= 61;
    }
    expectError(await redeemWith('inv_not_a_real_token'), 'invite_invalid');
  });

  it('refuses taken numbers, bad numbers and an unsigned bundle without consuming the invite', async () => {
    const token = await devInvite(url);
    expectError(await redeemWith(token, [alice.faxNumbers[0]!]), 'number_taken');
    expectError(await redeemWith(token, ['555-1234']), 'malformed_fax_number');
    const body = buildRedeemRequest({ inviteToken: token, orgName: 'X', faxNumbers: [freshNumber()], keys: generateKeyMaterial() });
    body.bundle_sig = signBundle(body.bundle, carol.keys.signingSeed);
    const res = await fetch(url + REDEEM_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toBe('bundle_signature_invalid');
    expect((await redeemWith(token)).status).toBe(201);
  });

  it('answers /v1/orgs/me for the new org', async () => {
    const me = await call(url, alice, 'GET', ORG_ME_PATH);
    expect(me.json['org_id']).toBe(alice.orgId);
    expect(me.json['fax_numbers']).toEqual(alice.faxNumbers);
  });
});

describe('errors', () => {
  it('answers unknown routes and methods with JSON codes', async () => {
    expectError(await call(url, alice, 'GET', '/v2/nothing'), 'not_found');
    expectError(await call(url, alice, 'PUT', lookupPath(bob.faxNumbers[0]!)), 'method_not_allowed');
    const health = await fetch(`${url}/v1/health`);
    expect(((await health.json()) as LookupResponse & { ok: boolean }).ok).toBe(true);
  });
});
