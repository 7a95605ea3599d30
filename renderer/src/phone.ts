// Fax numbers: what the receptionist types → E.164 the services accept, with a message that
// says what is actually wrong (too many digits, too few, a list, letters). "Possible" (right
// length for the country) is accepted, not only "valid": fictitious +1 555 numbers are used
// in demos and tests and must still work; a number that is possible but not valid gets a
// gentle hint instead of a refusal, unless the number is one the office already knows.
import { getCountries, parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js/min';

export interface ParsedNumber {
  e164: string;
  display: string;
  /** false when the number has the right length but no known numbering plan uses it. */
  looksReal: boolean;
}

/**
 * Why a number was refused. `incomplete` (too few digits so far) is not worth interrupting
 * someone who is still typing; every other problem is shown as soon as it appears.
 */
export type NumberProblem = 'empty' | 'list' | 'letters' | 'too-long' | 'incomplete' | 'country' | 'invalid';

export type ParseOutcome = { ok: true; number: ParsedNumber } | { ok: false; problem: NumberProblem; message: string };

const KNOWN_COUNTRIES = new Set<string>(getCountries());

export function isCountryCode(code: string): code is CountryCode {
  return KNOWN_COUNTRIES.has(code);
}

/**
 * The country to assume for numbers typed without +: the office's setting, else the country
 * of its own number. A number the plan does not know (the demo's +1 555 numbers) still names
 * its calling code, whose main country (US for +1) is taken.
 */
export function defaultCountryFor(ownNumber: string | undefined, setting = ''): CountryCode | undefined {
  if (setting && isCountryCode(setting)) return setting;
  if (!ownNumber) return undefined;
  const parsed = parsePhoneNumberFromString(ownNumber);
  return parsed?.country ?? parsed?.getPossibleCountries()[0];
}

export function parseFaxNumber(text: string, defaultCountry?: CountryCode): ParseOutcome {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, problem: 'empty', message: 'Enter the fax number to send to.' };
  if (/[,;]/.test(trimmed) || (trimmed.match(/\+/g) ?? []).length > 1) {
    return { ok: false, problem: 'list', message: 'Enter one fax number here. To fax several people, send it to each number in turn.' };
  }
  if (/[a-z]/i.test(trimmed.replace(/^tel:/i, ''))) {
    return { ok: false, problem: 'letters', message: 'A fax number can only contain digits, spaces, dashes and a leading +.' };
  }
  const international = trimmed.replace(/^tel:/i, '').startsWith('+');
  if (!international && !defaultCountry) {
    return { ok: false, problem: 'country', message: 'Start the number with + and the country code, for example +1 212 555 0100.' };
  }
  const length = validatePhoneNumberLength(trimmed, defaultCountry);
  const code = international ? `+${trimmed.replace(/[^\d]/g, '').slice(0, 3)}` : '';
  const where = international ? parsePhoneNumberFromString(trimmed)?.countryCallingCode : undefined;
  if (length === 'TOO_LONG') {
    return { ok: false, problem: 'too-long', message: `This number has too many digits${where ? ` for +${where}` : ''}. Check it against the number you were given.` };
  }
  if (length === 'TOO_SHORT' || length === 'NOT_A_NUMBER') {
    return { ok: false, problem: 'incomplete', message: `This number is missing digits${where ? ` for +${where}` : ''}. Check it against the number you were given.` };
  }
  if (length === 'INVALID_COUNTRY') {
    return { ok: false, problem: 'country', message: `${code.length > 1 ? `The number starts with ${code}, which is not a country code. ` : ''}Start the number with + and the country code, for example +1 212 555 0100.` };
  }
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed || !parsed.isPossible()) {
    return { ok: false, problem: 'invalid', message: 'That does not look like a complete fax number. Check the digits, or start with + and the country code.' };
  }
  return {
    ok: true,
    number: { e164: parsed.number, display: parsed.formatInternational(), looksReal: parsed.isValid() },
  };
}

/** Pretty form of an E.164 number for lists; falls back to the raw text. */
/** Formatted numbers kept: the fax list shows the same few senders over and over, and parsing is the costly part. */
const displayed = new Map<string, string>();

export function displayNumber(e164: string): string {
  const known = displayed.get(e164);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(e164);
  const text = parsed ? parsed.formatInternational() : e164;
  if (displayed.size >= 2000) displayed.clear();
  displayed.set(e164, text);
  return text;
}
