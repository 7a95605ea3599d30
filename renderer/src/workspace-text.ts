// The workspace's fixed words, shared by the app (App.tsx) and the window's first screen drawn
// before the app's script runs (first-paint.ts), so the two cannot drift apart.
import { shortcutLabel, type ShortcutCommand } from '../../shared/app/shortcuts.ts';
import type { Folder } from '../../shared/domain/types.ts';

export const FOLDERS: { folder: Folder; label: string; command: ShortcutCommand }[] = [
  { folder: 'inbox', label: 'Inbox', command: 'open-inbox' },
  { folder: 'sent', label: 'Sent', command: 'open-sent' },
  { folder: 'outbox', label: 'Outbox', command: 'open-outbox' },
  { folder: 'archive', label: 'Archive', command: 'open-archive' },
];

export const SEARCH_PLACEHOLDER = 'Search faxes (sender, number, file, tag, note)';

export const NOTHING_SELECTED = 'Select a fax to read it, or drop a PDF or pictures anywhere to send them.';

export function shortcutsHint(): string {
  return `Shortcuts: ↑ ↓ to move · Enter to open · ${shortcutLabel('archive-selected')} archive · ${shortcutLabel('delete-selected')} delete · ${shortcutLabel('toggle-read-selected')} unread · ${shortcutLabel('new-fax')} new fax`;
}

export const LIST_HEADINGS: Record<Folder, [from: string, when: string]> = {
  inbox: ['From', 'Received'],
  sent: ['To', 'Date'],
  outbox: ['To', 'Date'],
  archive: ['From', 'Date'],
};
