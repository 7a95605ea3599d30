// Transfer benchmark (`npm run bench -- transfer`): the app's own send and receive, through
// createDesk's services against a relay process on loopback, for 1 MiB and 100 MiB, in two
// crypto modes: Node as is, and BoringSSL-shaped (what the app gets inside Electron: no
// chacha20-poly1305 cipher, no ML-KEM in node:crypto). Each mode runs in its own process, so
// memory figures are that mode's alone.
//
// seal = the outbox turning the stored (encrypted) PDF into the spool ciphertext
//        (the 'encrypting' → 'uploading' events);
// open = the receiver taking the ciphertext off the wire (raw download), hashing, decrypting
//        and storing it into a new encrypted blob, in one pass (the pipeline's own timing
//        line); the envelope's fetch and verification before it are printed apart.
// Beside each, the reference work measured in the same run (common.ts) and the ratio.
// Prints figures against targets; never fails on timing.
import { asFaxId } from '../../shared/domain/ids.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoOrgs } from '../../electron/relay/demo.ts';
import { createDesk, type Desk } from '../../electron/services/desk.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { MAX_PDF_BYTES } from '../../electron/services/outbox/pdf-check.ts';
import { streamCipherName } from '../../electron/services/crypto/stream-cipher.ts';
import { createNodeBackend } from '../../electron/services/crypto/node-backend.ts';
import { makePdf } from '../services/helpers.ts';
import { MiB, fmt, mbps, median, mib, referenceWorkMBps, rssSampler, startRelayProcess, versusReference } from './common.ts';

const MEMORY_TARGET = 64 * MiB;

async function desk(dataDir: string, keysZip: string, log: (line: string) => void): Promise<Desk> {
  const d = await createDesk({
    dataDir, keychain: createMemoryKeychain(), fetch: (u, i) => fetch(u, i), autoStart: false, log,
    dialogs: { openFile: async () => keysZip, saveFile: async () => null }, printer: { printPdf: async () => true },
  });
  const r = await d.invoke('orgs.importKeysZip', {});
  if (!r.ok) throw new Error(r.error.message);
  return d;
}

interface OneTransfer {
  sealMs: number; uploadMs: number; fetchMs: number; openMs: number; sendGrowth: number; receiveGrowth: number; pageCountGrowth: number;
  /** Of sealMs: sealing proper (sealStreamToFile), the envelope's commit (SQLite, one fsync). Of openMs: storing (the body's and its directory's fsyncs, the database commit). */
  sealOnlyMs: number; sealCommitMs: number; openStoreMs: number;
}

async function child(): Promise<void> {
  const mode = process.env['FXE_CRYPTO_AS_BORINGSSL'] === '1' ? 'BoringSSL-shaped' : 'Node';
  const work = mkdtempSync(join(tmpdir(), 'fxe-bench-transfer-'));
  const relay = await startRelayProcess(join(work, 'relay'));
  try {
    const orgs = await createDemoOrgs({ relayUrl: relay.url, outDir: join(work, 'orgs') });
    const receiveLines: string[] = [];
    const sendLines: string[] = [];
    const a = await desk(join(work, 'a'), orgs[0]!.keysZipPath, (line) => { if (line.startsWith('outbox ')) sendLines.push(line); });
    const b = await desk(join(work, 'b'), orgs[1]!.keysZipPath, (line) => { if (line.startsWith('receive ')) receiveLines.push(line); });
    const backend = createNodeBackend();
    console.log(`[${mode}] body cipher: ${streamCipherName()}; node:crypto chacha20-poly1305 used: ${backend.native.chacha20poly1305}; native small primitives: ${backend.native.asymmetric.join(', ')}`);
    await backend.close();

    const transfer = async (pdf: Uint8Array): Promise<OneTransfer> => {
      const r = await a.invoke('send.submit', { orgId: orgs[0]!.orgId, to: '+15552220002', from: '+15551110001', fileName: 'bench.pdf', pdf, coverPage: null, route: 'fxe' });
      if (!r.ok) throw new Error(r.error.message);
      const id = r.value.id;
      const at: Record<string, number> = {};
      const memory = rssSampler();
      let base = memory.reset();
      const off = a.onEvent((e) => {
        if (e.type !== 'outbox.changed' || e.id !== id || at[e.state] !== undefined) return;
        at[e.state] = performance.now();
        if (e.state === 'encrypting') base = memory.reset();
      });
      sendLines.length = 0;
      await a.flushOutbox();
      off();
      const sealTiming = /sealed in ([\d.]+) ms, envelope committed \(one fsync\) in ([\d.]+) ms/.exec(sendLines.join('\n'));
      const sendGrowth = memory.peak() - base;
      if (at['sent'] === undefined) throw new Error(`the send ended ${JSON.stringify(Object.keys(at))}`);
      receiveLines.length = 0;
      // The receive proper ends when the fax is stored; the page count that follows (pdf.js
      // in a worker, reading the stored blob by byte ranges) is measured apart.
      const receiveBase = memory.reset();
      let receiveGrowth = -1;
      let pageBase = 0;
      let receivedId = asFaxId('');
      const offB = b.onEvent((e) => {
        if (e.type !== 'fax.received' || receiveGrowth >= 0) return;
        receiveGrowth = memory.peak() - receiveBase;
        pageBase = memory.reset();
        receivedId = e.id;
      });
      const stored = await b.pollNow();
      offB();
      for (let waited = 0; waited < 60_000; waited += 20) {
        const got = await b.invoke('faxes.get', { id: receivedId });
        if (got.ok && got.value.pages !== null) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const pageCountGrowth = memory.peak() - pageBase;
      memory.stop();
      const timing = /envelope fetched and verified in ([\d.]+) ms, downloaded, verified, decrypted and stored in ([\d.]+) ms \(of which ([\d.]+) ms storing/.exec(receiveLines.join('\n'));
      if (stored !== 1 || !timing) throw new Error(`the receive stored ${stored}: ${receiveLines.join(' | ')}`);
      return {
        sealMs: at['uploading']! - at['encrypting']!, uploadMs: at['sent'] - at['uploading']!, fetchMs: Number(timing[1]), openMs: Number(timing[2]), sendGrowth, receiveGrowth, pageCountGrowth,
        sealOnlyMs: sealTiming ? Number(sealTiming[1]) : NaN, sealCommitMs: sealTiming ? Number(sealTiming[2]) : NaN, openStoreMs: Number(timing[3]),
      };
    };

    for (const [label, bytes, runs] of [['1 MiB', MiB, 5], ['100 MiB', MAX_PDF_BYTES, 1]] as const) {
      const pdf = makePdf(1, bytes - 600);
      const results: OneTransfer[] = [];
      for (let i = 0; i < runs; i++) results.push(await transfer(pdf));
      const reference = referenceWorkMBps(pdf, runs === 1 ? 2 : 5);
      const target = bytes >= 100 * MiB - 1024 ? 2 : 1;
      const pick = (k: keyof OneTransfer): number => median(results.map((x) => x[k]));
      console.log(`[${mode}] ${label} seal (outbox: stored PDF → spool ciphertext): ${versusReference(mbps(pdf.length, pick('sealMs')), reference, target)}`);
      console.log(`[${mode}] ${label} open (receiver: socket → hashed, decrypted, stored blob, one pass): ${versusReference(mbps(pdf.length, pick('openMs')), reference, target)}`);
      console.log(`[${mode}] ${label} upload ${fmt(pick('uploadMs'), 1)} ms, envelope fetch + verify ${fmt(pick('fetchMs'), 1)} ms${runs > 1 ? ` (medians of ${runs})` : ''}`);
      if (runs > 1) {
        // Where a small fax's seal and open go: the durable commits are a fixed cost the
        // reference work (in memory, nothing written) does not have.
        const referenceMs = pdf.length / 1e6 / reference * 1000;
        console.log(`[${mode}] ${label} seal ${fmt(pick('sealMs'), 2)} ms, of which sealing into the spool ${fmt(pick('sealOnlyMs'), 2)} ms and the envelope's commit (SQLite, one fsync) ${fmt(pick('sealCommitMs'), 2)} ms; ` +
          `open ${fmt(pick('openMs'), 2)} ms, of which storing (the body's fsync, its directory's, the database commit) ${fmt(pick('openStoreMs'), 2)} ms; the reference work ${fmt(referenceMs, 2)} ms`);
      }
      if (runs === 1) {
        const verdict = (g: number): string => `+${mib(g)} (target ≤ ${mib(MEMORY_TARGET)}: ${g <= MEMORY_TARGET ? 'met' : 'NOT met'})`;
        console.log(`[${mode}] ${label} peak RSS growth: send (seal + upload) ${verdict(pick('sendGrowth'))}, receive (fetch, verify, decrypt, store) ${verdict(pick('receiveGrowth'))}; ` +
          `then the page count (blob authenticated, then pdf.js reads it by byte ranges) ${verdict(pick('pageCountGrowth'))}`);
      }
    }
    await a.close();
    await b.close();
  } finally {
    await relay.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  for (const boring of ['0', '1']) {
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', fileURLToPath(import.meta.url)], {
        env: { ...process.env, FXE_BENCH_TRANSFER_CHILD: '1', FXE_CRYPTO_AS_BORINGSSL: boring }, stdio: ['ignore', 'inherit', 'inherit'],
      });
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`transfer benchmark child exited ${code}`))));
    });
  }
}

if (process.env['FXE_BENCH_TRANSFER_CHILD'] === '1') {
  await child();
  process.exit(0);
}
