// A 3 KB PDF whose page tree nodes each list the next one twice: 2^27 pages for whoever walks
// the tree naively (pdf-lib did, on the main thread: about a minute and 2 GB). Adding a cover
// page must refuse it at once, off the main thread.
import { describe, expect, it } from 'vitest';
import { prependCoverPage } from '../../electron/services/outbox/cover-page.ts';
import { DeskError } from '../../electron/services/errors.ts';
import { makePdf } from '../services/helpers.ts';

/** Catalog 1, page tree nodes 2..depth+1 (each lists the next one `fanout` times), one page. */
function hostilePdf(depth: number, fanout: number, cycle = false): Uint8Array {
  const objs: string[] = ['<< /Type /Catalog /Pages 2 0 R >>'];
  const page = depth + 2;
  for (let i = 0; i < depth; i++) {
    const next = i === depth - 1 ? (cycle ? 2 : page) : 3 + i;
    objs.push(`<< /Type /Pages /Kids [${Array.from({ length: fanout }, () => `${next} 0 R`).join(' ')}] /Count 1 >>`);
  }
  objs.push(`<< /Type /Page /Parent ${page - 1} 0 R /MediaBox [0 0 612 792] >>`);
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => { offsets.push(body.length); body += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = body.length;
  body += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}

const info = { toName: 'Harbor', toNumber: '+15552220002', fromName: 'Northside', fromNumber: '+15551110001', subject: 's', message: 'm', documentPages: 1, date: new Date(2026, 0, 5) };

async function failure(p: Promise<unknown>): Promise<DeskError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeskError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('cover page on a hostile page tree', () => {
  it('refuses a page tree whose nodes list the next one twice, and keeps the event loop free', async () => {
    const pdf = hostilePdf(27, 2);
    expect(pdf.length).toBeLessThan(4096);
    let turns = 0;
    let running = true;
    const spin = (): void => { if (running) { turns++; setImmediate(spin); } };
    setImmediate(spin);
    const err = await failure(prependCoverPage(pdf, info));
    running = false;
    expect(err.code).toBe('cover.failed');
    expect(err.detail).toContain('listed more than once');
    expect(turns).toBeGreaterThan(0);
  });

  it('refuses a page tree with a cycle', async () => {
    const err = await failure(prependCoverPage(hostilePdf(3, 1, true), info));
    expect(err.detail).toContain('listed more than once');
  });

  it('stops a worker that runs past its limit, with a clear error', async () => {
    const err = await failure(prependCoverPage(makePdf(3), info, { timeoutMs: 1, maxMemoryMb: 512 }));
    expect(err.code).toBe('cover.failed');
    expect(err.detail).toMatch(/did not finish within 1 ms/);
  });

  it('still adds a cover to an honest PDF and counts its pages', async () => {
    const out = await prependCoverPage(makePdf(3, 2_000), info);
    expect(out.pages).toBe(4);
  });
});
