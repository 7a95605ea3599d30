// Phone-book suggestions per keystroke in the send dialog's "To" field, over a large phone
// book (5,000 contacts). Target: a few milliseconds at worst, so typing never lags. The first
// query on a new list also builds its index (folded text, digits), timed on its own.
import type { Contact } from '../../shared/domain/types.ts';
import { didYouMean, suggestContacts } from '../../shared/domain/contact-suggestions.ts';

const CONTACTS = 5000;
const ROUNDS = 200;

function phoneBook(): Contact[] {
  return Array.from({ length: CONTACTS }, (_, i) => ({
    id: String(i),
    name: `${['Dr.', 'Mrs', 'José', 'Front desk'][i % 4]} Müller ${i}`,
    organisation: `Clinic ${i % 300}`,
    faxNumber: `+1555${String(1_000_000 + i * 7).slice(-7)}`,
  }));
}

function msPer(work: () => void): string {
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) work();
  return ((performance.now() - t0) / ROUNDS).toFixed(3);
}

export async function run(): Promise<void> {
  const contacts = phoneBook();
  const t0 = performance.now();
  suggestContacts(contacts, 'x');
  console.log(`index of ${CONTACTS} contacts (once per list): ${(performance.now() - t0).toFixed(1)} ms`);
  for (const [label, query] of [
    ['every contact matches ("mül")', 'mül'],
    ['an organisation ("clinic 12")', 'clinic 12'],
    ['digits ("555 100")', '555 100'],
    ['nothing matches ("zzz")', 'zzz'],
  ] as const) {
    console.log(`suggestions, ${label}: ${msPer(() => suggestContacts(contacts, query))} ms per keystroke`);
  }
  console.log(`did you mean (one digit off): ${msPer(() => didYouMean(contacts, '+15551000008'))} ms`);
}
