/** Settings of the install, persisted in the database (not secret: secrets are in the vault). */
import type { Settings } from '../../shared/domain/types.ts';
import { kvGet, kvSet, type Db } from './storage/database.ts';

export const DEFAULT_SETTINGS: Settings = {
  receiveMode: 'poll',
  pollIntervalSeconds: 30,
  webhookTunnelUrl: '',
  webhookListenPort: 0,
  notifications: { enabled: true, hideContentOnLockScreen: true },
  pstn: { provider: null, configured: false, fromNumber: '', baseUrl: '' },
  retention: { enabled: false, days: 365, action: 'archive' },
  theme: 'system',
  defaultCountry: '',
  lineNames: {},
};

export class SettingsStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  get(): Settings {
    const raw = kvGet(this.db, 'settings');
    if (!raw) return structuredClone(DEFAULT_SETTINGS);
    const s = JSON.parse(raw) as Partial<Settings>;
    return {
      ...DEFAULT_SETTINGS,
      ...s,
      notifications: { ...DEFAULT_SETTINGS.notifications, ...s.notifications },
      pstn: { ...DEFAULT_SETTINGS.pstn, ...s.pstn },
      retention: { ...DEFAULT_SETTINGS.retention, ...s.retention },
    };
  }

  update(patch: Partial<Settings>): Settings {
    const cur = this.get();
    const next: Settings = {
      ...cur,
      ...patch,
      notifications: { ...cur.notifications, ...patch.notifications },
      pstn: { ...cur.pstn, ...patch.pstn },
      retention: { ...cur.retention, ...patch.retention },
    };
    kvSet(this.db, 'settings', JSON.stringify(next));
    return next;
  }
}
