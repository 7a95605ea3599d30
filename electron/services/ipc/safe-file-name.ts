/**
 * A file name offered in a Save dialog, from a name someone else chose (the sender's
 * `metadata.filename`). Only a plain name survives: no folders or `..`, no control or
 * bidirectional-override characters (which can make "evil<U+202E>fdp.exe" read as "evilexe.pdf"), nothing
 * Windows refuses, and always a `.pdf` ending, since what we write is a PDF.
 */
const MAX_STEM_CHARS = 100;
// C0/C1 controls and DEL; bidi embeddings, overrides, isolates and marks; zero-width characters.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

export function safePdfFileName(raw: string | null | undefined, fallbackStem: string): string {
  const base = (raw ?? '').normalize('NFC').replace(INVISIBLE, '').split(/[/\\]/).pop() ?? '';
  let stem = base.replace(WINDOWS_FORBIDDEN, '_').replace(/\.pdf$/i, '').replace(/^[\s.]+|[\s.]+$/g, '');
  stem = [...stem].slice(0, MAX_STEM_CHARS).join('').replace(/[\s.]+$/, '');
  if (stem === '' || WINDOWS_RESERVED.test(stem)) stem = fallbackStem;
  return `${stem}.pdf`;
}
