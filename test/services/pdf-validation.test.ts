// PDF validation at the services level: a file over the cap and files that are not PDFs
// (a PNG renamed .pdf, a truncated PDF, an HTML page) get a clear sentence and nothing is
// queued: no fax row, no stored body, no spool file.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_PDF_BYTES } from '../../electron/services/outbox/pdf-check.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from './helpers.ts';

const PNG_HEADER = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function fakePng(): Uint8Array {
  const out = new Uint8Array(4096);
  out.set(PNG_HEADER, 0);
  out.set(new TextEncoder().encode('IHDR'), 12);
  return out;
}

describe('send.submit refuses what it cannot fax, and queues nothing', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let aOrg: OrgId;

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('pdfcheck');
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
  });

  afterAll(async () => {
    await a?.close();
    await relay?.close();
    dirs?.remove();
  });

  async function expectRefused(pdf: Uint8Array, code: string, sentence: RegExp): Promise<void> {
    const r = await a.desk.invoke('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'doc.pdf', pdf, coverPage: null, route: 'fxe' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toMatch(sentence);
    // The sentence is for people: no stack, no byte offsets; the technical part is separate.
    expect(r.error.message).not.toMatch(/Error:|at .*\.ts|startxref|pdf\.js/);
    expect(r.error.detail).toBeTruthy();
    await a.desk.flushOutbox();
    for (const folder of ['outbox', 'sent'] as const) expect((await a.call('faxes.list', { folder, offset: 0, limit: 10 })).total).toBe(0);
    for (const dir of ['blobs', 'spool']) {
      const full = join(a.dataDir, dir);
      expect(existsSync(full) ? readdirSync(full) : []).toEqual([]);
    }
  }

  it('a 101 MiB PDF: too large, with the size and the limit in the sentence', async () => {
    const big = makePdf(1, 101 * 1024 * 1024);
    expect(big.length).toBeGreaterThan(MAX_PDF_BYTES);
    await expectRefused(big, 'pdf.too_large', /too large to fax.*101\.0 MiB.*limit/);
  });

  it('a PNG renamed .pdf', async () => {
    await expectRefused(fakePng(), 'pdf.invalid', /not a PDF that can be faxed/);
  });

  it('a truncated PDF (the download stopped half way)', async () => {
    const whole = makePdf(2, 50_000);
    await expectRefused(whole.subarray(0, Math.floor(whole.length / 2)), 'pdf.invalid', /not a PDF that can be faxed/);
  });

  it('an HTML page saved with a .pdf name', async () => {
    await expectRefused(new TextEncoder().encode('<!doctype html><html><body><h1>Invoice</h1></body></html>'), 'pdf.invalid', /not a PDF that can be faxed/);
  });

  it('an empty file', async () => {
    await expectRefused(new Uint8Array(0), 'pdf.empty', /empty/);
  });

  it('a real PDF right after all that is accepted (the refusals left no state behind)', async () => {
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'ok.pdf', pdf: makePdf(2, 1000), coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect((await a.call('faxes.get', { id })).state).toBe('sent');
  });
});
