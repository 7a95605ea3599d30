// The "To" field of the send dialog: one or several recipients. The text box takes one entry
// at a time (a number, or a name from the phone book, suggested while typing); a comma, a
// semicolon or "Add" turns the entry into a chip, and more can follow. A contact group
// ("Pharmacies") expands to its members. Chips are removed with their × button, or with
// Backspace in the empty box. What the box still holds when Send is pressed counts too, so a
// single recipient is typed exactly as before.
import { useMemo, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import type { Contact, ContactGroup } from '../../../shared/domain/types.ts';
import { didYouMean, foldText, suggestContacts } from '../../../shared/domain/contact-suggestions.ts';
import { displayNumber, parseFaxNumber } from '../phone.ts';
import type { CountryCode } from 'libphonenumber-js/min';

/** One recipient: a complete number, with the phone book's name when it came from there. */
export interface Recipient {
  number: string; // E.164
  name: string | null;
}

export type EntryOutcome = { ok: true; recipients: Recipient[] } | { ok: false; message: string };

type Suggestion = { kind: 'group'; group: ContactGroup } | { kind: 'contact'; contact: Contact };

const SEPARATORS = /[,;]/;

/** Two numbers run together ("+1 555 … +1 555 …"): this field takes several, one at a time. */
const SEVERAL_NUMBERS = 'Put a comma between fax numbers to send to several recipients.';

/**
 * What one entry of the field means: a group's name (its members), a contact's name, or a
 * number (in the office's country when typed without +).
 */
export function resolveEntry(text: string, contacts: readonly Contact[], groups: readonly ContactGroup[], country: CountryCode | undefined): EntryOutcome {
  const t = text.trim();
  const folded = foldText(t);
  const group = groups.find((g) => foldText(g.name) === folded);
  if (group) {
    if (group.members.length === 0) return { ok: false, message: `The group “${group.name}” has nobody in it yet. Add members in the phone book.` };
    return { ok: true, recipients: group.members.map((c) => ({ number: c.faxNumber, name: c.name })) };
  }
  const byName = contacts.filter((c) => foldText(c.name) === folded);
  if (byName.length === 1) return { ok: true, recipients: [{ number: byName[0]!.faxNumber, name: byName[0]!.name }] };
  if (byName.length > 1) return { ok: false, message: `${byName.length} contacts are called “${byName[0]!.name}”. Pick one from the suggestions, or type the number.` };
  const p = parseFaxNumber(t, country);
  if (!p.ok) return { ok: false, message: p.problem === 'list' ? SEVERAL_NUMBERS : p.message };
  const known = contacts.find((c) => c.faxNumber === p.number.e164);
  return { ok: true, recipients: [{ number: p.number.e164, name: known?.name ?? null }] };
}

/** `more` added after `list`, leaving out numbers already there. */
export function addRecipients(list: readonly Recipient[], more: readonly Recipient[]): Recipient[] {
  const out = [...list];
  for (const r of more) if (!out.some((x) => x.number === r.number)) out.push(r);
  return out;
}

export interface RecipientFieldProps {
  id: string;
  recipients: Recipient[];
  onRecipientsChange: (next: Recipient[]) => void;
  text: string;
  onTextChange: (text: string) => void;
  contacts: Contact[];
  groups: ContactGroup[];
  country: CountryCode | undefined;
  /** A problem with the recipients found on Send; shown instead of the hint. */
  fieldError: string | null;
  onFieldErrorChange: (message: string | null) => void;
  /** Numbers known to be real (the office's own, the demo partner's): no "not in use" hint for them. */
  knownNumbers: string[];
  /** Whether the suggestion list may show (not while the dialog is busy sending). */
  active: boolean;
}

export function RecipientField(props: RecipientFieldProps) {
  const { id, recipients, onRecipientsChange, text, onTextChange, contacts, groups, country, fieldError, onFieldErrorChange, knownNumbers, active } = props;
  const [touched, setTouched] = useState(false);
  // The suggestion list under "To": open while typing, closed by a choice, Escape or leaving.
  const [suggestOpen, setSuggestOpen] = useState(false);
  const [activeSuggestion, setActiveSuggestion] = useState(-1);

  const parsed = text.trim() ? parseFaxNumber(text, country) : null;
  const matchingContact = contacts.find((c) => c.name.toLowerCase() === text.trim().toLowerCase());
  const matchingGroup = groups.find((g) => foldText(g.name) === foldText(text.trim()));
  const suggestions = useMemo((): Suggestion[] => {
    const q = foldText(text.trim());
    const groupHits = q ? groups.filter((g) => foldText(g.name).includes(q)).slice(0, 3).map((group) => ({ kind: 'group' as const, group })) : [];
    return [...groupHits, ...suggestContacts(contacts, text).map((contact) => ({ kind: 'contact' as const, contact }))];
  }, [contacts, groups, text]);
  // Checked while typing: a definite mistake (too many digits, letters) shows at once; "missing
  // digits" waits until the field is left, since every number is short while typed. Letters
  // that start a contact's or group's name are not a mistake: the suggestions show.
  const typingAName = parsed !== null && !parsed.ok && parsed.problem === 'letters' && suggestions.length > 0;
  const liveError =
    !matchingContact && !matchingGroup && !typingAName && parsed && !parsed.ok && (touched || parsed.problem !== 'incomplete')
      ? parsed.problem === 'list' ? SEVERAL_NUMBERS : parsed.message
      : null;
  const shownError = fieldError ?? liveError;
  // Nothing left to choose once the text is exactly the one contact suggested (typed in full).
  const only = suggestions.length === 1 ? suggestions[0]! : null;
  const alreadyChosen =
    only !== null &&
    (only.kind === 'group' ? only.group === matchingGroup : only.contact === matchingContact || (parsed?.ok === true && only.contact.faxNumber === parsed.number.e164));
  const listShown = suggestOpen && suggestions.length > 0 && !alreadyChosen && active;
  const nearContact = !matchingContact && parsed?.ok ? didYouMean(contacts, parsed.number.e164) : null;
  const known = (e164: string) => knownNumbers.includes(e164) || contacts.some((c) => c.faxNumber === e164);
  const entry = text.trim() ? resolveEntry(text, contacts, groups, country) : null;

  const closeList = () => {
    setSuggestOpen(false);
    setActiveSuggestion(-1);
  };

  /** Fills the box with a contact: by name when the name says who it is, else by number. */
  const chooseContact = (contact: Contact) => {
    const sameName = contacts.filter((c) => c.name.toLowerCase() === contact.name.toLowerCase());
    onTextChange(sameName.length === 1 ? contact.name : displayNumber(contact.faxNumber));
    onFieldErrorChange(null);
    closeList();
  };

  /** A group becomes its members, as chips, at once. */
  const chooseGroup = (group: ContactGroup) => {
    if (group.members.length === 0) {
      onFieldErrorChange(`The group “${group.name}” has nobody in it yet. Add members in the phone book.`);
    } else {
      onRecipientsChange(addRecipients(recipients, group.members.map((c) => ({ number: c.faxNumber, name: c.name }))));
      onTextChange('');
      onFieldErrorChange(null);
    }
    closeList();
  };

  const choose = (s: Suggestion) => (s.kind === 'group' ? chooseGroup(s.group) : chooseContact(s.contact));

  /** The entry in the box becomes chips; false (and the reason shown) when it is not a recipient. */
  const commitEntry = (): boolean => {
    if (!text.trim()) return true;
    const outcome = resolveEntry(text, contacts, groups, country);
    if (!outcome.ok) {
      onFieldErrorChange(outcome.message);
      return false;
    }
    onRecipientsChange(addRecipients(recipients, outcome.recipients));
    onTextChange('');
    onFieldErrorChange(null);
    closeList();
    return true;
  };

  /**
   * Typed or pasted text with commas or semicolons: every complete entry before the last
   * separator becomes a chip; the rest stays in the box. An entry that is not a recipient
   * stops there, so the box keeps it (and says what is wrong) instead of losing it.
   */
  const takeText = (value: string) => {
    if (!SEPARATORS.test(value)) {
      onTextChange(value);
      return;
    }
    const parts = value.split(SEPARATORS);
    const rest = parts.pop() ?? '';
    let next = recipients;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (!part.trim()) continue;
      const outcome = resolveEntry(part, contacts, groups, country);
      if (!outcome.ok) {
        onRecipientsChange(next);
        onTextChange([...parts.slice(i), rest].join(', ').trim());
        onFieldErrorChange(`“${part.trim()}”: ${outcome.message}`);
        return;
      }
      next = addRecipients(next, outcome.recipients);
    }
    onRecipientsChange(next);
    onTextChange(rest.trimStart());
    onFieldErrorChange(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const count = suggestions.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (count === 0) return;
      e.preventDefault();
      const down = e.key === 'ArrowDown';
      if (!listShown) {
        setSuggestOpen(true);
        setActiveSuggestion(down ? 0 : count - 1);
      } else {
        setActiveSuggestion((i) => (down ? (i + 1) % count : i <= 0 ? count - 1 : i - 1));
      }
    } else if (e.key === 'Enter' && listShown && activeSuggestion >= 0 && activeSuggestion < count) {
      e.preventDefault(); // picks the suggestion; Send stays a separate, deliberate Enter
      choose(suggestions[activeSuggestion]!);
    } else if (e.key === 'Escape' && listShown) {
      // Closes the list only: the dialog itself stays open (a second Escape closes it).
      e.preventDefault();
      e.stopPropagation();
      closeList();
    } else if (e.key === 'Backspace' && text === '' && recipients.length > 0) {
      e.preventDefault();
      onRecipientsChange(recipients.slice(0, -1));
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const pasted = e.clipboardData.getData('text');
    if (!SEPARATORS.test(pasted) && !pasted.includes('\n')) return;
    e.preventDefault();
    // A list pasted from a spreadsheet comes one per line: the same as commas.
    takeText(`${text}${pasted.replace(/\r?\n/g, ',')}`);
  };

  const labelOf = (r: Recipient) => (r.name ? `${r.name} (${displayNumber(r.number)})` : displayNumber(r.number));

  return (
    <>
      <label>
        {/* Named by this span alone: the hint below sits inside the label for layout, and
            would otherwise become part of the field's name (read out on every keystroke). */}
        <span id={`${id}-label`}>To</span>
        {recipients.length > 0 && (
          <ul className="recipient-chips" aria-label={`Recipients: ${recipients.length}`} data-testid="recipient-chips">
            {recipients.map((r) => (
              <li key={r.number} className="chip" data-number={r.number}>
                <span className="chip-text" title={displayNumber(r.number)}>{r.name ?? displayNumber(r.number)}</span>
                <button type="button" className="chip-remove" aria-label={`Remove ${labelOf(r)}`} onClick={() => onRecipientsChange(recipients.filter((x) => x.number !== r.number))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <span className="combo">
          <input
            role="combobox"
            aria-labelledby={`${id}-label`}
            aria-autocomplete="list"
            aria-expanded={listShown}
            aria-controls={`${id}-suggestions`}
            aria-activedescendant={listShown && activeSuggestion >= 0 ? `${id}-suggestion-${activeSuggestion}` : undefined}
            data-autofocus
            value={text}
            onChange={(e) => {
              onFieldErrorChange(null);
              takeText(e.target.value);
              setSuggestOpen(true);
              setActiveSuggestion(-1);
            }}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
            onBlur={() => {
              setTouched(true);
              setSuggestOpen(false);
            }}
            placeholder={recipients.length > 0 ? 'Add another number, name or group' : 'Fax number or a name from the phone book'}
            aria-invalid={shownError !== null}
            aria-describedby={`${id}-hint ${id}-more`}
            autoComplete="off"
            name="to"
          />
          <ul id={`${id}-suggestions`} role="listbox" aria-label="Phone book suggestions" className="suggestions" hidden={!listShown}>
            {listShown &&
              suggestions.map((s, i) => (
                <li
                  key={s.kind === 'group' ? `g-${s.group.id}` : s.contact.id}
                  id={`${id}-suggestion-${i}`}
                  role="option"
                  aria-selected={i === activeSuggestion}
                  // mousedown would move focus out of "To" (closing the list) before the click lands
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => choose(s)}
                >
                  {s.kind === 'group' ? (
                    <>
                      <span className="suggestion-name">{s.group.name}</span>
                      <span className="muted"> · group</span>
                      <span className="suggestion-number">{s.group.members.length === 1 ? '1 member' : `${s.group.members.length} members`}</span>
                    </>
                  ) : (
                    <>
                      <span className="suggestion-name">{s.contact.name}</span>
                      {s.contact.organisation && <span className="muted"> · {s.contact.organisation}</span>}
                      <span className="suggestion-number">{displayNumber(s.contact.faxNumber)}</span>
                    </>
                  )}
                </li>
              ))}
          </ul>
        </span>
        <span id={`${id}-hint`} className={shownError ? 'field-error' : 'hint'} data-testid="to-hint">
          {shownError ??
            (matchingGroup
              ? `Group ${matchingGroup.name}: ${matchingGroup.members.length === 1 ? '1 member' : `${matchingGroup.members.length} members`}`
              : matchingContact
                ? `${matchingContact.name}: ${displayNumber(matchingContact.faxNumber)}`
                : parsed?.ok
                  ? `${parsed.number.display}${parsed.number.looksReal || known(parsed.number.e164) ? '' : ' (check this number: it is not in use in its country)'}`
                  : ' ')}
        </span>
      </label>
      <p className="recipient-more" id={`${id}-more`}>
        <span className="muted small">Several recipients: type a comma after each, or pick a group.</span>
        {entry?.ok && (
          <button type="button" className="link" onClick={() => commitEntry()}>
            Add and type another
          </button>
        )}
      </p>
      {nearContact && (
        <p className="did-you-mean" data-testid="did-you-mean">
          <span>
            Did you mean <strong>{nearContact.name}, {displayNumber(nearContact.faxNumber)}</strong>?
          </span>
          <button type="button" onClick={() => chooseContact(nearContact)}>
            Use this number
          </button>
        </p>
      )}
    </>
  );
}
