// Transmission and activity reports through the real services and relay: the facts of a
// delivered fax (local time in the zone asked for, both parties, pages, duration, result, the
// verified receipt, the first page's picture), and every fax of a date range as CSV and PDF.
// poppler (pdftotext, pdfimages) reads the PDFs back, independently of the code that wrote them.
import { asFaxId, type OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { makePdf, openTwoDesks, waitFor, type TestDesk, type TwoDeskScene } from './helpers.ts';

/** A small real PNG (grey square), built by hand: what the window's canvas would send. */
function png(width: number, height: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0;
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}

describe('reports', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let faxId = asFaxId('');
  const startedAt = Date.now();

  const text = (pdf: Uint8Array | string, name: string): string => {
    const file = join(scene.dirs.path, name);
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  };

  beforeAll(async () => {
    scene = await openTwoDesks('reports', { b: { autoStart: false } });
    ({ a, b, aOrg } = scene);
    await a.call('contacts.save', { name: 'Harbor Pharmacy', organisation: '', faxNumber: '+15552220002' });
    ({ id: faxId } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'discharge.pdf', pdf: makePdf(3), coverPage: null, route: 'fxe' }));
    await a.desk.flushOutbox();
    expect(await b.desk.pollNow()).toBe(1);
    await waitFor('the receipt', async () => {
      await a.desk.pollNow();
      return (await a.call('faxes.get', { id: faxId })).state === 'delivered';
    });
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('prints a transmission report with local time, both parties, pages, duration, result, receipt and the first page', async () => {
    const r = await a.call('faxes.transmissionReport', { id: faxId, thumbnailPng: png(60, 80), timeZone: 'Asia/Tokyo', action: 'print' });
    expect(r).toEqual({ done: true, savedTo: null });
    const job = a.printed.at(-1)!;
    expect(job.jobName).toBe(`Transmission report ${faxId}`);
    const t = text(job.pdf, 'report.pdf').replace(/\s+/g, ' ');
    const fax = await a.call('faxes.get', { id: faxId });
    expect(t).toContain('TRANSMISSION REPORT');
    expect(t).toContain('From Northside Clinic, +1 555 111 0001');
    expect(t).toContain('To Harbor Pharmacy, +1 555 222 0002');
    expect(t).toContain('Pages 3');
    expect(t).toMatch(/Duration \d+ ?s /); // pdftotext may close up the gap before the unit
    expect(t).toContain('Result OK - delivered, receipt signed by the recipient and verified');
    expect(t).toContain(fax.receipt!.ciphertextSha256);
    // The time is the office's local time, its zone named (Tokyo: GMT+9).
    expect(t).toContain('GMT+9');
    const images = execFileSync('pdfimages', ['-list', join(scene.dirs.path, 'report.pdf')], { encoding: 'utf8' });
    expect(images).toMatch(/ image\s+60\s+80\s/); // the first page, at the size the window drew it
  });

  it('saves it where the save dialog says; a received fax has none; a broken picture leaves only the picture out', async () => {
    a.nextSave = join(scene.dirs.path, 'saved-report.pdf');
    const r = await a.call('faxes.transmissionReport', { id: faxId, thumbnailPng: null, timeZone: 'UTC', action: 'save' });
    expect(r).toEqual({ done: true, savedTo: a.nextSave });
    expect(text(readFileSync(a.nextSave), 'saved.pdf')).toContain('TRANSMISSION REPORT');
    const inbound = await b.desk.invoke('faxes.transmissionReport', { id: faxId, thumbnailPng: null, timeZone: 'UTC', action: 'print' });
    expect(inbound.ok === false && inbound.error.code).toBe('fax.not_sent');
    const broken = await a.call('faxes.transmissionReport', { id: faxId, thumbnailPng: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), timeZone: 'UTC', action: 'print' });
    expect(broken.done).toBe(true);
    expect(text(a.printed.at(-1)!.pdf, 'broken.pdf')).toContain('Result');
    const badZone = await a.desk.invoke('faxes.transmissionReport', { id: faxId, thumbnailPng: null, timeZone: 'Mars/Olympus', action: 'print' });
    expect(badZone.ok).toBe(false);
  });

  it('writes the activity of a date range as CSV (formula-safe) and as PDF', async () => {
    await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: '=cmd.pdf', pdf: makePdf(1), coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    const day = { fromMs: startedAt - 60_000, toMs: Date.now() + 60_000 };
    a.nextSave = join(scene.dirs.path, 'activity.csv');
    const csv = await a.call('reports.activity', { direction: 'sent', ...day, format: 'csv', timeZone: 'Europe/Paris' });
    expect(csv).toEqual({ savedTo: a.nextSave, count: 2 });
    const rows = readFileSync(a.nextSave, 'utf8').trimEnd().split('\r\n');
    expect(rows[0]).toBe('date_time,direction,from,to,name,file,subject,pages,route,status');
    // Local time with its zone; numbers quoted with an apostrophe, as a leading + would start a spreadsheet formula.
    expect(rows[1]).toMatch(/^"[^"]+ CES?T",sent,"'\+15551110001","'\+15552220002",Harbor Pharmacy,discharge\.pdf,,3,fxe,delivered$/);
    expect(rows[2]).toContain(`"'=cmd.pdf"`);

    a.nextSave = join(scene.dirs.path, 'activity.pdf');
    expect(await a.call('reports.activity', { direction: 'all', ...day, format: 'pdf', timeZone: 'UTC' })).toEqual({ savedTo: a.nextSave, count: 2 });
    const t = text(readFileSync(a.nextSave), 'activity-read.pdf');
    expect(t).toContain('Fax activity');
    expect(t).toContain('2 faxes (0 received, 2 sent)');
    expect(t).toContain('discharge.pdf');

    // Nothing in the range, and a range the wrong way round.
    a.nextSave = join(scene.dirs.path, 'empty.csv');
    expect(await a.call('reports.activity', { direction: 'received', fromMs: 0, toMs: 1000, format: 'csv', timeZone: 'UTC' })).toEqual({ savedTo: a.nextSave, count: 0 });
    const backwards = await a.desk.invoke('reports.activity', { direction: 'all', fromMs: 2000, toMs: 1000, format: 'csv', timeZone: 'UTC' });
    expect(backwards.ok === false && backwards.error).toMatchObject({ code: 'report.bad_range', message: 'The end date must come after the start date.' });
    // Cancelled save dialog: nothing written, null.
    a.nextSave = null;
    expect(await a.call('reports.activity', { direction: 'all', ...day, format: 'csv', timeZone: 'UTC' })).toBeNull();
  });
});
