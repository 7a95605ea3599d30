/** Fax numbers in E.164, as the relay and the phone network take them. */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** E.164: '+', 7..15 digits, and a length libphonenumber considers possible for the country. */
export function isE164(v: string): boolean {
  if (!/^\+[1-9]\d{6,14}$/.test(v)) return false;
  const p = parsePhoneNumberFromString(v);
  return p !== undefined && p.isPossible() && p.number === v;
}
