// The phone book: contacts (name, organisation, fax number) used for autocomplete when
// sending and for sender names in the inbox. CSV import and export for moving lists in and
// out of other systems.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { Contact, UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { displayNumber, parseFaxNumber } from '../phone.ts';
import { ContactGroups } from './ContactGroups.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

type Draft = { id?: string; name: string; organisation: string; faxNumber: string };
const EMPTY: Draft = { name: '', organisation: '', faxNumber: '' };

export function PhoneBook({ onNotice, onSendTo }: { onNotice: (t: string) => void; onSendTo: (number: string) => void }) {
  const [query, setQuery] = useState('');
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  // Bumped on every reload of the contacts: the groups show their members by name.
  const [contactsVersion, setContactsVersion] = useState(0);
  const csvInput = useRef<HTMLInputElement>(null);

  const load = useCallback(() => {
    call('contacts.list', query ? { query } : {}).then(
      (list) => (setContacts(list), setContactsVersion((v) => v + 1)),
      (err: unknown) => setError(toUserError(err)),
    );
  }, [query]);
  useEffect(load, [load]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    if (!draft.name.trim()) return setProblem('Enter a name.');
    const p = parseFaxNumber(draft.faxNumber);
    if (!p.ok) return setProblem(p.message);
    try {
      await call('contacts.save', { ...draft, name: draft.name.trim(), organisation: draft.organisation.trim(), faxNumber: p.number.e164 });
      setDraft(null);
      setProblem(null);
      load();
    } catch (err) {
      const e = toUserError(err);
      // Said next to the field, where the receptionist is looking.
      if (e.code === 'contact.duplicate_number') setProblem(e.message);
      else setError(e);
    }
  };

  const importCsv = async (file: File) => {
    try {
      const r = await call('contacts.importCsv', { csv: await file.text() });
      onNotice(`Imported ${r.imported} contact${r.imported === 1 ? '' : 's'}${r.skipped ? `, skipped ${r.skipped} that had no valid fax number` : ''}.`);
      load();
    } catch (err) {
      setError(toUserError(err));
    }
  };

  const exportCsv = async () => {
    try {
      const { csv } = await call('contacts.exportCsv', {});
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'fxe-phone-book.csv';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(toUserError(err));
    }
  };

  return (
    <section className="page phonebook" aria-labelledby="pb-title">
      <header className="page-header">
        <h1 id="pb-title">Phone book</h1>
        <input type="search" placeholder="Search contacts" aria-label="Search contacts" value={query} onChange={(e) => setQuery(e.target.value)} />
        <span className="grow" />
        <button type="button" onClick={() => csvInput.current?.click()}>
          Import CSV…
        </button>
        <input ref={csvInput} type="file" accept=".csv,text/csv" hidden aria-label="CSV file to import" onChange={(e) => e.target.files?.[0] && importCsv(e.target.files[0])} />
        <button type="button" onClick={exportCsv}>
          Export CSV
        </button>
        <button type="button" className="primary" onClick={() => setDraft({ ...EMPTY })}>
          Add contact
        </button>
      </header>
      {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {draft && (
        <form className="form contact-form" onSubmit={save} aria-label={draft.id ? 'Edit contact' : 'New contact'} noValidate>
          <label>
            Name
            <input autoFocus value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </label>
          <label>
            Organisation
            <input value={draft.organisation} onChange={(e) => setDraft({ ...draft, organisation: e.target.value })} />
          </label>
          <label>
            Fax number
            <input value={draft.faxNumber} onChange={(e) => setDraft({ ...draft, faxNumber: e.target.value })} placeholder="+1 212 555 0100" />
          </label>
          <div className="row-actions">
            <button type="button" onClick={() => (setDraft(null), setProblem(null))}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Save
            </button>
          </div>
          {problem && <p className="field-error" role="alert">{problem}</p>}
        </form>
      )}
      {contacts.length === 0 ? (
        <p className="empty">{query ? 'No contacts match.' : 'No contacts yet. Add one, or import a CSV with columns name, organisation, fax number.'}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Organisation</th>
              <th scope="col">Fax number</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {contacts.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.organisation}</td>
                <td className="mono">{displayNumber(c.faxNumber)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => onSendTo(c.faxNumber)} aria-label={`Send a fax to ${c.name}`}>
                    Send fax
                  </button>
                  <button type="button" onClick={() => setDraft({ ...c })} aria-label={`Edit ${c.name}`}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Delete ${c.name}`}
                    onClick={() => call('contacts.delete', { id: c.id }).then(load, (err: unknown) => setError(toUserError(err)))}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ContactGroups contactsVersion={contactsVersion} onSendTo={onSendTo} onNotice={onNotice} onError={setError} />
    </section>
  );
}
