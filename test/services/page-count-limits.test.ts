// pdf.js runs on untrusted PDFs in a worker thread under a time and memory limit
// (electron/services/inbox/pdf-parse.ts). A worker that never answers or that eats memory is
// stopped; counting then says "unknown" (null) and never blocks storing a received fax, and
// sending says, in plain words, that the PDF could not be checked. The misbehaving workers
// are real worker scripts written to a temp dir: they hang or allocate for ever, so the
// outcome does not depend on how fast this machine is.
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { countPdfPages, countPdfPagesTakingOwnership } from '../../electron/services/inbox/page-count.ts';
import { PDF_PARSE_LIMITS, parsePdfInWorker, setPdfParseOverridesForTests } from '../../electron/services/inbox/pdf-parse.ts';
import { validatePdf } from '../../electron/services/outbox/pdf-check.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from './helpers.ts';

const scripts = tempDir('pdf-workers');
afterAll(() => scripts.remove());

function workerScript(name: string, body: string): URL {
  const path = join(scripts.path, name);
  writeFileSync(path, body);
  return pathToFileURL(path);
}

/** Never answers and never yields: only terminate() ends it. */
const hangs = workerScript('hangs.mjs', 'for (;;) { /* a PDF that keeps pdf.js busy for ever */ }\n');
/**
 * Grows its JavaScript heap without end, never yielding to its event loop. (Small objects and
 * strings: Node 24 cannot terminate a worker looping on `new Array(1024)`, see pdf-parse.ts.)
 */
const eatsHeap = workerScript('eats-heap.mjs', "const hoard = []; for (;;) hoard.push({ index: hoard.length, text: 'x'.repeat(64) + hoard.length });\n");
/** Holds ever more array-buffer memory (outside the V8 heap), up to 1 GiB, then idles. */
const eatsBuffers = workerScript('eats-buffers.mjs', [
  'const hoard = [];',
  'for (let i = 0; i < 64; i++) hoard.push(new Uint8Array(16 * 1024 * 1024).fill(1));',
  'setInterval(() => hoard.length, 1000);',
  '',
].join('\n'));

afterEach(() => setPdfParseOverridesForTests(null));

/**
 * A valid one-page PDF whose classic cross-reference table declares `entries` objects (every
 * extra entry points at the page again): pdf.js holds the whole table in its heap, about
 * 20 bytes of file per entry becoming far more in memory. A cheap way to make it eat memory.
 */
function pdfWithHugeXref(entries: number): Uint8Array {
  const body = [
    '%PDF-1.4\n',
    '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n',
  ];
  const offsets: number[] = [];
  let at = 0;
  for (const part of body) { offsets.push(at); at += part.length; }
  const entry = (offset: number): string => `${String(offset).padStart(10, '0')} 00000 n \n`;
  const table = [`xref\n0 ${entries}\n0000000000 65535 f \n`, entry(offsets[1]!), entry(offsets[2]!), entry(offsets[3]!), entry(offsets[3]!).repeat(entries - 4)];
  const trailer = `trailer\n<< /Size ${entries} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`;
  return new TextEncoder().encode(body.join('') + table.join('') + trailer);
}

describe('the PDF worker under limits', () => {
  it('by default: a 10 s time limit and 512 MiB of memory', () => {
    expect(PDF_PARSE_LIMITS).toEqual({ timeoutMs: 10_000, maxMemoryMb: 512 });
  });

  it('a worker that never finishes is stopped at the time limit: overrun, and the page count is unknown', async () => {
    setPdfParseOverridesForTests({ workerUrl: hangs, timeoutMs: 300 });
    const outcome = await parsePdfInWorker(makePdf(2), { strict: false });
    expect(outcome).toMatchObject({ kind: 'overrun', detail: expect.stringMatching(/did not finish within 300 ms/) });
    expect(await countPdfPages(makePdf(2))).toBeNull();
    const owned = makePdf(2);
    expect(await countPdfPagesTakingOwnership(owned)).toBeNull();
    expect(owned.byteLength).toBe(0); // moved into the (stopped) worker all the same
  });

  it('a worker that keeps growing its heap, never yielding, is stopped at the memory limit: overrun, not a crash', async () => {
    setPdfParseOverridesForTests({ workerUrl: eatsHeap, maxMemoryMb: 64, timeoutMs: 60_000 });
    const outcome = await parsePdfInWorker(makePdf(1), { strict: false });
    expect(outcome).toMatchObject({ kind: 'overrun', detail: expect.stringMatching(/needed more than 64 MiB of memory/) });
  });

  it('real pdf.js on a PDF with a million-entry xref: over a small memory limit it is stopped (unknown); the default limit counts it', async () => {
    const pdf = pdfWithHugeXref(1_000_000);
    setPdfParseOverridesForTests({ maxMemoryMb: 16, timeoutMs: 60_000 });
    expect(await parsePdfInWorker(pdf.slice(), { strict: false })).toMatchObject({ kind: 'overrun', detail: expect.stringMatching(/needed more than 16 MiB/) });
    expect(await countPdfPages(pdf)).toBeNull();
    setPdfParseOverridesForTests(null);
    expect(await countPdfPages(pdf)).toBe(1);
  });

  it('a worker that hoards memory outside its heap is stopped too', async () => {
    setPdfParseOverridesForTests({ workerUrl: eatsBuffers, maxMemoryMb: 64, timeoutMs: 60_000 });
    const outcome = await parsePdfInWorker(makePdf(1), { strict: false });
    expect(outcome).toMatchObject({ kind: 'overrun', detail: expect.stringMatching(/needed more than 64 MiB of memory/) });
  });

  it('sending: a PDF that cannot be checked in time gets its own plain sentence, not "not a PDF"', async () => {
    setPdfParseOverridesForTests({ workerUrl: hangs, timeoutMs: 300 });
    await expect(validatePdf(makePdf(1))).rejects.toMatchObject({
      code: 'pdf.uncheckable',
      message: expect.stringMatching(/could not be checked.*Save or print it again/),
      detail: expect.stringMatching(/did not finish/),
    });
  });

  it('a worker that cannot even load (a packaging fault) is not blamed on the PDF: structure checked, pages unknown', async () => {
    const missing = pathToFileURL(join(scripts.path, 'no-such-worker.mjs'));
    setPdfParseOverridesForTests({ workerUrl: missing });
    expect(await parsePdfInWorker(makePdf(1), { strict: true })).toMatchObject({ kind: 'unavailable' });
    const lines: string[] = [];
    expect(await validatePdf(makePdf(3), (l) => lines.push(l))).toEqual({ pages: null });
    expect(lines.join('\n')).toMatch(/could not start.*structure checked only/);
    // The structural check still stands alone: a non-PDF is refused as before.
    await expect(validatePdf(new TextEncoder().encode('<html>not a pdf</html>'))).rejects.toMatchObject({ code: 'pdf.invalid' });
    expect(await countPdfPages(makePdf(2))).toBeNull();
  });

  it('with the real worker, normal PDFs still count right and junk is still refused', async () => {
    expect(await countPdfPages(makePdf(7, 1_000))).toBe(7);
    expect((await validatePdf(makePdf(2))).pages).toBe(2);
    const junk = new TextEncoder().encode('%PDF-1.4\n1 0 obj\n<< >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< >>\nstartxref\n9\n%%EOF\n');
    expect(await countPdfPages(junk)).toBeNull();
    await expect(validatePdf(junk)).rejects.toMatchObject({ code: 'pdf.invalid' });
  });
});

describe('a received fax whose page count overruns is stored all the same', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  const bLog: string[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('page-limits');
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false });
    b = await openTestDesk(join(dirs.path, 'b'), { autoStart: false, log: (line) => bLog.push(line) });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
    await importOrg(b, relay.orgs[1]!.keysZipPath);
  });

  afterAll(async () => {
    setPdfParseOverridesForTests(null);
    await a?.close();
    await b?.close();
    await relay?.close();
    dirs?.remove();
  });

  async function send(pdf: Uint8Array, fileName: string): Promise<FaxId> {
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName, pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
    return id;
  }

  it('hanging count: the fax is in the inbox, readable, with pages unknown (null)', async () => {
    const pdf = makePdf(3, 5_000);
    const id = await send(pdf, 'hangs-the-counter.pdf');
    setPdfParseOverridesForTests({ workerUrl: hangs, timeoutMs: 300 });
    expect(await b.desk.pollNow()).toBe(1);
    const why = await waitFor('the page counter to give up', () => bLog.find((l) => l.startsWith(`page count for ${id} left unknown`)));
    expect(why).toMatch(/did not finish within 300 ms/);
    expect((await b.call('faxes.get', { id })).pages).toBeNull();
    const listed = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(listed.items.find((f) => f.id === id)).toMatchObject({ pages: null, fileName: 'hangs-the-counter.pdf' });
    const doc = await b.call('faxes.document', { id });
    expect(Buffer.from(doc.pdf).equals(Buffer.from(pdf))).toBe(true);
  });

  it('with the real worker again, the next fax gets its page count', async () => {
    setPdfParseOverridesForTests(null);
    const id = await send(makePdf(5, 5_000), 'five.pdf');
    expect(await b.desk.pollNow()).toBe(1);
    const counted = await waitFor('page count', async () => {
      const f = await b.call('faxes.get', { id });
      return f.pages === null ? null : f;
    });
    expect(counted.pages).toBe(5);
  });
});
