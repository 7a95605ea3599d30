// The Save dialog is pre-filled from the sender's metadata.filename: only a plain, visible
// name ending in .pdf may come through, never a path, `..`, bidi overrides or another type.
import type { OrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safePdfFileName } from '../../electron/services/ipc/safe-file-name.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from '../services/helpers.ts';

describe('Save dialog default name', () => {
  it('keeps only a plain .pdf name', () => {
    const cases: [string, string][] = [
      ['lab results.pdf', 'lab results.pdf'],
      ['/etc/cron.d/evil', 'evil.pdf'],
      ['C:\\Windows\\System32\\evil.dll', 'evil.dll.pdf'],
      ['../../.bashrc', 'bashrc.pdf'],
      ['..', 'fax-1234.pdf'],
      ['invoice\u202Efdp.exe', 'invoicefdp.exe.pdf'],
      ['a\u0000b\u0007c\u200Fd.PDF', 'abcd.pdf'],
      ['what?<now>:*.pdf', 'what__now___.pdf'],
      ['NUL', 'fax-1234.pdf'],
      ['   ', 'fax-1234.pdf'],
      ['', 'fax-1234.pdf'],
    ];
    for (const [raw, want] of cases) expect(safePdfFileName(raw, 'fax-1234'), JSON.stringify(raw)).toBe(want);
    const long = safePdfFileName(`${'é'.repeat(300)}.pdf`, 'fax-1234');
    expect(long).toBe(`${'é'.repeat(100)}.pdf`);
  });

  describe('through the desk', () => {
    let relay: TestRelay;
    let dirs: { path: string; remove(): void };
    let a: TestDesk;
    let b: TestDesk;
    let aOrg: OrgId;
    const offered: string[] = [];

    beforeAll(async () => {
      relay = await startTestRelay();
      dirs = tempDir('save-name');
      a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false });
      b = await openTestDesk(join(dirs.path, 'b'), {
        autoStart: false,
        dialogs: { openFile: async () => relay.orgs[1]!.keysZipPath, saveFile: async (opts) => { offered.push(opts.defaultPath); return null; } },
      });
      aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
      await importOrg(b, relay.orgs[1]!.keysZipPath);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await relay?.close();
      dirs?.remove();
    });

    it("a sender's bidi-spoofed executable name is offered as a visible .pdf name", async () => {
      await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: '..\u202Efdp.exe', pdf: makePdf(1), coverPage: null, route: 'fxe' });
      await a.desk.flushOutbox();
      expect(await b.desk.pollNow()).toBe(1);
      const [fax] = (await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 1 })).items;
      await b.call('faxes.saveAs', { id: fax!.id });
      expect(offered).toEqual(['fdp.exe.pdf']);
    });
  });
});
