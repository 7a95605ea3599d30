/**
 * The phone book's groups in the office database (migration 004), shared by every desk like
 * the contacts they hold: the same rules and sentences as a desk's own groups
 * (inbox/contact-groups.ts), one audit line per change, live through the change feed.
 */
import type { Contact, ContactGroup } from '../../../shared/domain/types.ts';
import {
  GROUP_CONTACT_GONE, GROUP_DUPLICATE, GROUP_NO_NAME, GROUP_NOT_FOUND, newGroupId, type ContactGroupStore,
} from '../inbox/contact-groups.ts';
import type { Office } from './office.ts';

interface MemberRow { group_id: string; id: string; name: string; organisation: string; fax_number: string }

const toContact = (r: MemberRow): Contact => ({ id: r.id, name: r.name, organisation: r.organisation, faxNumber: r.fax_number });

const MEMBERS = `SELECT m.group_id, c.id, c.name, c.organisation, c.fax_number FROM fxe.contact_group_members m JOIN fxe.contacts c ON c.id = m.contact_id`;

export function officeContactGroups(office: Office): ContactGroupStore {
  const get = async (id: string): Promise<ContactGroup> => {
    const g = (await office.query<{ id: string; name: string }>('SELECT id, name FROM fxe.contact_groups WHERE id = $1', [id], 'read groups')).rows[0];
    if (!g) throw GROUP_NOT_FOUND(id);
    const members = (await office.query<MemberRow>(`${MEMBERS} WHERE m.group_id = $1 ORDER BY lower(c.name), c.id`, [id], 'read groups')).rows;
    return { id: g.id, name: g.name, members: members.map(toContact) };
  };
  return {
    async list() {
      const groups = (await office.query<{ id: string; name: string }>('SELECT id, name FROM fxe.contact_groups ORDER BY lower(name), id', [], 'read groups')).rows;
      const members = (await office.query<MemberRow>(`${MEMBERS} ORDER BY lower(c.name), c.id`, [], 'read groups')).rows;
      return groups.map((g) => ({ id: g.id, name: g.name, members: members.filter((m) => m.group_id === g.id).map(toContact) }));
    },
    async save(req) {
      const name = req.name.trim();
      if (!name) throw GROUP_NO_NAME();
      const id = await office.tx(async (c) => {
        const twin = (await c.query<{ id: string }>('SELECT id FROM fxe.contact_groups WHERE lower(name) = lower($1) AND id <> $2', [name, req.id ?? ''])).rows[0];
        if (twin) throw GROUP_DUPLICATE(name, twin.id);
        if (req.id) {
          const r = await c.query('UPDATE fxe.contact_groups SET name = $2 WHERE id = $1', [req.id, name]);
          if (!r.rowCount) throw GROUP_NOT_FOUND(req.id);
          await office.audit(c, 'group-rename', null, name);
          return req.id;
        }
        const fresh = newGroupId();
        await c.query('INSERT INTO fxe.contact_groups (id, name, created_at) VALUES ($1, $2, $3)', [fresh, name, office.nowMs()]);
        await office.audit(c, 'group-create', null, name);
        return fresh;
      }, 'save group');
      return get(id);
    },
    async delete(id) {
      await office.tx(async (c) => {
        const r = await c.query<{ name: string }>('DELETE FROM fxe.contact_groups WHERE id = $1 RETURNING name', [id]);
        if (r.rows[0]) await office.audit(c, 'group-delete', null, r.rows[0].name);
      }, 'delete group');
    },
    async setMembers(id, contactIds) {
      const unique = [...new Set(contactIds)];
      await office.tx(async (c) => {
        const g = (await c.query<{ name: string }>('SELECT name FROM fxe.contact_groups WHERE id = $1 FOR UPDATE', [id])).rows[0];
        if (!g) throw GROUP_NOT_FOUND(id);
        const known = new Set((await c.query<{ id: string }>('SELECT id FROM fxe.contacts WHERE id = ANY($1::text[])', [unique])).rows.map((r) => r.id));
        const gone = unique.filter((x) => !known.has(x));
        if (gone.length > 0) throw GROUP_CONTACT_GONE(gone);
        await c.query('DELETE FROM fxe.contact_group_members WHERE group_id = $1', [id]);
        await c.query('INSERT INTO fxe.contact_group_members (group_id, contact_id) SELECT $1, unnest($2::text[])', [id, unique]);
        await office.audit(c, 'group-members', null, `${g.name}: ${unique.length} members`);
      }, 'save group members');
      return get(id);
    },
  };
}
