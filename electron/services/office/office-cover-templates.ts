/**
 * The office's cover-page templates and logo (PostgreSQL migration 007): one set for every
 * desk of the office, with the same rules and sentences as a desk's own
 * (outbox/cover-templates.ts), one audit line per change, and live on every desk through the
 * change feed. The logo is not secret (it is printed on every cover), but it still comes from
 * anyone's file: the desk that chooses it runs the same checks (size, kind, decoded in the
 * supervised worker) before anything is stored.
 */
import type { CoverLogo, CoverTemplate } from '../../../shared/ipc/contract.ts';
import { MAX_COVER_TEMPLATES } from '../../../shared/domain/cover-templates.ts';
import {
  checkedTemplateName, checkLogo, letterheadFrom, newTemplateId, templateDuplicateName, templateNotFound, tooManyTemplates, type CoverTemplates,
} from '../outbox/cover-templates.ts';
import type { Office } from './office.ts';

interface TemplateRow {
  id: string;
  name: string;
  office_name: string;
  from_number: string;
  reply_fax: string;
  reply_phone: string;
  notice: string;
  message: string;
  is_default: boolean;
}

interface LogoRow { file_name: string; format: 'png' | 'jpeg'; width: number; height: number; data: Buffer }

const COLUMNS = 'id, name, office_name, from_number, reply_fax, reply_phone, notice, message, is_default';

function toTemplate(r: TemplateRow): CoverTemplate {
  return {
    id: r.id, name: r.name, officeName: r.office_name, fromNumber: r.from_number, replyFax: r.reply_fax, replyPhone: r.reply_phone,
    notice: r.notice, message: r.message, isDefault: r.is_default,
  };
}

export function officeCoverTemplates(office: Office): CoverTemplates {
  const get = async (id: string): Promise<CoverTemplate> => {
    const row = (await office.query<TemplateRow>(`SELECT ${COLUMNS} FROM fxe.cover_templates WHERE id = $1`, [id], 'read cover templates')).rows[0];
    if (!row) throw templateNotFound(id);
    return toTemplate(row);
  };
  const logo = async (): Promise<CoverLogo | null> => {
    const row = (await office.query<LogoRow>('SELECT file_name, format, width, height, data FROM fxe.cover_logo WHERE id = 1', [], 'read cover logo')).rows[0];
    return row ? { fileName: row.file_name, format: row.format, width: row.width, height: row.height, data: new Uint8Array(row.data) } : null;
  };
  return {
    async list() {
      return (await office.query<TemplateRow>(`SELECT ${COLUMNS} FROM fxe.cover_templates ORDER BY is_default DESC, lower(name), id`, [], 'read cover templates')).rows.map(toTemplate);
    },
    async save(req) {
      const name = checkedTemplateName(req);
      const id = req.id ?? newTemplateId();
      await office.tx(async (c) => {
        // One writer at a time: two desks saving "Standard" at once, or the 51st template, decide in order.
        await c.query('LOCK TABLE fxe.cover_templates IN SHARE ROW EXCLUSIVE MODE');
        const twin = (await c.query<{ id: string }>('SELECT id FROM fxe.cover_templates WHERE lower(name) = lower($1) AND id <> $2', [name, id])).rows[0];
        if (twin) throw templateDuplicateName(name, twin.id);
        if (!req.id && Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM fxe.cover_templates')).rows[0]?.n ?? 0) >= MAX_COVER_TEMPLATES) throw tooManyTemplates();
        if (req.isDefault) await c.query('UPDATE fxe.cover_templates SET is_default = false WHERE is_default AND id <> $1', [id]);
        const values = [id, name, req.officeName, req.fromNumber, req.replyFax, req.replyPhone, req.notice, req.message, req.isDefault, office.nowMs(), office.desk.person];
        if (req.id) {
          const r = await c.query(`UPDATE fxe.cover_templates SET name = $2, office_name = $3, from_number = $4, reply_fax = $5, reply_phone = $6, notice = $7, message = $8,
            is_default = $9, updated_at = $10, updated_by = $11 WHERE id = $1`, values);
          if (!r.rowCount) throw templateNotFound(req.id);
        } else {
          await c.query(`INSERT INTO fxe.cover_templates (id, name, office_name, from_number, reply_fax, reply_phone, notice, message, is_default, created_at, updated_at, updated_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)`, values);
        }
        await office.audit(c, 'cover-template', null, `${req.id ? 'changed' : 'created'} ${name}`);
      }, 'save cover template');
      return get(id);
    },
    async delete(id) {
      await office.tx(async (c) => {
        const gone = (await c.query<{ name: string }>('DELETE FROM fxe.cover_templates WHERE id = $1 RETURNING name', [id])).rows[0];
        if (gone) await office.audit(c, 'cover-template', null, `deleted ${gone.name}`);
      }, 'delete cover template');
    },
    logo,
    async setLogo(fileName, data) {
      const picture = await checkLogo(fileName, data);
      await office.tx(async (c) => {
        await c.query(`INSERT INTO fxe.cover_logo (id, file_name, format, width, height, data, updated_at, updated_by) VALUES (1, $1, $2, $3, $4, $5, $6, $7)
          ON CONFLICT (id) DO UPDATE SET file_name = excluded.file_name, format = excluded.format, width = excluded.width, height = excluded.height, data = excluded.data,
          updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [fileName, picture.format, picture.width, picture.height, Buffer.from(data.buffer, data.byteOffset, data.byteLength), office.nowMs(), office.desk.person]);
        await office.audit(c, 'cover-logo', null, `${fileName} (${picture.width}×${picture.height} ${picture.format})`);
      }, 'save cover logo');
      return (await logo())!;
    },
    async removeLogo() {
      await office.tx(async (c) => {
        const r = await c.query('DELETE FROM fxe.cover_logo WHERE id = 1');
        if (r.rowCount) await office.audit(c, 'cover-logo', null, 'removed');
      }, 'remove cover logo');
    },
    async letterhead(templateId) {
      return letterheadFrom(await get(templateId), await logo());
    },
  };
}
