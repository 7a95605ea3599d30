// The phone book's CSV round trip: what we export (with spreadsheet-formula guards) must
// import again unchanged, and malformed rows are counted, not fatal.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDesk, tempDir, type TestDesk } from './helpers.ts';

describe('phone book CSV', () => {
  let desk: TestDesk | null = null;
  let dir: ReturnType<typeof tempDir> | null = null;
  afterEach(async () => {
    await desk?.close();
    dir?.remove();
  });

  it('re-imports its own export, formula guards undone', async () => {
    dir = tempDir('fxe-csv-');
    desk = await openTestDesk(dir.path);
    await desk.call('contacts.save', { name: 'Dr. Ada Lovelace', organisation: '=Analytical, "Engines"', faxNumber: '+15553330003' });
    await desk.call('contacts.save', { name: 'Harbor Pharmacy', organisation: '', faxNumber: '+15552220002' });
    const { csv } = await desk.call('contacts.exportCsv', {});
    expect(csv).toContain("'+15553330003"); // guarded against spreadsheet formulas
    expect(csv).toContain(`"'=Analytical, ""Engines"""`);

    for (const c of await desk.call('contacts.list', {})) await desk.call('contacts.delete', { id: c.id });
    const result = await desk.call('contacts.importCsv', { csv: `${csv}not a contact,,12\r\n` });
    expect(result).toEqual({ imported: 2, skipped: 1 });
    const back = (await desk.call('contacts.list', {})).map(({ name, organisation, faxNumber }) => ({ name, organisation, faxNumber }));
    expect(back).toEqual(expect.arrayContaining([
      { name: 'Dr. Ada Lovelace', organisation: '=Analytical, "Engines"', faxNumber: '+15553330003' },
      { name: 'Harbor Pharmacy', organisation: '', faxNumber: '+15552220002' },
    ]));
  });
});
