// send.submit overlaps what waits on something else: pdf.js checks the document in its worker
// while the encrypted body is written and fsynced, and the recipient of a fax that goes now is
// looked up meanwhile (sending then makes no second lookup). A document pdf.js refuses still
// leaves nothing behind. Ordering is shown by a stand-in worker that answers only once the
// body is on disk and the lookup was asked for, never by timing. A send to several recipients
// checks its document once, not once more per recipient.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaxId, OrgId } from '../../shared/domain/ids.ts';
import { setPdfParseOverridesForTests } from '../../electron/services/inbox/pdf-parse.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from './helpers.ts';

const BLOBS_ENV = 'FXE_TEST_WAIT_FOR_BLOBS_IN';
const LOOKUP_MARK_ENV = 'FXE_TEST_WAIT_FOR_LOOKUP_MARK';

describe('send.submit overlaps the PDF check, storing the body and the lookup', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let aOrg: OrgId;
  /** The paths of the relay requests desk A made, in order. */
  const requests: string[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('submit-overlap');
    a = await openTestDesk(join(dirs.path, 'a'), {
      autoStart: false,
      fetch: (input, init) => {
        const path = new URL(String(input)).pathname;
        requests.push(path);
        if (path.startsWith('/v1/lookup') && process.env[LOOKUP_MARK_ENV]) writeFileSync(process.env[LOOKUP_MARK_ENV], '');
        return fetch(input, init);
      },
    });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
  });

  afterEach(() => setPdfParseOverridesForTests(null));

  afterAll(async () => {
    await a?.close();
    await relay?.close();
    dirs?.remove();
  });

  const blobFiles = (): string[] => {
    const dir = join(a.dataDir, 'blobs');
    return existsSync(dir) ? readdirSync(dir) : [];
  };
  const submit = (pdf: Uint8Array): Promise<{ id: FaxId }> =>
    a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'doc.pdf', pdf, coverPage: null, route: 'fxe' });

  it('the body is stored and the recipient looked up while the check runs: a check that waits for both still answers', async () => {
    // Answers only once a finished (renamed, not .tmp) body is in the blob folder and the relay
    // was asked for the recipient. Were either done after the check, it would wait for ever and
    // the submit fail as uncheckable.
    const script = join(dirs.path, 'waits-for-blob-and-lookup.mjs');
    writeFileSync(script, [
      "import { parentPort } from 'node:worker_threads';",
      "import { existsSync, readdirSync } from 'node:fs';",
      `const dir = process.env[${JSON.stringify(BLOBS_ENV)}];`,
      `const mark = process.env[${JSON.stringify(LOOKUP_MARK_ENV)}];`,
      "const ready = () => existsSync(mark) && existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.bin'));",
      "const poll = setInterval(() => { if (ready()) { clearInterval(poll); parentPort.postMessage({ ok: true, pages: 1, coverSubject: null }); } }, 5);",
    ].join('\n'));
    process.env[BLOBS_ENV] = join(a.dataDir, 'blobs');
    process.env[LOOKUP_MARK_ENV] = join(dirs.path, 'looked-up');
    setPdfParseOverridesForTests({ workerUrl: pathToFileURL(script), timeoutMs: 20_000 });
    try {
      const before = blobFiles().length;
      const { id } = await submit(makePdf(1, 10_000));
      expect(id).toBeTruthy();
      expect(blobFiles().length).toBe(before + 1);
      await a.desk.flushOutbox();
    } finally {
      delete process.env[LOOKUP_MARK_ENV];
    }
  });

  it('a fax that goes now is looked up once: sending uses the answer from submit', async () => {
    requests.length = 0;
    const { id } = await submit(makePdf(2, 1_000));
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
    expect(requests.filter((p) => p.startsWith('/v1/lookup'))).toHaveLength(1);
  });

  it('a scheduled fax is not looked up at submit (its keys are fetched when its time comes)', async () => {
    requests.length = 0;
    const r = await a.call('send.submitGroup', {
      orgId: aOrg, recipients: [{ to: '+15552220002', route: 'fxe' }], from: '+15551110001', fileName: 'later.pdf', pdf: makePdf(1), coverPage: null, sendAt: Date.now() + 3_600_000,
    });
    expect(r.items[0]!.error).toBeNull();
    expect(requests.filter((p) => p.startsWith('/v1/lookup'))).toEqual([]);
  });

  it('a document only pdf.js finds broken is refused, and its stored body removed', async () => {
    const before = blobFiles();
    // Header, xref, trailer and %%EOF are there; the catalog is not.
    const junk = new TextEncoder().encode('%PDF-1.4\n1 0 obj\n<< >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< >>\nstartxref\n9\n%%EOF\n');
    const r = await a.desk.invoke('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'junk.pdf', pdf: junk, coverPage: null, route: 'fxe' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'pdf.invalid', detail: expect.stringMatching(/pdf\.js/) });
    expect(blobFiles()).toEqual(before);
  });

  it('a send to several recipients, without a cover page, runs pdf.js on its document once', async () => {
    const runs = join(dirs.path, 'pdf-checks.log');
    const script = join(dirs.path, 'counts-checks.mjs');
    writeFileSync(script, [
      "import { parentPort } from 'node:worker_threads';",
      "import { appendFileSync } from 'node:fs';",
      `appendFileSync(${JSON.stringify(runs)}, 'check\\n');`,
      "parentPort.postMessage({ ok: true, pages: 2, coverSubject: null });",
    ].join('\n'));
    setPdfParseOverridesForTests({ workerUrl: pathToFileURL(script) });
    const r = await a.call('send.submitGroup', {
      orgId: aOrg, from: '+15551110001', fileName: 'many.pdf', pdf: makePdf(2, 1_000), coverPage: null, sendAt: null,
      recipients: [{ to: '+15552220002', route: 'fxe' }, { to: '+15552220003', route: 'fxe' }, { to: '+15552220004', route: 'fxe' }],
    });
    expect(r.items.map((i) => i.error)).toEqual([null, null, null]);
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual(['check']);
    // Each fax still carries the page count the one check found.
    for (const item of r.items) expect((await a.call('faxes.get', { id: item.id! })).pages).toBe(2);
  });
});
