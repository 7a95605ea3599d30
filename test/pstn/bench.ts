/**
 * PSTN figures (printed, never asserted): webhook verifications per second for each scheme,
 * and send + status round trips against the local stand-ins on 127.0.0.1.
 * Run: node test/pstn/bench.ts   (or from test/bench/run.ts via `export { run }`).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createPstnProvider, type PstnProvider, type WebhookHeaders } from '../../electron/services/pstn/provider.ts';
import { fakePdf } from './helpers.ts';
import { MAGIC } from './standins/common.ts';
import { MINTFAX_SANDBOX_SECRET, startMintfaxStandIn } from './standins/mintfax.ts';
import { startTelnyxStandIn } from './standins/telnyx.ts';

function perSecond(label: string, iterations: number, fn: () => void): void {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(44)} ${Math.round((iterations / ms) * 1000).toLocaleString('en-US').padStart(9)} /s   (${(ms / iterations * 1000).toFixed(1)} µs each)`);
}

async function roundTrips(label: string, provider: PstnProvider, count: number): Promise<void> {
  const pdf = fakePdf(50_000);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const sent = await provider.send({ fileName: 'b.pdf', pdf }, MAGIC.success, '+12125550100', { idempotencyKey: `bench-${label}-${i}` });
    await provider.status(sent.providerFaxId);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(44)} ${(ms / count).toFixed(2).padStart(9)} ms per send + status (50 kB PDF, ${count} runs)`);
}

export async function run(): Promise<void> {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ data: { event_type: 'fax.delivered', id: 'e1', payload: { fax_id: 'f1', status: 'delivered' } } });
  const bodyBytes = enc(body);
  const noFetch = (): Promise<Response> => Promise.reject(new Error('unused'));

  const { secretKey, publicKey } = ed25519.keygen();
  const telnyx = createPstnProvider(
    { provider: 'telnyx', apiKey: 'k', connectionId: 'c', webhookPublicKey: Buffer.from(publicKey).toString('base64'), webhookHmacSecret: 's3cret' },
    { fetch: noFetch, nowSeconds: () => now },
  );
  const edHeaders: WebhookHeaders = {
    'telnyx-signature-ed25519': Buffer.from(ed25519.sign(enc(`${now}|${body}`), secretKey)).toString('base64'),
    'telnyx-timestamp': String(now),
  };
  const hmacHeaders: WebhookHeaders = { 'x-telnyx-signature': `t=${now},h=${createHmac('sha256', 's3cret').update(`${now}.${body}`).digest('base64')}` };
  perSecond('verify Telnyx Ed25519 webhook', 5000, () => telnyx.verifyWebhook(edHeaders, bodyBytes));
  perSecond('verify Telnyx HMAC webhook (seed 002)', 20000, () => telnyx.verifyWebhook(hmacHeaders, bodyBytes));

  const mfBody = JSON.stringify({ event: 'fax.delivered', event_id: 'evt_1', data: { id: 'fax_1', status: 'delivered' } });
  const mfBytes = enc(mfBody);
  const mintfax = createPstnProvider(
    { provider: 'mintfax', apiKey: 'k', webhookSecret: 'whsec_new_one', previousWebhookSecret: MINTFAX_SANDBOX_SECRET },
    { fetch: noFetch, nowSeconds: () => now },
  );
  const legacyOld: WebhookHeaders = {
    'x-mintfax-signature': createHmac('sha256', MINTFAX_SANDBOX_SECRET).update(`${now}.${mfBody}`).digest('hex'),
    'x-mintfax-timestamp': String(now),
  };
  const sw: WebhookHeaders = {
    'webhook-id': 'evt_1',
    'webhook-timestamp': String(now),
    'webhook-signature': `v1,${createHmac('sha256', 'whsec_new_one').update(`evt_1.${now}.${mfBody}`).digest('base64')}`,
  };
  perSecond('verify mintfax seed-001 (old secret, 2 tries)', 20000, () => mintfax.verifyWebhook(legacyOld, mfBytes));
  perSecond('verify mintfax Standard Webhooks', 20000, () => mintfax.verifyWebhook(sw, mfBytes));

  const mStandIn = await startMintfaxStandIn();
  const tStandIn = await startTelnyxStandIn();
  try {
    await roundTrips('mintfax stand-in, 127.0.0.1', createPstnProvider({ provider: 'mintfax', apiKey: mStandIn.apiKey, baseUrl: mStandIn.url }, { fetch }), 50);
    await roundTrips(
      'Telnyx stand-in (upload + fax), 127.0.0.1',
      createPstnProvider({ provider: 'telnyx', apiKey: tStandIn.apiKey, connectionId: tStandIn.connectionId, baseUrl: tStandIn.url }, { fetch }),
      50,
    );
  } finally {
    await mStandIn.close();
    await tStandIn.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
