// What one row of the fax list says, as text: worked out once here for the two things that
// draw rows, the list (FaxList.tsx) and the window's first screen before the app's script has
// run (first-paint.ts), so both always show the same row.
import type { FaxSummary } from '../../shared/domain/types.ts';
import { fileSize, fullDate, pagesLabel, shortDate, stateLabel, stateTone } from './format.ts';

export const FAX_ROW_HEIGHT = 56;

export interface FaxRowView {
  className: string;
  unread: boolean;
  /** The sender's (or recipient's) name, else their number. */
  who: string;
  /** The name's tooltip until the pointer comes by: only a bare number needs one at once. */
  whoTitle: string | undefined;
  /** The cover page's subject and the file name. */
  subline: string;
  when: string;
  whenTitle: string;
  pages: string;
  size: string;
  state: string;
  tone: ReturnType<typeof stateTone>;
  ariaLabel: string;
}

/** `displayNumber` (phone.ts) is passed in: the first screen loads it only when a row needs it. */
export function faxRowView(fax: FaxSummary, selected: boolean, active: boolean, displayNumber: (e164: string) => string): FaxRowView {
  const unread = fax.direction === 'in' && !fax.read;
  const who = fax.peerName ?? displayNumber(fax.peerNumber);
  // The second line tells faxes from one sender apart: the cover page's subject and the file
  // name (the number is in the name's tooltip and the header).
  const subline = fax.subject ? `${fax.subject} · ${fax.fileName}` : fax.fileName;
  // A scheduled fax is listed by when it goes, not when it was written.
  const scheduledFor = fax.state === 'scheduled' ? fax.sendAt : null;
  const at = fullDate(fax.at);
  return {
    className: ['fax-row', unread && 'unread', selected && 'selected', active && 'active'].filter(Boolean).join(' '),
    unread,
    who,
    whoTitle: fax.peerName ? undefined : who,
    subline,
    when: shortDate(scheduledFor ?? fax.at),
    whenTitle: scheduledFor ? `Goes out ${fullDate(scheduledFor)}` : at,
    pages: fax.pages === null ? '—' : String(fax.pages),
    size: fileSize(fax.sizeBytes),
    state: stateLabel(fax.state),
    tone: stateTone(fax.state),
    // The file name too: rows from the same sender would otherwise sound identical.
    ariaLabel: `${unread ? 'Unread. ' : ''}${fax.direction === 'in' ? 'From' : 'To'} ${who}, ${fax.fileName}${fax.subject ? `, subject ${fax.subject}` : ''}, ${at}, ${pagesLabel(fax.pages)}, ${stateLabel(fax.state)}${scheduledFor ? ` for ${fullDate(scheduledFor)}` : ''}${fax.assignee ? `, handled by ${fax.assignee}` : ''}`,
  };
}
