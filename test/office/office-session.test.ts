// The desk-facing API (OfficeSession) end to end against the real relay and a private
// PostgreSQL: two desks, one sends through the shared outbox, one receives with a desk
// ReceivePipeline built on the session's sink, and each sees the other's changes live.
import { asOrgId } from '../../shared/domain/ids.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import type { OfficeChange } from '../../electron/services/office/change-feed.ts';
import { openOfficeSession, type OfficeSession } from '../../electron/services/office/office-session.ts';
import { ReceivePipeline } from '../../electron/services/receiver/pipeline.ts';
import { Poller } from '../../electron/services/receiver/poller.ts';
import { makePdf, startTestRelay, tempDir, waitFor, type TestRelay } from '../services/helpers.ts';
import { relayMessages, sendFaxes } from './office-scene.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';
import { readFileSync } from 'node:fs';

let server: PrivatePostgres;
let relay: TestRelay;
const dirs: { path: string; remove(): void }[] = [];
const opened: CliServices[] = [];

async function cli(keysPath: string, label: string): Promise<CliServices> {
  const d = tempDir(`office-${label}`);
  dirs.push(d);
  const c = await openCliServices({ keysPath, stateDir: d.path, log: () => undefined });
  opened.push(c);
  return c;
}

beforeAll(async () => { [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]); });
afterAll(async () => {
  for (const c of opened) await c.close();
  await relay?.close();
  server?.destroy();
  for (const d of dirs) d.remove();
});

describe('OfficeSession', () => {
  it('two desks: send through the shared outbox, receive as leader, see each other\'s changes live, leave', async () => {
    const org = relay.orgs[1]!;
    const keys = await readKeysZip(new Uint8Array(readFileSync(org.keysZipPath)));
    const outside = await cli(relay.orgs[0]!.keysZipPath, 'outside');
    const sessions: OfficeSession[] = [];
    const changes: OfficeChange[][] = [[], []];
    for (const [i, name] of (['front', 'back'] as const).entries()) {
      const lane = await cli(org.keysZipPath, name);
      const s = await openOfficeSession({
        url: server.url, orgId: asOrgId(keys.credentials.org_id), signingSeed: keys.signingSeed,
        desk: { deskId: `desk-${name}`, deskName: name, person: name === 'front' ? 'Ann' : 'Bob' },
        lane: { ...lane.s, backend: createNodeBackend() },
      });
      s.onChange((cs) => changes[i]!.push(...cs));
      sessions.push(s);
      // The desk's own pipeline, storing into the office while this desk leads.
      const incomingDir = join(lane.stateDir, 'office-incoming');
      mkdirSync(incomingDir, { recursive: true });
      const pipeline = new ReceivePipeline({ ...lane.s, backend: createNodeBackend(), nowMs: Date.now, emit: () => undefined, sink: s.receiveSink, incomingDir });
      const poller = new Poller({ orgIds: () => [lane.orgId], clients: lane.s.clients, pipeline, intervalMs: () => 60_000 });
      s.startReceiving(() => poller.pollOnce(), { intervalMs: 200 });
    }
    const [front, back] = sessions as [OfficeSession, OfficeSession];
    try {
      expect(front.connected && back.connected).toBe(true);
      const { id } = await front.send({ orgId: asOrgId(keys.credentials.org_id), to: relay.orgs[0]!.faxNumbers[0]!, from: org.faxNumbers[0]!, fileName: 'referral.pdf', pdf: makePdf(2), pages: 2 });
      await waitFor('the fax on the relay', () => relayMessages(join(relay.dir.path, 'data')).some((m) => m.message_id === id));
      await waitFor('back seeing it sent', async () => (await back.inbox.detail(id)).state === 'sent');
      expect(changes[1]!.some((c) => c.kind === 'outbox' && c.key === id)).toBe(true);

      const incoming = await sendFaxes(outside, org.faxNumbers[0]!, 2);
      await waitFor('both faxes received by whichever desk leads', async () => (await front.inbox.list({ folder: 'inbox' })).length === 2);
      expect([front.isReceiving, back.isReceiving].filter(Boolean)).toHaveLength(1);
      await waitFor('front hearing of them', () => incoming.every((m) => changes[0]!.some((c) => c.kind === 'faxes' && c.key === m && c.op === 'insert')));
      await back.inbox.assign(incoming[0]!, 'Bob');
      await waitFor('front hearing of the assignment', () => changes[0]!.some((c) => c.kind === 'faxes' && c.key === incoming[0] && c.op === 'update'));
      expect((await front.inbox.detail(incoming[0]!)).assignedTo).toBe('Bob');
      await back.leave();
      expect((await front.inbox.desks()).find((d) => d.name === 'back')?.left).toBe(true);
    } finally {
      for (const s of sessions) await s.close().catch(() => undefined);
    }
  });
});
