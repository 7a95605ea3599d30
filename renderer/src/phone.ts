// Fax numbers: what the receptionist types → E.164 the services accept, with a message when
// it cannot be a phone number. "Possible" (right length for the country) is accepted, not
// only "valid": fictitious +1 555 numbers are used in demos and tests and must still work;
// a number that is possible but not valid gets a gentle hint instead of a refusal.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

export interface ParsedNumber {
  e164: string;
  display: string;
  /** false when the number has the right length but no known numbering plan uses it. */
  looksReal: boolean;
}

export type ParseOutcome = { ok: true; number: ParsedNumber } | { ok: false; message: string };

/** The country to assume for numbers typed without +: the org's own number decides. */
export function defaultCountryFor(ownNumber: string | undefined): CountryCode | undefined {
  if (!ownNumber) return undefined;
  return parsePhoneNumberFromString(ownNumber)?.country;
}

export function parseFaxNumber(text: string, defaultCountry?: CountryCode): ParseOutcome {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Enter the fax number to send to.' };
  if (/[a-z]/i.test(trimmed.replace(/^tel:/i, ''))) {
    return { ok: false, message: 'A fax number can only contain digits, spaces, dashes and a leading +.' };
  }
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed || !parsed.isPossible()) {
    return {
      ok: false,
      message: defaultCountry
        ? 'That does not look like a complete fax number. Check the digits, or start with + and the country code.'
        : 'Start the number with + and the country code, for example +1 212 555 0100.',
    };
  }
  return {
    ok: true,
    number: { e164: parsed.number, display: parsed.formatInternational(), looksReal: parsed.isValid() },
  };
}

/** Pretty form of an E.164 number for lists; falls back to the raw text. */
export function displayNumber(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed ? parsed.formatInternational() : e164;
}
