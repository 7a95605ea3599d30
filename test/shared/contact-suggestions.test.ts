import { describe, expect, it } from 'vitest';
import type { Contact } from '../../shared/domain/types.ts';
import { didYouMean, digitsOf, oneDigitApart, suggestContacts } from '../../shared/domain/contact-suggestions.ts';

const contact = (id: string, name: string, organisation: string, faxNumber: string): Contact => ({ id, name, organisation, faxNumber });
const book: Contact[] = [
  contact('1', 'Harbor Pharmacy front desk', 'Harbor Pharmacy', '+15552220002'),
  contact('2', 'Lee, Jordan', 'Bayview Dental', '+15553330003'),
  contact('3', 'Dr. Rivera', 'Northside Clinic', '+15551110001'),
  contact('4', 'José Núñez', 'Clínica San Pablo', '+34912345678'),
  contact('5', 'London office', 'Harbor Pharmacy', '+442079460018'),
];
const names = (list: Contact[]) => list.map((c) => c.name);

describe('suggestContacts', () => {
  it('matches part of a name or organisation, ignoring case and accents', () => {
    expect(names(suggestContacts(book, 'rIVe'))).toEqual(['Dr. Rivera']);
    expect(names(suggestContacts(book, 'dental'))).toEqual(['Lee, Jordan']);
    expect(names(suggestContacts(book, 'jose nun'))).toEqual(['José Núñez']);
    expect(names(suggestContacts(book, 'CLINICA'))).toEqual(['José Núñez']);
  });

  it('matches numbers on their digits, however they are written', () => {
    expect(names(suggestContacts(book, '555 222'))).toEqual(['Harbor Pharmacy front desk']);
    expect(names(suggestContacts(book, '(555) 333-0'))).toEqual(['Lee, Jordan']);
    expect(names(suggestContacts(book, '+1 555 1'))).toEqual(['Dr. Rivera']);
    expect(names(suggestContacts(book, '020 7946'))).toEqual(['London office']); // national, trunk zero
  });

  it('puts a name that starts with the text first, then word starts, then the rest', () => {
    expect(names(suggestContacts(book, 'harbor'))).toEqual(['Harbor Pharmacy front desk', 'London office']);
    expect(names(suggestContacts(book, 'o'))).toEqual(['London office', 'Harbor Pharmacy front desk', 'Lee, Jordan', 'Dr. Rivera', 'José Núñez']);
  });

  it('suggests nothing for empty text or too few digits, and stops at the limit', () => {
    expect(suggestContacts(book, '  ')).toEqual([]);
    expect(suggestContacts(book, '55')).toEqual([]);
    expect(suggestContacts(book, '555', 2)).toHaveLength(2);
  });
});

describe('didYouMean', () => {
  it('finds the contact one digit away (a wrong digit or two swapped)', () => {
    expect(didYouMean(book, '+15552220007')?.name).toBe('Harbor Pharmacy front desk');
    expect(didYouMean(book, '+15552202002')?.name).toBe('Harbor Pharmacy front desk');
    expect(didYouMean(book, '+15553330030')?.name).toBe('Lee, Jordan');
  });

  it("says nothing for a contact's own number, a distant one, or when two contacts are as close", () => {
    expect(didYouMean(book, '+15552220002')).toBeNull();
    expect(didYouMean(book, '+15559990009')).toBeNull();
    expect(didYouMean(book, '+155522200021')).toBeNull();
    const twins = [...book, contact('6', 'Harbor fax 2', 'Harbor Pharmacy', '+15552220003')];
    expect(didYouMean(twins, '+15552220004')).toBeNull();
  });

  it('oneDigitApart and digitsOf', () => {
    expect(digitsOf('+1 (555) 222-0002')).toBe('15552220002');
    expect(oneDigitApart('1234', '1243')).toBe(true);
    expect(oneDigitApart('1234', '1235')).toBe(true);
    expect(oneDigitApart('1234', '4231')).toBe(false);
    expect(oneDigitApart('1234', '1225')).toBe(false);
    expect(oneDigitApart('1234', '1234')).toBe(false);
  });
});
