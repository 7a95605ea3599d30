// The window's keyboard shortcuts, from the one table the app menu uses too
// (shared/app/shortcuts.ts). A dialog that is open owns the keyboard.
import { useEffect, useRef } from 'react';
import { shortcutFor, type ShortcutCommand } from '../../../shared/app/shortcuts.ts';

/** Carry out a command; false when it does not apply now (no fax selected), so the key does its usual thing. */
export type ShortcutRunner = (command: ShortcutCommand) => boolean;

export function useShortcuts(run: ShortcutRunner): void {
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('dialog[open]')) return;
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
      const command = shortcutFor(e, typing);
      if (command && latest.current(command)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
