// Provider webhooks into the PSTN lane (PstnOutbox.handleWebhook): with status polling pushed
// ten minutes out, only the mintfax stand-in's signed events can move the fax to delivered.
// A copy of an event is acknowledged without acting; a forged one is refused with 401.
// The listener here is a plain 127.0.0.1 server standing where the desk's listener path goes.
import type { OrgId } from '../../shared/domain/ids.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices, type DeskServices } from '../../electron/services/desk-services.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { importKeysZipBytes } from '../../electron/services/vault/onboarding.ts';
import { MINTFAX_SANDBOX_SECRET, startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { makePdf, startTestRelay, tempDir, waitFor, type TestRelay } from './helpers.ts';
import { UNCOVERED } from './pstn-helpers.ts';

describe('PSTN provider webhooks', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let s: DeskServices;
  let mintfax: MintfaxStandIn;
  let listener: Server;
  const answers: number[] = [];
  let orgId: OrgId;

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('pstn-webhooks');
    s = await openServices({
      dataDir: join(dirs.path, 'desk'), keychain: createMemoryKeychain(), fetch: (i, init) => fetch(i, init), nowMs: Date.now,
      emit: () => undefined, log: () => undefined, timings: { pstnPollBaseMs: 10 * 60_000 },
    });
    orgId = (await importKeysZipBytes(s, new Uint8Array(readFileSync(relay.orgs[0]!.keysZipPath)))).orgId;
    listener = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { httpStatus } = s.pstn.handleWebhook('mintfax', req.headers, new Uint8Array(Buffer.concat(chunks)));
        answers.push(httpStatus);
        res.writeHead(httpStatus).end();
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/pstn/mintfax`;
    mintfax = await startMintfaxStandIn({ webhookUrl: hook, duplicateDeliveries: true });
    s.pstn.configure({ provider: 'mintfax', fromNumber: '+15551119999', credentials: { apiKey: mintfax.apiKey, baseUrl: mintfax.url, webhookSecret: MINTFAX_SANDBOX_SECRET } });
  });

  afterAll(async () => {
    await s?.close();
    await mintfax?.close();
    await new Promise<void>((r) => (listener ? listener.close(() => r()) : r()));
    await relay?.close();
    dirs?.remove();
  });

  it('signed events move the fax to delivered; copies are acknowledged without acting', async () => {
    const { id } = await s.outbox.submit({ orgId, to: UNCOVERED.success, from: '+15551110001', fileName: 'hook.pdf', pdf: makePdf(1, 400), route: 'pstn' });
    const fax = await waitFor('delivered by webhook', () => {
      const f = s.faxes.detail(id);
      return f.state === 'delivered' ? f : null;
    });
    expect(fax.pstn).toMatchObject({ provider: 'mintfax', status: 'delivered' });
    await mintfax.settled();
    // queued, sending, delivered, each delivered twice: every copy got 200, polling never ran.
    expect(answers.length).toBeGreaterThanOrEqual(6);
    expect(answers.every((a) => a === 200)).toBe(true);
    expect(mintfax.requests.filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('a forged event is refused with 401 and changes nothing', async () => {
    const genuine = mintfax.sent.at(-1)!;
    const forged = genuine.body.replace('"delivered"', '"failed"');
    const res = s.pstn.handleWebhook('mintfax', genuine.headers, new TextEncoder().encode(forged));
    expect(res).toEqual({ httpStatus: 401, kind: 'rejected' });
    expect(s.pstn.handleWebhook('telnyx', genuine.headers, new TextEncoder().encode(genuine.body)).httpStatus).toBe(404);
  });
});
