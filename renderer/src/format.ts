// Display formatting: dates, sizes, states. Pure functions, easy to read in one place.
import type { FaxSummary, OutboxState } from '../../shared/domain/types.ts';

/**
 * A date formatter made on first use: the window's first Intl formatter loads the locale's
 * data (tens of milliseconds on a slow machine), and the first screen needs two at most.
 */
function lazyFormat(options: Intl.DateTimeFormatOptions): (d: Date) => string {
  let fmt: Intl.DateTimeFormat | null = null;
  return (d) => (fmt ??= new Intl.DateTimeFormat(undefined, options)).format(d);
}

const timeFmt = lazyFormat({ hour: 'numeric', minute: '2-digit' });
const dateFmt = lazyFormat({ day: 'numeric', month: 'short' });
const fullFmt = lazyFormat({ dateStyle: 'medium', timeStyle: 'short' });
const yearFmt = lazyFormat({ day: 'numeric', month: 'short', year: 'numeric' });

/** Like a mail client: today → time, this year → day and month, older → with the year. */
export function shortDate(ms: number, nowMs: number = Date.now()): string {
  const d = new Date(ms);
  const now = new Date(nowMs);
  if (d.toDateString() === now.toDateString()) return timeFmt(d);
  if (d.getFullYear() === now.getFullYear()) return dateFmt(d);
  return yearFmt(d);
}

export function fullDate(ms: number): string {
  return fullFmt(new Date(ms));
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const STATE_LABELS: Record<OutboxState | 'received', string> = {
  received: 'Received',
  scheduled: 'Scheduled',
  queued: 'Waiting to send',
  encrypting: 'Encrypting',
  uploading: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Failed',
  'needs-pstn': 'Needs phone network',
  'held-key-change': 'Held: keys changed',
};

export function stateLabel(state: FaxSummary['state']): string {
  return STATE_LABELS[state];
}

/** Tone for the status pill: lets colour carry meaning without being the only carrier. */
export function stateTone(state: FaxSummary['state']): 'ok' | 'busy' | 'bad' | 'warn' | 'plain' {
  switch (state) {
    case 'delivered':
    case 'sent':
      return 'ok';
    case 'scheduled':
    case 'queued':
    case 'encrypting':
    case 'uploading':
      return 'busy';
    case 'failed':
      return 'bad';
    case 'needs-pstn':
    case 'held-key-change':
      return 'warn';
    default:
      return 'plain';
  }
}

export function pagesLabel(pages: number | null): string {
  if (pages === null) return '—';
  return pages === 1 ? '1 page' : `${pages} pages`;
}

/** Group a hex fingerprint in blocks of four so it can be read out over the phone. */
export function groupedFingerprint(hex: string): string {
  return (hex.match(/.{1,4}/g) ?? []).join(' ');
}
