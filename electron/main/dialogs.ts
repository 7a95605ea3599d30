// The OS file dialogs the services ask for (keys.zip import, save as PDF, backups). They
// return paths; the services read and write the files, so key bytes never reach the renderer.
import { dialog, type BrowserWindow } from 'electron';

type Filters = { name: string; extensions: string[] }[];

export function createDialogs(parent: () => BrowserWindow | null) {
  return {
    async openFile(opts: { title: string; filters?: Filters }): Promise<string | null> {
      const win = parent();
      const options = { title: opts.title, filters: opts.filters ?? [], properties: ['openFile' as const] };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async saveFile(opts: { title: string; defaultPath: string; filters?: Filters }): Promise<string | null> {
      const win = parent();
      const options = { title: opts.title, defaultPath: opts.defaultPath, filters: opts.filters ?? [] };
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return result.canceled ? null : (result.filePath ?? null);
    },
  };
}
