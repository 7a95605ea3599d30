// Deleting a queued office fax stops it, also while another desk is uploading it: desk A is in
// the middle of uploading a large fax to the real local relay (the bytes held up by a paused
// TCP proxy, as on a slow line), desk B moves it to the Trash; A hears it through the change
// feed, cuts the upload off and gives its claim back, and the fax never reaches the relay.
// Restored, it goes, once. Then the same at two desks of the app (the window's IPC calls):
// whichever desk is uploading, a delete on either stops it.
import { asFaxId, asOrgId, type FaxId } from '../../shared/domain/ids.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { openCliServices, type CliServices } from '../../electron/services/cli/cli-services.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import { openOfficeSession, type OfficeSession } from '../../electron/services/office/office-session.ts';
import { makePdf, startTestRelay, tempDir, waitFor, type TestRelay } from '../services/helpers.ts';
import { officeOfTwo } from './desk-pair.ts';
import { relayMessages } from './office-scene.ts';
import { startPausableProxy, type PausableProxy } from './pausable-proxy.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

let server: PrivatePostgres;
let relay: TestRelay;
let proxy: PausableProxy;
let admin: pg.Client;
const dirs: { path: string; remove(): void }[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]);
  proxy = await startPausableProxy(relay.relay.port);
  admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await proxy?.close();
  await relay?.close();
  server?.destroy();
  for (const d of dirs) d.remove();
});

/** One desk of the office (Harbor Pharmacy's); `viaProxy`: its relay traffic goes through the pausable proxy. */
async function desk(name: string, viaProxy: boolean): Promise<{ lane: CliServices; session: OfficeSession }> {
  const org = relay.orgs[1]!;
  const keys = await readKeysZip(new Uint8Array(readFileSync(org.keysZipPath)));
  const d = tempDir(`office-${name}`);
  dirs.push(d);
  const direct = new URL(relay.relay.url).origin;
  const lane = await openCliServices({
    keysPath: org.keysZipPath, stateDir: d.path, log: () => undefined,
    ...(viaProxy ? { fetch: (u: string, i?: RequestInit) => fetch(u.startsWith(direct) ? `http://127.0.0.1:${proxy.port}${u.slice(direct.length)}` : u, i) } : {}),
  });
  closers.push(() => lane.close());
  const session = await openOfficeSession({
    url: server.url, orgId: asOrgId(keys.credentials.org_id), signingSeed: keys.signingSeed,
    desk: { deskId: `desk-${name}`, deskName: name, person: name }, lane: { ...lane.s, backend: createNodeBackend() },
    // Only A uploads in this test.
    sendFromOutbox: viaProxy,
  });
  closers.push(() => session.close());
  return { lane, session };
}

const row = async (id: FaxId) => (await admin.query<{ state: string; deleted: boolean; claimed_by: string | null; done: boolean }>(
  'SELECT f.state, f.deleted_at IS NOT NULL AS deleted, o.claimed_by, o.done FROM fxe.faxes f JOIN fxe.outbox o ON o.fax_id = f.id WHERE f.id = $1', [id])).rows[0]!;
const atRelay = (id: FaxId) => relayMessages(join(relay.dir.path, 'data')).filter((m) => m.message_id === id);

describe('an office upload and the Trash', () => {
  it('another desk deletes the fax mid-upload: the upload is stopped, the claim given back, nothing reaches the relay; restored, it goes once', async () => {
    const a = await desk('front', true);
    const b = await desk('back', false);
    // A slow line between desk A and the relay: A's bytes wait in the proxy.
    proxy.pause();
    const { id } = await b.session.send({ orgId: b.lane.orgId, to: relay.orgs[0]!.faxNumbers[0]!, from: relay.orgs[1]!.faxNumbers[0]!, fileName: 'imaging-report.pdf', pdf: makePdf(4, 3_000_000) });
    await waitFor('desk A uploading it', async () => {
      const r = await row(id);
      return r.state === 'uploading' && r.claimed_by === 'desk-front';
    }, 30_000);

    await b.session.inbox.delete([asFaxId(id)]);
    // A stops and gives the claim back; the fax waits in the Trash, queued, as it was.
    await waitFor('the upload stopped and the claim given back', async () => {
      const r = await row(id);
      return r.claimed_by === null && r.state === 'queued' ? r : null;
    }, 30_000);
    expect(await row(id)).toEqual({ state: 'queued', deleted: true, claimed_by: null, done: false });
    proxy.resume();
    // Nothing of it at the relay, and no desk takes it from the Trash.
    await a.session.office.query('SELECT 1'); // a round trip on A after the resume
    expect(atRelay(id)).toEqual([]);
    const trail = await b.session.inbox.audit({ faxId: asFaxId(id) });
    expect(trail.map((e) => `${e.deskName}: ${e.action} ${e.detail}`)).toContain('front: send upload stopped: the fax was moved to the Trash');

    // Back from the Trash: desk A sends it, once.
    await b.session.inbox.restore([asFaxId(id)]);
    await waitFor('sent after the restore', async () => (await row(id)).done, 60_000);
    expect((await row(id)).state).toBe('sent');
    expect(atRelay(id)).toHaveLength(1);
  }, 120_000);

  it('two desks of the app: a delete on one stops the upload, whichever desk runs it; restored, it goes once', async () => {
    // Every upload of a fax to the relay waits at a gate (a slow line) unless the desk stops it.
    let open = false;
    const waiting = new Set<() => void>();
    const slowLine = (u: string, init?: RequestInit): Promise<Response> => {
      if (open || init?.method !== 'POST' || new URL(u).pathname !== '/v1/messages') return fetch(u, init);
      return new Promise<Response>((resolve, reject) => {
        const go = (): void => { waiting.delete(go); fetch(u, init).then(resolve, reject); };
        waiting.add(go);
        init.signal?.addEventListener('abort', () => { waiting.delete(go); reject(init.signal!.reason as Error); }, { once: true });
      });
    };
    const d = tempDir('office-desks-trash');
    dirs.push(d);
    const pgDb = 'desks';
    await admin.query(`CREATE DATABASE ${pgDb} OWNER fxe`);
    const { a, b, orgId } = await officeOfTwo(server.url.replace(/\/office$/, `/${pgDb}`), relay, d.path, { fetch: slowLine });
    closers.push(() => a.close(), () => b.close());
    const to = relay.orgs[1]!.faxNumbers[0]!;
    const { id } = await a.call('send.submit', { orgId, to, from: relay.orgs[0]!.faxNumbers[0]!, fileName: 'scan.pdf', pdf: makePdf(2, 2_000_000), coverPage: null, route: 'fxe' });
    await waitFor('a desk uploading it', () => waiting.size === 1, 30_000);
    await b.call('faxes.delete', { ids: [asFaxId(id)] });
    await waitFor('the upload stopped', () => waiting.size === 0, 30_000);
    const c = new pg.Client({ connectionString: server.adminUrl.replace(/\/office$/, `/${pgDb}`) });
    await c.connect();
    try {
      const claim = async () => (await c.query<{ claimed_by: string | null; state: string }>('SELECT o.claimed_by, f.state FROM fxe.outbox o JOIN fxe.faxes f ON f.id = o.fax_id WHERE f.id = $1', [id])).rows[0]!;
      await waitFor('the claim given back', async () => (await claim()).claimed_by === null, 30_000);
      expect((await claim()).state).toBe('queued');
      open = true;
      expect(atRelay(asFaxId(id))).toEqual([]);
      await a.call('trash.restore', { ids: [asFaxId(id)] });
      await waitFor('sent after the restore', async () => (await b.call('faxes.get', { id: asFaxId(id) })).state === 'sent', 60_000);
      expect(atRelay(asFaxId(id))).toHaveLength(1);
    } finally {
      await c.end();
    }
  }, 120_000);
});
