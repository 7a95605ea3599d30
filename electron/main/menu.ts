// The application menu. Each item forwards a MenuCommand to the renderer, which owns what
// the command does; accelerators match the renderer's own keyboard shortcuts.
import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/ipc/contract.ts';

export function buildAppMenu(send: (command: MenuCommand) => void): Menu {
  const mac = process.platform === 'darwin';
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    // The renderer handles these keys itself while focused; the menu must not fire them twice.
    registerAccelerator: false,
    click: () => send(command),
  });
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('New Fax…', 'new-fax', 'CmdOrCtrl+N'),
        { type: 'separator' },
        item('Print…', 'print-selected', 'CmdOrCtrl+P'),
        item('Save as PDF…', 'save-selected', 'CmdOrCtrl+S'),
        { type: 'separator' },
        item('Settings', 'open-settings', 'CmdOrCtrl+,'),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Go',
      submenu: [
        item('Inbox', 'open-inbox', 'CmdOrCtrl+1'),
        item('Sent', 'open-sent', 'CmdOrCtrl+2'),
        item('Outbox', 'open-outbox', 'CmdOrCtrl+3'),
        item('Archive', 'open-archive', 'CmdOrCtrl+4'),
        { type: 'separator' },
        item('Phone Book', 'open-phonebook'),
        item('Find…', 'find', 'CmdOrCtrl+F'),
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
