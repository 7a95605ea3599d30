/**
 * Page turns in an office (PostgreSQL migration 007): a page one person turned in the viewer is
 * turned on every desk (live through the change feed), and printed and saved that way. The
 * stored fax is never rewritten, as on a single desk (inbox/page-rotations.ts).
 */
import type { PageRotation } from '../../../shared/ipc/contract.ts';
import { DeskError } from '../errors.ts';
import type { PageTurns } from '../inbox/page-rotations.ts';
import type { Office } from './office.ts';

export function officePageTurns(office: Office): PageTurns {
  return {
    async read(faxId) {
      return (await office.query<PageRotation>('SELECT page, degrees FROM fxe.page_rotations WHERE fax_id = $1 ORDER BY page', [faxId], 'read page turns')).rows;
    },
    async set(faxId, page, degrees) {
      await office.tx(async (c) => {
        const fax = (await c.query('SELECT 1 FROM fxe.faxes WHERE id = $1 AND deleted_at IS NULL', [faxId])).rowCount;
        if (!fax) throw new DeskError('fax.not_found', 'That fax is no longer here.', { detail: `no fax ${faxId}` });
        if (degrees === 0) await c.query('DELETE FROM fxe.page_rotations WHERE fax_id = $1 AND page = $2', [faxId, page]);
        else {
          await c.query(`INSERT INTO fxe.page_rotations (fax_id, page, degrees, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (fax_id, page) DO UPDATE SET degrees = excluded.degrees, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
          [faxId, page, degrees, office.nowMs(), office.desk.person]);
        }
      }, 'turn a page');
    },
  };
}
