/**
 * Cover-page templates and the office's logo (migration 008). A template is the office's
 * default fields; the send dialog fills the cover from the one chosen, and only its id comes
 * back with the send: the letterhead drawn on the sheet (logo, office name, reply numbers,
 * notice) is read here, so what is printed is what Settings shows.
 *
 * The logo comes from anyone's file, so it is trusted for nothing: size first, then the
 * picture is decoded in the supervised compose worker (checkPicture); only bytes that passed
 * are kept, in the database.
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

export class CoverTemplateStore {
  private readonly db: Db;
  private readonly nowMs: () => number;

  constructor(db: Db, nowMs: () => number) {
    this.db = db;
    this.nowMs = nowMs;
  }

  /** The default first, then by name. */
  list(): CoverTemplate[] {
    return (this.db.prepare('SELECT * FROM cover_templates ORDER BY is_default DESC, name').all() as TemplateRow[]).map(toTemplate);
  }

  get(id: string): CoverTemplate {
    const row = this.db.prepare('SELECT * FROM cover_templates WHERE id = ?').get(id) as TemplateRow | undefined;
    if (!row) throw new DeskError('cover.template_not_found', say.notFound, { detail: id });
    return toTemplate(row);
  }

  /** Creates (no id) or changes a template. Marking it the default unmarks the one before. */
  save(req: Omit<CoverTemplate, 'id'> & { id?: string }): CoverTemplate {
    const name = req.name.trim();
    if (!name) throw new DeskError('cover.template_no_name', say.noName);
    const twin = this.db.prepare('SELECT id FROM cover_templates WHERE name = ? AND id != ?').get(name, req.id ?? '') as { id: string } | undefined;
    if (twin) throw new DeskError('cover.template_duplicate_name', say.duplicateName(name), { detail: twin.id });
    const id = req.id ?? `ct_${randomBytes(8).toString('hex')}`;
    this.db.transaction(() => {
      if (req.id) this.get(req.id);
      else if ((this.db.prepare('SELECT count(*) AS n FROM cover_templates').get() as { n: number }).n >= MAX_COVER_TEMPLATES) {
        throw new DeskError('cover.too_many_templates', say.tooMany);
      }
      if (req.isDefault) this.db.prepare('UPDATE cover_templates SET is_default = 0 WHERE is_default = 1 AND id != ?').run(id);
      const values = [name, req.officeName, req.fromNumber, req.replyFax, req.replyPhone, req.notice, req.message, req.isDefault ? 1 : 0];
      if (req.id) {
        this.db.prepare('UPDATE cover_templates SET name = ?, office_name = ?, from_number = ?, reply_fax = ?, reply_phone = ?, notice = ?, message = ?, is_default = ? WHERE id = ?').run(...values, id);
      } else {
        this.db.prepare('INSERT INTO cover_templates (name, office_name, from_number, reply_fax, reply_phone, notice, message, is_default, id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(...values, id, this.nowMs());
      }
    })();
    return this.get(id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM cover_templates WHERE id = ?').run(id);
  }

  logo(): CoverLogo | null {
    const row = this.db.prepare('SELECT file_name, format, width, height, data FROM cover_logo WHERE id = 1').get() as LogoRow | undefined;
    if (!row) return null;
    return { fileName: row.file_name, format: row.format, width: row.width, height: row.height, data: new Uint8Array(row.data) };
  }

  /** Checks the picture (size, kind, then decoded in the worker) and keeps it; the previous logo goes. */
  async setLogo(fileName: string, data: Uint8Array): Promise<CoverLogo> {
    if (data.length === 0) throw new DeskError('cover.logo_empty', say.logoEmpty(fileName), { detail: `${fileName}: 0 bytes` });
    if (data.length > MAX_LOGO_BYTES) throw new DeskError('cover.logo_too_large', say.logoTooLarge(fileName, data.length), { detail: `${fileName}: ${data.length} bytes` });
    const kind = sniffFileKind(data.subarray(0, 1024));
    if (kind !== 'png' && kind !== 'jpeg') throw new DeskError('cover.logo_not_picture', say.logoNotPicture(fileName), { detail: `${fileName}: ${kind ?? 'unknown'} by its contents` });
    let picture;
    try {
      picture = await checkPicture(fileName, data, MAX_LOGO_PIXELS);
    } catch (e) {
      const code = e instanceof DeskError ? e.code : '';
      if (code === 'picture.too_many_pixels') throw new DeskError('cover.logo_too_many_pixels', say.logoTooManyPixels(fileName), { detail: errorDetail(e), cause: e });
      throw new DeskError('cover.logo_damaged', say.logoDamaged(fileName), { detail: errorDetail(e), cause: e });
    }
    this.db.prepare(`INSERT INTO cover_logo (id, file_name, format, width, height, data, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET file_name = excluded.file_name, format = excluded.format, width = excluded.width, height = excluded.height, data = excluded.data, updated_at = excluded.updated_at`)
      .run(fileName, picture.format, picture.width, picture.height, Buffer.from(data), this.nowMs());
    return this.logo()!;
  }

  removeLogo(): void {
    this.db.prepare('DELETE FROM cover_logo WHERE id = 1').run();
  }

  /** What the cover-page renderer draws for a send that chose this template (the logo is the office's, on every template). */
  letterhead(templateId: string): Letterhead {
    const t = this.get(templateId);
    const logo = this.logo();
    return {
      officeName: t.officeName, replyFax: t.replyFax, replyPhone: t.replyPhone, notice: t.notice,
      logo: logo ? { format: logo.format, bytes: logo.data } : null,
    };
  }
}
