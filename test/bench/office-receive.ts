// The office receiver's pace (`npm run bench -- office-receive`): small faxes wait on the
// real local relay, and the office's ReceivePipeline (fetch, verify, decrypt, commit to a
// private PostgreSQL, receipt) takes them, one at a time and then RECEIVE_CONCURRENCY at once,
// as the office receiver does. Also the process's CPU time per fax, which is what bounds the
// pace once the waiting overlaps. Figures only.
import { join } from 'node:path';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import { officeReceiveSink } from '../../electron/services/office/office-receive-sink.ts';
import { Poller } from '../../electron/services/receiver/poller.ts';
import { RECEIVE_CONCURRENCY, ReceivePipeline } from '../../electron/services/receiver/pipeline.ts';
import { openCliServices } from '../../electron/services/cli/cli-services.ts';
import { openOfficeLane, sendFaxes } from '../office/office-scene.ts';
import { startPrivatePostgres } from '../office/private-postgres.ts';
import { startTestRelay, tempDir } from '../services/helpers.ts';

const FAXES = Number(process.env['FXE_BENCH_OFFICE_RECEIVE_FAXES'] ?? 200);

export async function run(): Promise<void> {
  const [server, relay] = await Promise.all([startPrivatePostgres(), startTestRelay()]);
  const dir = tempDir('bench-office-receive');
  try {
    const outside = await openCliServices({ keysPath: relay.orgs[0]!.keysZipPath, stateDir: join(dir.path, 'outside'), log: () => undefined });
    const office = relay.orgs[1]!;
    const lane = await openOfficeLane({ keysZipPath: office.keysZipPath, stateDir: join(dir.path, 'receiver'), url: server.url, deskName: 'receiver' });
    try {
      for (const concurrency of [1, RECEIVE_CONCURRENCY]) {
        await sendFaxes(outside, office.faxNumbers[0]!, FAXES, { concurrency: 8 });
        const pipeline = new ReceivePipeline({
          ...lane.c.s, backend: createNodeBackend(), nowMs: Date.now, emit: () => undefined,
          sink: officeReceiveSink(lane.office), incomingDir: join(dir.path, `incoming-${concurrency}`), receiveConcurrency: concurrency,
        });
        const poller = new Poller({ orgIds: () => [lane.c.orgId], clients: lane.c.s.clients, pipeline, intervalMs: () => 60_000 });
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let stored = 0;
        while (stored < FAXES) stored += await poller.pollOnce();
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        console.log(`office receive, ${concurrency} at once: ${FAXES} faxes in ${(ms / 1000).toFixed(1)} s, ${(FAXES / (ms / 1000)).toFixed(1)} faxes/s, ${(ms / FAXES).toFixed(1)} ms each; receiver + relay CPU ${((cpu.user + cpu.system) / 1000 / FAXES).toFixed(1)} ms per fax`);
      }
    } finally {
      await lane.close();
      await outside.close();
    }
  } finally {
    await relay.close();
    server.destroy();
    dir.remove();
  }
}
