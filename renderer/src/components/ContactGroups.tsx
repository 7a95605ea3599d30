// Contact groups in the phone book: a name and its members ("Pharmacies", "On-call doctors").
// Typed or picked in "To", a group becomes its members, each sent a fax of its own. Created,
// renamed and deleted here; members are ticked in a list of the phone book's contacts.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { Contact, ContactGroup, UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { displayNumber } from '../phone.ts';

export interface ContactGroupsProps {
  /** Changes whenever the phone book's contacts may have changed (members are shown by name). */
  contactsVersion: number;
  onSendTo: (groupName: string) => void;
  onNotice: (text: string) => void;
  onError: (e: UserError) => void;
}

type NameDraft = { id?: string; name: string };

export function ContactGroups({ contactsVersion, onSendTo, onNotice, onError }: ContactGroupsProps) {
  const [groups, setGroups] = useState<ContactGroup[]>([]);
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [nameDraft, setNameDraft] = useState<NameDraft | null>(null);
  const [nameProblem, setNameProblem] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ group: ContactGroup; chosen: Set<string> } | null>(null);
  const titleId = useId();

  const load = useCallback(() => {
    call('groups.list', {}).then(setGroups, (err: unknown) => onError(toUserError(err)));
    call('contacts.list', {}).then(setContacts, () => setContacts([]));
  }, [onError]);
  useEffect(load, [load, contactsVersion]);

  const saveName = async (e: FormEvent) => {
    e.preventDefault();
    if (!nameDraft) return;
    if (!nameDraft.name.trim()) return setNameProblem('Give the group a name.');
    try {
      const saved = await call('groups.save', { ...(nameDraft.id ? { id: nameDraft.id } : {}), name: nameDraft.name.trim() });
      setNameDraft(null);
      setNameProblem(null);
      load();
      // A new group is empty: go straight to choosing its members.
      if (!nameDraft.id) setEditing({ group: saved, chosen: new Set() });
    } catch (err) {
      const u = toUserError(err);
      if (u.code === 'group.duplicate_name' || u.code === 'group.no_name') setNameProblem(u.message);
      else onError(u);
    }
  };

  const saveMembers = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    try {
      const saved = await call('groups.setMembers', { id: editing.group.id, contactIds: [...editing.chosen] });
      setEditing(null);
      load();
      onNotice(`${saved.name}: ${saved.members.length === 1 ? '1 member' : `${saved.members.length} members`}.`);
    } catch (err) {
      onError(toUserError(err));
    }
  };

  const remove = async (g: ContactGroup) => {
    try {
      await call('groups.delete', { id: g.id });
      if (editing?.group.id === g.id) setEditing(null);
      load();
      onNotice(`Group “${g.name}” deleted. Its contacts are still in the phone book.`);
    } catch (err) {
      onError(toUserError(err));
    }
  };

  const toggle = (contactId: string, on: boolean) =>
    setEditing((ed) => {
      if (!ed) return ed;
      const chosen = new Set(ed.chosen);
      if (on) chosen.add(contactId);
      else chosen.delete(contactId);
      return { ...ed, chosen };
    });

  return (
    <section className="contact-groups" aria-labelledby={titleId}>
      <div className="page-header">
        <h2 id={titleId}>Groups</h2>
        <span className="grow" />
        <button type="button" onClick={() => (setNameDraft({ name: '' }), setNameProblem(null))}>
          New group
        </button>
      </div>
      {nameDraft && (
        <form className="form contact-form" onSubmit={saveName} aria-label={nameDraft.id ? 'Rename group' : 'New group'} noValidate>
          <label>
            Group name
            <input autoFocus value={nameDraft.name} onChange={(e) => setNameDraft({ ...nameDraft, name: e.target.value })} placeholder="For example: Pharmacies" maxLength={100} />
          </label>
          <div className="row-actions">
            <button type="button" onClick={() => (setNameDraft(null), setNameProblem(null))}>
              Cancel
            </button>
            <button type="submit" className="primary">
              {nameDraft.id ? 'Rename' : 'Create group'}
            </button>
          </div>
          {nameProblem && <p className="field-error" role="alert">{nameProblem}</p>}
        </form>
      )}
      {editing && (
        <form className="form" onSubmit={saveMembers} aria-label={`Members of ${editing.group.name}`}>
          <fieldset className="group-members">
            <legend>Members of {editing.group.name}</legend>
            {contacts.length === 0 && <p className="muted">The phone book is empty. Add contacts first.</p>}
            {contacts.map((c) => (
              <label key={c.id} className="check">
                <input type="checkbox" checked={editing.chosen.has(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} />
                <span>
                  {c.name} <span className="muted">· {displayNumber(c.faxNumber)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div className="row-actions">
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Save members
            </button>
          </div>
        </form>
      )}
      {groups.length === 0 ? (
        <p className="muted">No groups yet. A group sends one fax to several contacts at once: each gets a copy of their own.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Members</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.id}>
                <td>{g.name}</td>
                <td className="muted">{g.members.length === 0 ? 'Nobody yet' : g.members.map((m) => m.name).join(', ')}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => onSendTo(g.name)} disabled={g.members.length === 0} aria-label={`Send a fax to the group ${g.name}`}>
                    Send fax
                  </button>
                  <button type="button" onClick={() => setEditing({ group: g, chosen: new Set(g.members.map((m) => m.id)) })} aria-label={`Choose the members of ${g.name}`}>
                    Members…
                  </button>
                  <button type="button" onClick={() => (setNameDraft({ id: g.id, name: g.name }), setNameProblem(null))} aria-label={`Rename ${g.name}`}>
                    Rename
                  </button>
                  <button type="button" className="danger" onClick={() => void remove(g)} aria-label={`Delete the group ${g.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
