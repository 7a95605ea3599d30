/**
 * How large a PDF fxe Desk can fax, for the services (which enforce it) and the renderer
 * (which turns a dropped file away early): one number and one sentence, so the two never
 * disagree. The cap is the relay's 100 MiB of ciphertext, which is the PDF plus 40 bytes
 * (24-byte nonce, 16-byte tag).
 */
import { MAX_CIPHERTEXT_BYTES } from '../fxe-api/types.ts';

export const ENCRYPTION_OVERHEAD_BYTES = 40;
export const MAX_PDF_BYTES = MAX_CIPHERTEXT_BYTES - ENCRYPTION_OVERHEAD_BYTES;

/** The sentence shown for a PDF over MAX_PDF_BYTES, naming its size in MiB. */
export function pdfTooLargeMessage(sizeBytes: number): string {
  return `This PDF is too large to fax over fxe (${(sizeBytes / 1048576).toFixed(1)} MiB; the limit is just under 100 MiB). Split it into smaller files.`;
}
