// A desk of the office as its own process, for the fault tests (they SIGKILL it):
//   node --experimental-strip-types test/office/desk-driver.ts '<json options>'
// It joins the office, takes part in receiving (leadership), follows the change feed, and in
// "send" mode queues faxes to the shared outbox and sends from it. One JSON object per line
// on stdout says what happened; on SIGTERM it leaves cleanly and prints its view of the inbox.
import type { FaxId } from '../../shared/domain/ids.ts';
import { OfficeInbox } from '../../electron/services/office/office-inbox.ts';
import { enqueueOfficeSend, OfficeOutboxSender } from '../../electron/services/office/office-outbox.ts';
import { OfficeReceiver } from '../../electron/services/office/office-receiver.ts';
import { ChangeFeed } from '../../electron/services/office/change-feed.ts';
import { makePdf } from '../services/helpers.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import { openOfficeLane } from './office-scene.ts';

interface DriverOptions {
  url: string;
  keysZipPath: string;
  stateDir: string;
  deskName: string;
  receive?: boolean;
  send?: { count: number; to: string; from: string };
  leaseMs?: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as DriverOptions;
const say = (x: object): void => { process.stdout.write(`${JSON.stringify(x)}\n`); };

const lane = await openOfficeLane({ keysZipPath: o.keysZipPath, stateDir: o.stateDir, url: o.url, deskName: o.deskName, sink: { onStored: (_f, id) => say({ stored: id }) } });
const inbox = new OfficeInbox(lane.office);
let feedInserts = 0;
const feed = new ChangeFeed({ db: { url: o.url }, onChanges: (cs) => { for (const c of cs) if (c.kind === 'faxes' && c.op === 'insert') feedInserts++; } });
await feed.start();
const receiver = o.receive ? new OfficeReceiver(lane.office, { pollOnce: () => lane.c.s.poller.pollOnce(), intervalMs: 200, ...(o.leaseMs ? { leaseMs: o.leaseMs, renewEveryMs: Math.max(200, o.leaseMs / 4) } : {}), onLeadership: (leading) => say({ leading }) }) : null;
receiver?.start();
let sender: OfficeOutboxSender | null = null;
if (o.send) {
  const backend = createNodeBackend();
  const ids: string[] = [];
  for (let i = 0; i < o.send.count; i++) {
    const { id } = await enqueueOfficeSend(lane.office, { ...lane.c.s, backend }, { orgId: lane.c.orgId, to: o.send.to, from: o.send.from, fileName: `${o.deskName}-${i}.pdf`, pdf: makePdf(1) });
    ids.push(id);
  }
  say({ queued: ids });
  sender = new OfficeOutboxSender(lane.office, {
    clients: lane.c.s.clients, idleMs: 100, ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
    afterUpload: (id) => say({ uploaded: id }),
  });
  sender.start();
}
say({ ready: true });

async function view(): Promise<string[]> {
  const all: string[] = [];
  let after: { at: number; id: FaxId } | undefined;
  for (;;) {
    const page = await inbox.list({ folder: 'inbox', limit: 500, ...(after ? { after } : {}) });
    all.push(...page.map((f) => f.id));
    if (page.length < 500) return all;
    const last = page[page.length - 1]!;
    after = { at: last.at, id: last.id };
  }
}

process.once('SIGTERM', () => {
  void (async () => {
    await receiver?.stop();
    await sender?.stop();
    const ids = await view();
    await feed.stop();
    await lane.office.leave();
    await lane.close();
    say({ view: ids, feedInserts });
    process.exit(0);
  })();
});
