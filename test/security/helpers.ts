// Helpers of the security suite: the forms a secret can take once it leaks (raw bytes, hex,
// base64, base64url), a recursive scan of a data directory for them, and a PDF that carries a
// distinctive plaintext marker in an uncompressed content stream (so a plaintext copy on disk
// would show the marker verbatim).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Secret {
  /** What the secret is, for the failure message (never the value itself). */
  label: string;
  bytes: Uint8Array;
}

/** Every text form a byte secret is likely to leak in. */
export function textForms(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  const forms = [b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64'), b.toString('base64url')];
  // A base64 form without its padding still identifies the secret.
  return [...new Set(forms.map((f) => f.replace(/=+$/, '')))];
}

/** A text secret (API key, webhook secret, passphrase) and its encodings. */
export function textSecret(label: string, value: string): Secret {
  return { label, bytes: new TextEncoder().encode(value) };
}

/** Which secrets appear in `text` (in any text form, or as the UTF-8 text itself). */
export function leaksIn(text: string, secrets: Secret[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    const asText = Buffer.from(s.bytes).toString('utf8');
    const printable = /^[\x20-\x7e]+$/.test(asText);
    if (printable && text.includes(asText)) found.push(`${s.label} (as text)`);
    for (const f of textForms(s.bytes)) if (text.includes(f)) found.push(`${s.label} (${f.length}-char encoding)`);
  }
  return found;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * Search every file under `dir` for each needle (raw bytes) and report "file: label" hits.
 * Files are read whole: the data dirs of this suite hold a few MiB at most.
 */
export function scanFiles(dir: string, needles: { label: string; bytes: Uint8Array }[]): string[] {
  const hits: string[] = [];
  for (const file of filesUnder(dir)) {
    if (statSync(file).size === 0) continue;
    const data = readFileSync(file);
    for (const n of needles) if (n.bytes.length > 0 && data.includes(Buffer.from(n.bytes))) hits.push(`${file}: ${n.label}`);
  }
  return hits;
}

/** Raw bytes plus every text form, as needles for scanFiles. */
export function needlesOf(secrets: Secret[]): { label: string; bytes: Uint8Array }[] {
  return secrets.flatMap((s) => [
    { label: `${s.label} (raw)`, bytes: s.bytes },
    ...textForms(s.bytes).map((f) => ({ label: `${s.label} (${f.length}-char encoding)`, bytes: new TextEncoder().encode(f) })),
  ]);
}

/** A one-page PDF whose page draws `marker` from an uncompressed content stream. */
export function pdfWithMarker(marker: string): Uint8Array {
  const content = `BT /F1 18 Tf 72 720 Td (${marker}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(text);
}

/** JSON of an IPC payload with byte arrays as hex, so secrets in bytes are searchable as text. */
export function payloadText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : v));
}

/** A small deterministic PRNG (mulberry32): the fuzz suites replay the same cases every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
