// The tray icon with the unread count. The icon is drawn in code (a small blue tile, with a
// red dot when something is unread) so the build needs no image files; the count itself is
// in the tooltip, the title (macOS) and the dock/taskbar badge where the OS supports it.
import { app, Menu, nativeImage, Tray, type NativeImage } from 'electron';

export interface TrayActions {
  show: () => void;
  newFax: () => void;
  quit: () => void;
}

function drawIcon(unread: boolean): NativeImage {
  const size = 32;
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const inTile = x >= 2 && x < 30 && y >= 2 && y < 30;
      const inDot = unread && (x - 25) ** 2 + (y - 7) ** 2 <= 36;
      // "paper" strip in the middle of the tile: reads as a fax at 16 px.
      const paper = x >= 9 && x < 23 && y >= 7 && y < 25 && !(y % 4 === 0 && x > 11 && x < 21);
      const [r, g, b, a] = inDot ? [220, 38, 38, 255] : paper && inTile ? [255, 255, 255, 255] : inTile ? [36, 87, 214, 255] : [0, 0, 0, 0];
      // NativeImage bitmaps are BGRA.
      rgba[i] = b;
      rgba[i + 1] = g;
      rgba[i + 2] = r;
      rgba[i + 3] = a;
    }
  }
  return nativeImage.createFromBitmap(rgba, { width: size, height: size });
}

export function createTray(actions: TrayActions): { setUnread: (count: number) => void; destroy: () => void } {
  const icons = { none: drawIcon(false), some: drawIcon(true) };
  const tray = new Tray(icons.none);
  const menuFor = (count: number) =>
    Menu.buildFromTemplate([
      { label: count > 0 ? `${count} unread fax${count === 1 ? '' : 'es'}` : 'No unread faxes', enabled: false },
      { type: 'separator' },
      { label: 'Open fxe Desk', click: actions.show },
      { label: 'New fax…', click: actions.newFax },
      { type: 'separator' },
      { label: 'Quit', click: actions.quit },
    ]);
  tray.on('click', actions.show);
  const setUnread = (count: number) => {
    tray.setImage(count > 0 ? icons.some : icons.none);
    tray.setToolTip(count > 0 ? `fxe Desk: ${count} unread` : 'fxe Desk');
    if (process.platform === 'darwin') tray.setTitle(count > 0 ? String(count) : '');
    tray.setContextMenu(menuFor(count));
    app.setBadgeCount(count); // dock (macOS), Unity launcher (Linux); no-op elsewhere
  };
  setUnread(0);
  return { setUnread, destroy: () => tray.destroy() };
}
