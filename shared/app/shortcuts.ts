/**
 * The app's keyboard shortcuts, in one table. The Electron shell builds its menu accelerators
 * from it (electron/main/menu.ts) and the renderer its key handling and the hints it shows
 * (renderer/src/hooks/useShortcuts.ts), so a menu can never promise a key the window ignores.
 */
import type { MenuCommand } from '../ipc/contract.ts';

/** What a key can do: the menu's commands, and the actions on the selected fax. */
export type ShortcutCommand = MenuCommand | 'archive-selected' | 'delete-selected' | 'toggle-read-selected';

export interface Shortcut {
  command: ShortcutCommand;
  /** KeyboardEvent.key, case-insensitive for letters. */
  key: string;
  /**
   * 'mod': with Ctrl (Cmd on macOS), works while typing and is the menu's accelerator;
   * 'plain': the key alone, only when the user is not typing in a field.
   */
  kind: 'mod' | 'plain';
}

export const SHORTCUTS: readonly Shortcut[] = [
  { command: 'new-fax', key: 'n', kind: 'mod' },
  { command: 'find', key: 'f', kind: 'mod' },
  { command: 'find', key: '/', kind: 'plain' },
  { command: 'print-selected', key: 'p', kind: 'mod' },
  { command: 'save-selected', key: 's', kind: 'mod' },
  { command: 'open-settings', key: ',', kind: 'mod' },
  { command: 'open-inbox', key: '1', kind: 'mod' },
  { command: 'open-sent', key: '2', kind: 'mod' },
  { command: 'open-outbox', key: '3', kind: 'mod' },
  { command: 'open-archive', key: '4', kind: 'mod' },
  { command: 'archive-selected', key: 'e', kind: 'plain' },
  { command: 'delete-selected', key: 'Delete', kind: 'plain' },
  { command: 'delete-selected', key: '#', kind: 'plain' },
  { command: 'toggle-read-selected', key: 'u', kind: 'plain' },
];

/** The part of a KeyboardEvent a shortcut depends on. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

const sameKey = (a: string, b: string): boolean => a.length === 1 && b.length === 1 ? a.toLowerCase() === b.toLowerCase() : a === b;

/**
 * The command a key press means, or null. `typing`: the focus is in a text field, where
 * plain keys are text. Shift or Alt with Ctrl is left alone: those are the OS's or the field's.
 */
export function shortcutFor(press: KeyPress, typing: boolean): ShortcutCommand | null {
  const mod = press.ctrlKey || press.metaKey;
  if (mod && (press.shiftKey || press.altKey)) return null;
  for (const s of SHORTCUTS) {
    if (!sameKey(s.key, press.key)) continue;
    if (s.kind === 'mod' && mod) return s.command;
    if (s.kind === 'plain' && !mod && !press.altKey && !typing) return s.command;
  }
  return null;
}

/** The Electron accelerator for a menu command ("CmdOrCtrl+N"), or undefined for none. */
export function acceleratorFor(command: MenuCommand): string | undefined {
  const s = SHORTCUTS.find((x) => x.command === command && x.kind === 'mod');
  return s ? `CmdOrCtrl+${s.key.toUpperCase()}` : undefined;
}

/** How a tooltip or hint names a command's (first) key: "Ctrl+N", "e", "Del". */
export function shortcutLabel(command: ShortcutCommand): string {
  const s = SHORTCUTS.find((x) => x.command === command);
  if (!s) return '';
  if (s.kind === 'mod') return `Ctrl+${s.key.toUpperCase()}`;
  return s.key === 'Delete' ? 'Del' : s.key;
}
