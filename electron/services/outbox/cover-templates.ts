/**
 * Cover-page templates and the office's logo (migration 008). A template is the office's
 * default fields; the send dialog fills the cover from the one chosen, and only its id comes
 * back with the send: the letterhead drawn on the sheet (logo, office name, reply numbers,
 * notice) is read here, so what is printed is what Settings shows.
 *
 * The logo comes from anyone's file, so it is trusted for nothing: size first, then the
 * picture is decoded in the supervised compose worker (checkPicture); only bytes that passed
 * are kept, in the database: the desk's own, or in an office the office's (one set of
 * templates and one logo for every desk).
 */
import { randomBytes } from 'node:crypto';
import type { CoverLogo, CoverTemplate } from '../../../shared/ipc/contract.ts';
import { MAX_COVER_TEMPLATES, MAX_LOGO_BYTES, MAX_LOGO_PIXELS, coverTemplateSentences as say } from '../../../shared/domain/cover-templates.ts';
import { sniffFileKind } from '../../../shared/domain/compose.ts';
import { checkPicture } from '../compose/compose.ts';
import { DeskError, errorDetail } from '../errors.ts';
import type { Db } from '../storage/database.ts';
import type { Letterhead } from './cover-page-render.ts';

interface TemplateRow {
  id: string;
  name: string;
  office_name: string;
  from_number: string;
  reply_fax: string;
  reply_phone: string;
  notice: string;
  message: string;
  is_default: number;
}

interface LogoRow { file_name: string; format: 'png' | 'jpeg'; width: number; height: number; data: Buffer }

function toTemplate(r: TemplateRow): CoverTemplate {
  return {
    id: r.id, name: r.name, officeName: r.office_name, fromNumber: r.from_number, replyFax: r.reply_fax, replyPhone: r.reply_phone,
    notice: r.notice, message: r.message, isDefault: r.is_default === 1,
  };
}

/** A template as the window saves it: no id to create one. */
export type CoverTemplateDraft = Omit<CoverTemplate, 'id'> & { id?: string };

/**
 * Where the templates and the logo live: a desk's own SQLite (CoverTemplateStore, below), or
 * in an office its database, shared by every desk (office/office-cover-templates.ts). Both
 * apply the same rules and sentences (checkedTemplateName, checkLogo).
 */
export interface CoverTemplates {
  /** The default first, then by name. */
  list(): Promise<CoverTemplate[]>;
  /** Creates (no id) or changes a template. Marking it the default unmarks the one before. */
  save(req: CoverTemplateDraft): Promise<CoverTemplate>;
  delete(id: string): Promise<void>;
  logo(): Promise<CoverLogo | null>;
  /** Checks the picture (size, kind, then decoded in the worker) and keeps it; the previous logo goes. */
  setLogo(fileName: string, data: Uint8Array): Promise<CoverLogo>;
  removeLogo(): Promise<void>;
  /** The letterhead drawn for a send that chose this template (the logo is the office's, on every template). */
  letterhead(templateId: string): Promise<Letterhead>;
}

export const templateNotFound = (id: string): DeskError => new DeskError('cover.template_not_found', say.notFound, { detail: id });
export const templateDuplicateName = (name: string, twinId: string): DeskError => new DeskError('cover.template_duplicate_name', say.duplicateName(name), { detail: twinId });
export const tooManyTemplates = (): DeskError => new DeskError('cover.too_many_templates', say.tooMany);

/** The name a template is saved under (trimmed); throws when there is none. */
export function checkedTemplateName(req: CoverTemplateDraft): string {
  const name = req.name.trim();
  if (!name) throw new DeskError('cover.template_no_name', say.noName);
  return name;
}

export const newTemplateId = (): string => `ct_${randomBytes(8).toString('hex')}`;

/**
 * The logo's checks, wherever it is then kept: size, kind by content, then decoded in the
 * supervised compose worker. Only bytes that pass may be stored.
 */
export async function checkLogo(fileName: string, data: Uint8Array): Promise<{ format: 'png' | 'jpeg'; width: number; height: number }> {
  if (data.length === 0) throw new DeskError('cover.logo_empty', say.logoEmpty(fileName), { detail: `${fileName}: 0 bytes` });
  if (data.length > MAX_LOGO_BYTES) throw new DeskError('cover.logo_too_large', say.logoTooLarge(fileName, data.length), { detail: `${fileName}: ${data.length} bytes` });
  const kind = sniffFileKind(data.subarray(0, 1024));
  if (kind !== 'png' && kind !== 'jpeg') throw new DeskError('cover.logo_not_picture', say.logoNotPicture(fileName), { detail: `${fileName}: ${kind ?? 'unknown'} by its contents` });
  try {
    const picture = await checkPicture(fileName, data, MAX_LOGO_PIXELS);
    return { format: picture.format, width: picture.width, height: picture.height };
  } catch (e) {
    const code = e instanceof DeskError ? e.code : '';
    if (code === 'picture.too_many_pixels') throw new DeskError('cover.logo_too_many_pixels', say.logoTooManyPixels(fileName), { detail: errorDetail(e), cause: e });
    throw new DeskError('cover.logo_damaged', say.logoDamaged(fileName), { detail: errorDetail(e), cause: e });
  }
}

export function letterheadFrom(t: CoverTemplate, logo: CoverLogo | null): Letterhead {
  return {
    officeName: t.officeName, replyFax: t.replyFax, replyPhone: t.replyPhone, notice: t.notice,
    logo: logo ? { format: logo.format, bytes: logo.data } : null,
  };
}

/** A desk's own templates and logo (SQLite, migration 008). */
export class CoverTemplateStore implements CoverTemplates {
  private readonly db: Db;
  private readonly nowMs: () => number;

  constructor(db: Db, nowMs: () => number) {
    this.db = db;
    this.nowMs = nowMs;
  }

  list(): Promise<CoverTemplate[]> {
    return Promise.resolve((this.db.prepare('SELECT * FROM cover_templates ORDER BY is_default DESC, name').all() as TemplateRow[]).map(toTemplate));
  }

  private row(id: string): CoverTemplate {
    const row = this.db.prepare('SELECT * FROM cover_templates WHERE id = ?').get(id) as TemplateRow | undefined;
    if (!row) throw templateNotFound(id);
    return toTemplate(row);
  }

  // async: a refusal is a rejected promise, as from the office's engine, never a throw at the call.
  async save(req: CoverTemplateDraft): Promise<CoverTemplate> {
    const name = checkedTemplateName(req);
    const twin = this.db.prepare('SELECT id FROM cover_templates WHERE name = ? AND id != ?').get(name, req.id ?? '') as { id: string } | undefined;
    if (twin) throw templateDuplicateName(name, twin.id);
    const id = req.id ?? newTemplateId();
    this.db.transaction(() => {
      if (req.id) this.row(req.id);
      else if ((this.db.prepare('SELECT count(*) AS n FROM cover_templates').get() as { n: number }).n >= MAX_COVER_TEMPLATES) throw tooManyTemplates();
      if (req.isDefault) this.db.prepare('UPDATE cover_templates SET is_default = 0 WHERE is_default = 1 AND id != ?').run(id);
      const values = [name, req.officeName, req.fromNumber, req.replyFax, req.replyPhone, req.notice, req.message, req.isDefault ? 1 : 0];
      if (req.id) {
        this.db.prepare('UPDATE cover_templates SET name = ?, office_name = ?, from_number = ?, reply_fax = ?, reply_phone = ?, notice = ?, message = ?, is_default = ? WHERE id = ?').run(...values, id);
      } else {
        this.db.prepare('INSERT INTO cover_templates (name, office_name, from_number, reply_fax, reply_phone, notice, message, is_default, id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(...values, id, this.nowMs());
      }
    })();
    return this.row(id);
  }

  delete(id: string): Promise<void> {
    this.db.prepare('DELETE FROM cover_templates WHERE id = ?').run(id);
    return Promise.resolve();
  }

  private logoRow(): CoverLogo | null {
    const row = this.db.prepare('SELECT file_name, format, width, height, data FROM cover_logo WHERE id = 1').get() as LogoRow | undefined;
    if (!row) return null;
    return { fileName: row.file_name, format: row.format, width: row.width, height: row.height, data: new Uint8Array(row.data) };
  }

  logo(): Promise<CoverLogo | null> {
    return Promise.resolve(this.logoRow());
  }

  async setLogo(fileName: string, data: Uint8Array): Promise<CoverLogo> {
    const picture = await checkLogo(fileName, data);
    this.db.prepare(`INSERT INTO cover_logo (id, file_name, format, width, height, data, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET file_name = excluded.file_name, format = excluded.format, width = excluded.width, height = excluded.height, data = excluded.data, updated_at = excluded.updated_at`)
      .run(fileName, picture.format, picture.width, picture.height, Buffer.from(data), this.nowMs());
    return this.logoRow()!;
  }

  removeLogo(): Promise<void> {
    this.db.prepare('DELETE FROM cover_logo WHERE id = 1').run();
    return Promise.resolve();
  }

  async letterhead(templateId: string): Promise<Letterhead> {
    return letterheadFrom(this.row(templateId), this.logoRow());
  }
}
