/**
 * A one-page PDF proof of delivery: the facts of a sent fax and the recipient's verified,
 * signed receipt, printable like a fax machine's transmission report. Hand-written PDF (one
 * Courier text page) to avoid a PDF-writing dependency for ~20 lines of text.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { FaxDetail } from '../../../shared/domain/types.ts';

/** How the page writes times: the office's local time, zone named (a printout travels). */
export interface ConfirmationFormat {
  /** IANA zone; default = this computer's. */
  timeZone?: string;
  locale?: string;
}

function localTime(ms: number, f: ConfirmationFormat): string {
  return new Intl.DateTimeFormat(f.locale ?? 'en-GB', {
    dateStyle: 'medium', timeStyle: 'long', ...(f.timeZone ? { timeZone: f.timeZone } : {}),
  }).format(new Date(ms));
}

function number(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

const STATE_WORDS: Record<FaxDetail['state'], string> = {
  received: 'Received', scheduled: 'Scheduled (not sent yet)', queued: 'Waiting to send', encrypting: 'Encrypting', uploading: 'Sending', sent: 'Sent (no receipt yet)',
  delivered: 'Delivered', failed: 'Failed', 'needs-pstn': 'Waiting: not on the fxe network', 'held-key-change': 'Held: recipient keys changed',
};

function pdfString(s: string): string {
  // Keep to printable ASCII so the standard font encoding shows it faithfully.
  return `(${s.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1')})`;
}

function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
  return out.length ? out : [''];
}

export function deliveryConfirmationPdf(fax: FaxDetail, nowMs: number, format: ConfirmationFormat = {}): Uint8Array {
  const r = fax.receipt;
  const lines = [
    'fxe Desk - Delivery confirmation',
    '',
    `Fax id:            ${fax.id}`,
    `From:              ${number(fax.fromNumber)}`,
    `To:                ${number(fax.toNumber)}${fax.peerName ? ` (${fax.peerName})` : ''}`,
    `Document:          ${fax.fileName}${fax.pages ? `, ${fax.pages} page(s)` : ''}, ${fax.sizeBytes} bytes`,
    `Sent:              ${localTime(fax.at, format)}`,
    `Status:            ${STATE_WORDS[fax.state]}`,
    '',
    ...(r
      ? [
          'Receipt signed by the recipient (verified by fxe Desk):',
          `Recipient org:     ${r.recipientOrgId}`,
          `Recipient key:     ${r.recipientBundleId}`,
          `Signed at:         ${localTime(r.signedAt * 1000, format)}`,
          'Ciphertext SHA-256:',
          `  ${r.ciphertextSha256}`,
          'Signature (Ed25519, base64url):',
          ...wrap(r.signatureB64u, 80).map((x) => `  ${x}`),
        ]
      : ['No delivery receipt has been received for this fax yet.']),
    '',
    `Printed ${localTime(nowMs, format)}`,
  ];
  const content = ['BT', '/F1 10 Tf', '12 TL', '50 790 Td', ...lines.map((l) => `${pdfString(l)} '`), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}
