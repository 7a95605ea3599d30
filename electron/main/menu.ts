// The application menu. Each item forwards a MenuCommand to the renderer, which owns what
// the command does; accelerators come from the one shortcut table the renderer's keys use too.
import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import { acceleratorFor } from '../../shared/app/shortcuts.ts';
import type { MenuCommand } from '../../shared/ipc/contract.ts';

export function buildAppMenu(send: (command: MenuCommand) => void): Menu {
  const mac = process.platform === 'darwin';
  const item = (label: string, command: MenuCommand): MenuItemConstructorOptions => ({
    label,
    accelerator: acceleratorFor(command),
    // The renderer handles these keys itself while focused; the menu must not fire them twice.
    registerAccelerator: false,
    click: () => send(command),
  });
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('New Fax…', 'new-fax'),
        { type: 'separator' },
        item('Print…', 'print-selected'),
        item('Save as PDF…', 'save-selected'),
        { type: 'separator' },
        item('Settings', 'open-settings'),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Go',
      submenu: [
        item('Inbox', 'open-inbox'),
        item('Sent', 'open-sent'),
        item('Outbox', 'open-outbox'),
        item('Archive', 'open-archive'),
        { type: 'separator' },
        item('Phone Book', 'open-phonebook'),
        item('Find…', 'find'),
      ],
    },
    {
      label: '&View',
      submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }])],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
  return Menu.buildFromTemplate(template);
}
