// `fxe-desk serve --office` in webhook mode, two receivers behind one office: only the one
// that leads takes a delivery (and processes it); the other checks the signature and answers
// 503 with Retry-After, so the relay delivers again rather than to a receiver that will not
// store the fax. When the leader quits, the other leads and takes deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { WEBHOOK_HEADERS } from '../../shared/fxe-api/types.ts';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { freePort, startTestRelay, tempDir, waitFor, type TestRelay } from '../services/helpers.ts';
import { startServe, stopChild, type Child } from './children.ts';
import { sendFaxes } from './office-scene.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const SECRET = 'whsec_office_test';
const te = new TextEncoder();

describe('serve --office in webhook mode', () => {
  let server: PrivatePostgres;
  let relay: TestRelay;
  let outside: CliServices;
  const dirs = [tempDir('office-webhook-a'), tempDir('office-webhook-b'), tempDir('office-webhook-out')];
  const children: Child[] = [];

  beforeAll(async () => {
    [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]);
    outside = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: dirs[2]!.path, log: () => undefined });
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await outside?.close();
    await relay?.close();
    server?.destroy();
    for (const d of dirs) d.remove();
  });

  async function deliver(port: number, orgId: string, messageId: string, eventId: string): Promise<number> {
    const body = te.encode(JSON.stringify({ event_id: eventId, type: 'message.received', message_id: messageId }));
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`http://127.0.0.1:${port}/fxe-webhook/${orgId}`, {
      method: 'POST', body,
      headers: { [WEBHOOK_HEADERS.timestamp]: ts, [WEBHOOK_HEADERS.signature]: webhookSignatureHeader({ secrets: [te.encode(SECRET)], timestamp: ts, body }), [WEBHOOK_HEADERS.eventId]: eventId, [WEBHOOK_HEADERS.eventType]: 'message.received' },
    });
    if (res.status === 503) expect(res.headers.get('retry-after')).toBeTruthy();
    await res.arrayBuffer();
    return res.status;
  }

  it('only the leader takes deliveries; the other answers 503 until it leads', async () => {
    const office = relay.orgs[1]!;
    const ports = [await freePort(), await freePort()];
    const start = (i: number): Child => {
      // A poll once an hour: what gets stored here comes in through the webhook.
      const c = startServe(['--keys', office.keysZipPath, '--state', dirs[i]!.path, '--desk-name', `receiver ${i}`, '--interval', '3600',
        '--listen', String(ports[i]), '--webhook-secret', SECRET], { FXE_OFFICE_URL: server.url });
      children.push(c);
      return c;
    };
    const first = start(0);
    await first.waitLine((l) => l['leading'] === true, 60_000);
    const second = start(1);
    await waitFor('the second receiver listening', () => second.stderr.some((l) => l.startsWith('listening on')), 60_000);

    const [id] = await sendFaxes(outside, office.faxNumbers[0]!, 1);
    expect(await deliver(ports[1]!, office.orgId, id!, 'evt_1')).toBe(503);
    expect(second.lines.some((l) => l['stored'])).toBe(false);
    expect(await deliver(ports[0]!, office.orgId, id!, 'evt_1')).toBe(200);
    await first.waitLine((l) => l['stored'] === id, 30_000);

    await stopChild(first);
    await second.waitLine((l) => l['leading'] === true, 30_000);
    const [next] = await sendFaxes(outside, office.faxNumbers[0]!, 1);
    await waitFor('the new leader takes the delivery', async () => (await deliver(ports[1]!, office.orgId, next!, `evt_${Date.now()}`)) === 200, 30_000);
    await second.waitLine((l) => l['stored'] === next, 30_000);
    await stopChild(second);
  }, 180_000);
});
