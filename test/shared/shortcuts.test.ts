// The one shortcut table: every menu accelerator is a key the window acts on, with the same
// command, and plain keys never fire while the user types.
import { describe, expect, it } from 'vitest';
import { acceleratorFor, SHORTCUTS, shortcutFor, shortcutLabel, type KeyPress } from '../../shared/app/shortcuts.ts';
import type { MenuCommand } from '../../shared/ipc/contract.ts';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
const MENU_COMMANDS: MenuCommand[] = ['new-fax', 'find', 'open-inbox', 'open-sent', 'open-outbox', 'open-archive', 'open-phonebook', 'open-settings', 'print-selected', 'save-selected'];

describe('the shortcut table', () => {
  it('gives the menu an accelerator for each Ctrl shortcut, and that key means the same command in the window', () => {
    for (const command of MENU_COMMANDS) {
      const accelerator = acceleratorFor(command);
      if (accelerator === undefined) {
        expect(SHORTCUTS.some((s) => s.command === command && s.kind === 'mod')).toBe(false);
        continue;
      }
      const key = accelerator.replace(/^CmdOrCtrl\+/, '');
      expect(shortcutFor(press(key.toLowerCase(), { ctrlKey: true }), false)).toBe(command);
      expect(shortcutFor(press(key.toLowerCase(), { metaKey: true }), true)).toBe(command); // Cmd on macOS, also while typing
    }
    expect(acceleratorFor('new-fax')).toBe('CmdOrCtrl+N');
    expect(acceleratorFor('open-settings')).toBe('CmdOrCtrl+,');
    expect(acceleratorFor('open-phonebook')).toBeUndefined();
  });

  it('acts on plain keys only when the user is not typing, and leaves Ctrl+Shift / AltGr combinations alone', () => {
    expect(shortcutFor(press('e'), false)).toBe('archive-selected');
    expect(shortcutFor(press('e'), true)).toBeNull();
    expect(shortcutFor(press('Delete'), false)).toBe('delete-selected');
    expect(shortcutFor(press('#', { shiftKey: true }), false)).toBe('delete-selected');
    expect(shortcutFor(press('/'), false)).toBe('find');
    expect(shortcutFor(press('N', { ctrlKey: true }), false)).toBe('new-fax');
    expect(shortcutFor(press('2', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(shortcutFor(press('e', { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(shortcutFor(press('x'), false)).toBeNull();
  });

  it('names the keys the way the window shows them', () => {
    expect(shortcutLabel('new-fax')).toBe('Ctrl+N');
    expect(shortcutLabel('open-archive')).toBe('Ctrl+4');
    expect(shortcutLabel('delete-selected')).toBe('Del');
    expect(shortcutLabel('toggle-read-selected')).toBe('u');
  });
});
