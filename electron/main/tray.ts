// The tray icon with the unread count. The icon is drawn in code (a small blue tile, with a
// red dot when something is unread) so the build needs no image files; the count itself is
// in the tooltip, the title (macOS) and the dock/taskbar badge where the OS supports it.
import { app, Menu, nativeImage, Tray, type NativeImage } from 'electron';

export interface TrayActions {
  show: () => void;
  newFax: () => void;
  quit: () => void;
}

/** A blue tile with a white "paper" strip (and a red dot when something is unread), 32 px. */
function drawColourIcon(unread: boolean): NativeImage {
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

/** The macOS glyph at `px` pixels: black on transparent (a template image's only colours). */
function templateBitmap(px: number): Buffer {
  const rgba = Buffer.alloc(px * px * 4);
  const k = px / 16;
  for (let y = 0; y < px; y++) {
    for (let x = 0; x < px; x++) {
      // A sheet of paper with three lines of "text" cut out, in a 16-point grid.
      const u = x / k;
      const v = y / k;
      const sheet = u >= 3 && u < 13 && v >= 1.5 && v < 14.5;
      const line = u >= 5 && u < 11 && [4.5, 7.5, 10.5].some((t) => v >= t && v < t + 1);
      rgba[(y * px + x) * 4 + 3] = sheet && !line ? 255 : 0;
    }
  }
  return rgba;
}

/**
 * macOS menu bar: a template image (macOS draws it in the bar's own colours, light or dark)
 * 16 points tall, with a 2x representation for Retina screens: NativeImage sizes are in
 * points (pixels / scaleFactor), so a plain 32-pixel bitmap would be drawn 32 points tall in
 * a 22-point bar. The unread count is the tray's title beside it.
 */
function drawTemplateIcon(): NativeImage {
  const image = nativeImage.createFromBitmap(templateBitmap(16), { width: 16, height: 16, scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, width: 32, height: 32, buffer: templateBitmap(32) });
  image.setTemplateImage(true);
  return image;
}

export function createTray(actions: TrayActions): { setUnread: (count: number) => void; destroy: () => void } {
  const mac = process.platform === 'darwin';
  const template = mac ? drawTemplateIcon() : null;
  const icons = { none: template ?? drawColourIcon(false), some: template ?? drawColourIcon(true) };
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
    if (mac) tray.setTitle(count > 0 ? String(count) : '');
    tray.setContextMenu(menuFor(count));
    app.setBadgeCount(count); // dock (macOS), Unity launcher (Linux); no-op elsewhere
  };
  setUnread(0);
  return { setUnread, destroy: () => tray.destroy() };
}
