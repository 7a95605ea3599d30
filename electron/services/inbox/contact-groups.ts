/**
 * Contact groups in the phone book ("All pharmacies", "On-call doctors"): a name and a set of
 * contacts. A group typed in "To" expands to its members' numbers, each then sent its own fax.
 * Members are kept by contact id, so a renamed or renumbered contact stays in its groups, and
 * a deleted contact leaves them (ON DELETE CASCADE).
 */
import { randomBytes } from 'node:crypto';
import type { Contact, ContactGroup } from '../../../shared/domain/types.ts';
import { DeskError } from '../errors.ts';
import type { Db } from '../storage/database.ts';

interface MemberRow { group_id: string; id: string; name: string; organisation: string; fax_number: string }

/** The groups where the window's phone book is: this desk's SQLite, or the office's (office/office-groups.ts). */
export interface ContactGroupStore {
  list(): Promise<ContactGroup[]>;
  /** Creates the group (no id) or renames it. */
  save(req: { id?: string; name: string }): Promise<ContactGroup>;
  delete(id: string): Promise<void>;
  /** The group's members become exactly these contacts (ids no longer in the phone book are refused). */
  setMembers(id: string, contactIds: string[]): Promise<ContactGroup>;
}

export const GROUP_NOT_FOUND = (id: string): DeskError => new DeskError('group.not_found', 'That group no longer exists.', { detail: id });
export const GROUP_NO_NAME = (): DeskError => new DeskError('group.no_name', 'Give the group a name.');
export const GROUP_DUPLICATE = (name: string, twinId: string): DeskError => new DeskError('group.duplicate_name', `There is already a group called “${name}”. Pick another name.`, { detail: twinId });
export const GROUP_CONTACT_GONE = (gone: string[]): DeskError => new DeskError('contact.not_found', 'A contact you picked is no longer in the phone book. Look at the list again.', { detail: gone.join(', ') });
export const newGroupId = (): string => `g_${randomBytes(8).toString('hex')}`;

export class ContactGroupRepository {
  private readonly db: Db;
  private readonly nowMs: () => number;

  constructor(db: Db, nowMs: () => number) {
    this.db = db;
    this.nowMs = nowMs;
  }

  list(): ContactGroup[] {
    const groups = this.db.prepare('SELECT id, name FROM contact_groups ORDER BY name').all() as { id: string; name: string }[];
    const members = this.db.prepare(
      `SELECT m.group_id, c.id, c.name, c.organisation, c.fax_number FROM contact_group_members m JOIN contacts c ON c.id = m.contact_id ORDER BY c.name`,
    ).all() as MemberRow[];
    return groups.map((g) => ({ id: g.id, name: g.name, members: members.filter((m) => m.group_id === g.id).map(toContact) }));
  }

  get(id: string): ContactGroup {
    const g = this.db.prepare('SELECT id, name FROM contact_groups WHERE id = ?').get(id) as { id: string; name: string } | undefined;
    if (!g) throw GROUP_NOT_FOUND(id);
    const members = this.db.prepare(
      'SELECT m.group_id, c.id, c.name, c.organisation, c.fax_number FROM contact_group_members m JOIN contacts c ON c.id = m.contact_id WHERE m.group_id = ? ORDER BY c.name',
    ).all(id) as MemberRow[];
    return { id: g.id, name: g.name, members: members.map(toContact) };
  }

  /** Creates the group (no id) or renames it. */
  save(req: { id?: string; name: string }): ContactGroup {
    const name = req.name.trim();
    if (!name) throw GROUP_NO_NAME();
    const twin = this.db.prepare('SELECT id FROM contact_groups WHERE name = ? AND id != ?').get(name, req.id ?? '') as { id: string } | undefined;
    if (twin) throw GROUP_DUPLICATE(name, twin.id);
    if (req.id) {
      this.get(req.id);
      this.db.prepare('UPDATE contact_groups SET name = ? WHERE id = ?').run(name, req.id);
      return this.get(req.id);
    }
    const id = newGroupId();
    this.db.prepare('INSERT INTO contact_groups (id, name, created_at) VALUES (?, ?, ?)').run(id, name, this.nowMs());
    return this.get(id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM contact_groups WHERE id = ?').run(id);
  }

  /** The group's members become exactly these contacts (ids no longer in the phone book are refused). */
  setMembers(id: string, contactIds: string[]): ContactGroup {
    this.get(id);
    const unique = [...new Set(contactIds)];
    const known = this.db.prepare('SELECT 1 FROM contacts WHERE id = ?');
    const gone = unique.filter((c) => known.get(c) === undefined);
    if (gone.length > 0) throw GROUP_CONTACT_GONE(gone);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM contact_group_members WHERE group_id = ?').run(id);
      const add = this.db.prepare('INSERT INTO contact_group_members (group_id, contact_id) VALUES (?, ?)');
      for (const c of unique) add.run(id, c);
    })();
    return this.get(id);
  }
}

function toContact(r: MemberRow): Contact {
  return { id: r.id, name: r.name, organisation: r.organisation, faxNumber: r.fax_number };
}

/** The desk's own groups behind the shared interface. */
export function sqliteContactGroups(repo: ContactGroupRepository): ContactGroupStore {
  return {
    list: () => Promise.resolve(repo.list()),
    save: (req) => Promise.resolve().then(() => repo.save(req)),
    delete: (id) => Promise.resolve().then(() => repo.delete(id)),
    setMembers: (id, contactIds) => Promise.resolve().then(() => repo.setMembers(id, contactIds)),
  };
}
