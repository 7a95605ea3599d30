// A lying relay (a real proxy on 127.0.0.1 in front of the real relay) names faxes in its
// pending list with ids that are paths: `../…` (with a fax sealed under that id by a
// colluding sender, so it verifies), `../../…` (garbage, so it is rejected) and an absolute
// path. `receive` must write nothing outside --out, and still store the genuine fax.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { b64uEncode, envelopeToJson, readKeysZip, sealEnvelope, writeKeysZip } from '../../shared/protocol/index.ts';
import type { PendingListResponse } from '../../shared/fxe-api/types.ts';
import { outPath } from '../../electron/services/cli/out-dir-sink.ts';
import { makePdf, runCli, startTestRelay, type TestRelay } from './helpers.ts';
import { startTamperProxy, type TamperProxy } from './tamper-proxy.ts';

/** Each CLI run is a fresh Node process that loads the services: slow on a busy machine. */
const CLI_TEST_TIMEOUT_MS = 180_000;

describe('fxe-desk receive from a relay that names faxes with paths', () => {
  let relay: TestRelay;
  let proxy: TamperProxy;

  beforeAll(async () => {
    relay = await startTestRelay();
    proxy = await startTamperProxy(relay.relay.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await relay?.close();
  });

  it('writes nothing outside --out for `../` and absolute ids, and stores the genuine fax', async () => {
    const base = relay.dir.path;
    const northside = await readKeysZip(new Uint8Array(readFileSync(relay.orgs[0]!.keysZipPath)));
    const harbor = await readKeysZip(new Uint8Array(readFileSync(relay.orgs[1]!.keysZipPath)));
    // Harbor's keys.zip, pointed at the lying relay.
    const harborViaProxy = join(base, 'harbor-via-proxy.zip');
    writeFileSync(harborViaProxy, await writeKeysZip({ ...harbor, credentials: { ...harbor.credentials, relay: proxy.url } }));

    const pdfFile = join(base, 'genuine.pdf');
    writeFileSync(pdfFile, makePdf(1, 1_000));
    const sent = await runCli(['send', '--keys', relay.orgs[0]!.keysZipPath, '--to', '+15552220002', '--from', '+15551110001', pdfFile]);
    expect(sent.code).toBe(0);
    const genuineId = sent.stdout.trim();

    // A fax the sender sealed under a path-like id: every signature on it checks out.
    const escapeId = '../escaped-by-relay';
    const forged = await sealEnvelope({
      plaintext: makePdf(1), senderOrgId: northside.credentials.org_id, senderBundleId: northside.credentials.bundle_id, senderBundleSeed: northside.bundleSeed,
      recipientOrgId: harbor.credentials.org_id,
      recipientBundles: [{ bundle_id: harbor.credentials.bundle_id, ml_kem_pub: b64uEncode(harbor.mlkemPublic), x25519_pub: b64uEncode(harbor.x25519Public) }],
      fromNumber: '+15551110001', fromName: null, toNumber: '+15552220002', metadata: { filename: 'x.pdf', content_type: 'application/pdf' },
      createdAt: Math.floor(Date.now() / 1000), messageId: escapeId,
    });
    const forgedBody = `{"envelope":${envelopeToJson(forged.envelope)},"ciphertext":"${b64uEncode(forged.ciphertext)}"}`;
    const absoluteId = join(base, 'absolute-by-relay');
    const garbageId = '../../rejected-by-relay';
    const lies = [garbageId, escapeId, absoluteId];

    proxy.rewrite = (req, status, body) => {
      if (req.method === 'GET' && req.path.startsWith('/v1/messages?') && status === 200) {
        const list = JSON.parse(body.toString()) as PendingListResponse;
        const like = list.messages[0]!;
        return { body: JSON.stringify({ ...list, messages: [...lies.map((message_id) => ({ ...like, message_id })), ...list.messages] }) };
      }
      const id = decodeURIComponent(req.path.replace(/^\/v1\/messages\//, '').replace(/\/(ciphertext|envelope|receipt)$/, ''));
      if (id === escapeId) return { status: 200, body: forgedBody };
      if (lies.includes(id)) return { status: 200, body: '{"envelope":{"message_id":"nonsense"},"ciphertext":"AAAA"}' };
      return null;
    };

    // Deep enough that every `../` the relay tries still lands in this test's own folder.
    const out = join(base, 'deep', 'er', 'inbox');
    const received = await runCli(['receive', '--keys', harborViaProxy, '--out', out, '--once']);
    proxy.rewrite = null;

    const outside = readdirSync(base, { recursive: true, encoding: 'utf8' }).filter((f) => /by-relay/.test(f));
    expect(outside).toEqual([]);
    expect(existsSync(`${absoluteId}.pdf`) || existsSync(`${absoluteId}.rejected`)).toBe(false);
    expect(readdirSync(out).sort()).toEqual([`${genuineId}.json`, `${genuineId}.pdf`]);
    expect(received.code).toBe(0);
    expect(received.stderr).toMatch(/3 rejected/);
  }, CLI_TEST_TIMEOUT_MS);
});

describe('the --out path of a message id', () => {
  it('is directly inside the folder for a real id, and refused for anything else', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(outPath('/srv/fax/in', id, '.pdf')).toBe(`/srv/fax/in/${id}.pdf`);
    for (const bad of ['../x', '/etc/passwd', `${id}/../../x`, `sub/${id}`, '', '..', id.toUpperCase(), `${id}\u0000`]) {
      expect(() => outPath('/srv/fax/in', bad, '.json')).toThrow(/impossible id/);
    }
  });
});
