/** The phone book: names for numbers, CSV import/export (name, organisation, fax number). */
import { randomBytes } from 'node:crypto';
import { isE164 } from '../../../shared/domain/fax-number.ts';
import type { Contact } from '../../../shared/domain/types.ts';
import { DeskError } from '../errors.ts';
import type { Db } from '../storage/database.ts';

export class ContactRepository {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  list(query?: string): Contact[] {
    const rows = query && query.trim()
      ? this.db.prepare("SELECT * FROM contacts WHERE name LIKE ? ESCAPE '\\' OR organisation LIKE ? ESCAPE '\\' OR fax_number LIKE ? ESCAPE '\\' ORDER BY name LIMIT 1000")
          .all(...new Array<string>(3).fill(`%${query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`))
      : this.db.prepare('SELECT * FROM contacts ORDER BY name LIMIT 5000').all();
    return (rows as { id: string; name: string; organisation: string; fax_number: string }[]).map((r) => ({ id: r.id, name: r.name, organisation: r.organisation, faxNumber: r.fax_number }));
  }

  save(c: Omit<Contact, 'id'> & { id?: string }): Contact {
    const id = c.id ?? `c_${randomBytes(8).toString('hex')}`;
    if (c.id && !this.db.prepare('SELECT 1 FROM contacts WHERE id = ?').get(c.id)) {
      throw new DeskError('contact.not_found', 'That contact no longer exists.', { detail: c.id });
    }
    // One entry per number: two names for one number would make the inbox name a guess.
    const twin = this.db.prepare('SELECT id, name FROM contacts WHERE fax_number = ? AND id != ?').get(c.faxNumber, id) as { id: string; name: string } | undefined;
    if (twin) {
      throw new DeskError('contact.duplicate_number', `This fax number is already in the phone book, as “${twin.name}”. Edit that contact instead.`, { detail: `${c.faxNumber} is ${twin.id}` });
    }
    this.db.prepare(`INSERT INTO contacts (id, name, organisation, fax_number) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, organisation = excluded.organisation, fax_number = excluded.fax_number`)
      .run(id, c.name, c.organisation, c.faxNumber);
    return { id, name: c.name, organisation: c.organisation, faxNumber: c.faxNumber };
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM contacts WHERE id = ?').run(id);
  }

  /**
   * Add the rows of a CSV phone book: with a header, its columns are found by name (ours:
   * name,organisation,fax_number; a spreadsheet's "Company", "Fax number"…); without one, the
   * columns are name, organisation, fax number. A row without a name or a complete fax
   * number, or with a number already in the phone book, is skipped and counted.
   */
  importCsv(csv: string): { imported: number; skipped: number } {
    const { contacts, skipped: invalid } = contactsFromCsv(csv);
    let imported = 0;
    let skipped = invalid;
    for (const c of contacts) {
      try {
        this.save(c);
        imported++;
      } catch (e) {
        // A number already in the phone book (e.g. the same file imported twice) is skipped.
        if (e instanceof DeskError && e.code === 'contact.duplicate_number') { skipped++; continue; }
        throw e;
      }
    }
    return { imported, skipped };
  }

  exportCsv(): string {
    const esc = (s: string): string => (/[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s);
    const lines = ['name,organisation,fax_number', ...this.list().map((c) => [c.name, c.organisation, c.faxNumber].map(esc).join(','))];
    return `${lines.join('\r\n')}\r\n`;
  }
}

/**
 * The contacts of a CSV file (ours, or a spreadsheet's with name / organisation / fax columns
 * in any order), and how many rows were not usable (no name, or not a fax number). Shared by
 * both phone books (this desk's and the office's).
 */
export function contactsFromCsv(csv: string): { contacts: Omit<Contact, 'id'>[]; skipped: number } {
  const rows = parseCsv(csv);
  const contacts: Omit<Contact, 'id'>[] = [];
  let skipped = 0;
  const header = rows[0]?.map((h) => h.trim().toLowerCase()) ?? [];
  const hasHeader = header.includes('name') || header.some((h) => h.includes('fax'));
  const col = (names: string[], fallback: number): number => { const i = header.findIndex((h) => names.includes(h)); return hasHeader && i >= 0 ? i : fallback; };
  const nameCol = col(['name'], 0);
  const orgCol = col(['organisation', 'organization', 'company'], 1);
  const faxCol = col(['fax_number', 'fax', 'fax number', 'number'], 2);
  // Our export prefixes cells starting with = + - @ with an apostrophe so spreadsheets
  // don't run them as formulas; undo that so an exported file imports again.
  const cell = (r: string[], i: number): string => (r[i] ?? '').replace(/^'(?=[=+\-@])/, '');
  for (const r of hasHeader ? rows.slice(1) : rows) {
    const name = cell(r, nameCol).trim();
    const fax = cell(r, faxCol).replace(/[\s().-]/g, '');
    if (!name || name.length > 200 || !isE164(fax)) { skipped++; continue; }
    contacts.push({ name, organisation: cell(r, orgCol).trim().slice(0, 200), faxNumber: fax });
  }
  return { contacts, skipped };
}

/** RFC 4180 CSV rows (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.some((f) => f.length > 0)) rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f.length > 0)) rows.push(row);
  return rows;
}
