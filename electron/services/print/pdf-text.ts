/**
 * Text on pages drawn with pdf-lib's standard fonts (the cover page, the transmission and
 * activity reports): made drawable, and wrapped to a width.
 */
import type { PDFFont } from 'pdf-lib';

/**
 * The standard fonts only cover WinAnsi (Latin-1 and a few more): anything else would make
 * pdf-lib throw, so it is shown as '?' rather than failing the whole fax.
 */
export function encodable(font: PDFFont, text: string): string {
  let out = '';
  for (const ch of text.replace(/\t/g, '    ')) {
    // Line breaks are not drawn but kept for wrap(), which starts a new line at each.
    if (ch === '\n' || ch === '\r') {
      out += ch;
      continue;
    }
    try {
      font.encodeText(ch);
      out += ch;
    } catch {
      out += '?';
    }
  }
  return out;
}

/** Greedy word wrap to `width`; words longer than a line are cut. */
export function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let w = word;
      const candidate = line ? `${line} ${w}` : w;
      if (font.widthOfTextAtSize(candidate, size) <= width) { line = candidate; continue; }
      if (line) lines.push(line);
      line = '';
      while (font.widthOfTextAtSize(w, size) > width) {
        let cut = w.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(w.slice(0, cut), size) > width) cut--;
        lines.push(w.slice(0, cut));
        w = w.slice(cut);
      }
      line = w;
    }
    lines.push(line);
  }
  return lines;
}

