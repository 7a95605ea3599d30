// Finding phone-book contacts from what is typed in a "To" field: names and organisations
// match anywhere, ignoring case and accents; numbers match on their digits alone, so
// "555 222", "(555) 222-" and "+1555222" all find +15552220002. Plus "did you mean …?" for a
// complete number that is one slip of the finger away from exactly one contact's number.
// Runs in the renderer over the whole list, with no round trip per keystroke: the folded
// text of each contact is computed once per list, so a keystroke only compares strings.
import type { Contact } from './types.ts';

/** Enough suggestions to choose from without the list covering the dialog. */
export const MAX_SUGGESTIONS = 8;

/** Fewer digits than this match too many numbers to be worth suggesting by number. */
const MIN_NUMBER_DIGITS = 3;

export function digitsOf(text: string): string {
  return text.replace(/\D+/g, '');
}

/** Lower case without accents: "José" is found by "jose", "ÉCOLE" by "école". */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

interface IndexedContact {
  contact: Contact;
  name: string;
  organisation: string;
  /** The words of the name and organisation, for "a word starts with what was typed". */
  words: string[];
  digits: string;
}

const WORD_SEPARATORS = /[^\p{L}\p{N}]+/u;

// Keyed by the list itself: a new list from contacts.list is indexed once, then reused.
const indexes = new WeakMap<readonly Contact[], IndexedContact[]>();

function indexOf(contacts: readonly Contact[]): IndexedContact[] {
  let index = indexes.get(contacts);
  if (!index) {
    index = contacts.map((contact) => {
      const name = foldText(contact.name);
      const organisation = foldText(contact.organisation);
      const words = `${name} ${organisation}`.split(WORD_SEPARATORS).filter(Boolean);
      return { contact, name, organisation, words, digits: digitsOf(contact.faxNumber) };
    });
    indexes.set(contacts, index);
  }
  return index;
}

/**
 * Contacts matching `query`, best first: a name starting with it, then a word of the name or
 * organisation starting with it, then anything containing it (name, organisation or number).
 * Ties keep the phone book's order.
 */
export function suggestContacts(contacts: readonly Contact[], query: string, limit = MAX_SUGGESTIONS): Contact[] {
  const text = foldText(query.trim());
  if (!text) return [];
  const digits = digitsOf(query);
  // A national number typed with its trunk zero ("020 7946…") is stored without it (+44 20 7946…).
  const numberNeedles = digits.length >= MIN_NUMBER_DIGITS ? [...new Set([digits, digits.replace(/^0+/, '')])].filter((d) => d.length >= MIN_NUMBER_DIGITS) : [];
  const ranked: { contact: Contact; rank: number; order: number }[] = [];
  indexOf(contacts).forEach(({ contact, name, organisation, words, digits: contactDigits }, order) => {
    let rank: number | null = null;
    if (name.startsWith(text)) rank = 0;
    else if (name.includes(text) || organisation.includes(text)) rank = words.some((word) => word.startsWith(text)) ? 1 : 2;
    else if (numberNeedles.some((needle) => contactDigits.includes(needle))) rank = 2;
    if (rank !== null) ranked.push({ contact, rank, order });
  });
  ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return ranked.slice(0, limit).map((r) => r.contact);
}

/** True when `a` and `b` differ by exactly one digit, or by two neighbouring digits swapped. */
export function oneDigitApart(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const differ: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      differ.push(i);
      if (differ.length > 2) return false;
    }
  }
  if (differ.length === 1) return true;
  const [i, j] = differ as [number, number];
  return j === i + 1 && a[i] === b[j] && a[j] === b[i];
}

/**
 * The one contact whose number `e164` probably meant to be, or null: when the number is a
 * contact's own, when no contact is that close, or when several are (guessing would be worse
 * than saying nothing).
 */
export function didYouMean(contacts: readonly Contact[], e164: string): Contact | null {
  const typed = digitsOf(e164);
  const index = indexOf(contacts);
  if (!typed || index.some((c) => c.digits === typed)) return null;
  const near = index.filter((c) => oneDigitApart(typed, c.digits));
  const numbers = new Set(near.map((c) => c.digits));
  return numbers.size === 1 ? near[0]!.contact : null;
}
