/**
 * Settings of the install, persisted in the database (not secret: secrets are in the vault).
 *
 * In an office some settings belong to the office, not to one desk (OFFICE_SETTING_KEYS:
 * docs/office.md has the split): they are read from and saved to the office database, so a
 * change on one desk holds on every desk. The rest (theme, notifications, how this computer
 * receives, this desk's phone-network account) stays the desk's own.
 */
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

/** Settings that belong to the office while this desk is in one. */
export const OFFICE_SETTING_KEYS = ['defaultCountry', 'retention', 'lineNames'] as const;
export type OfficeSettingKey = (typeof OFFICE_SETTING_KEYS)[number];
export type OfficeWideSettings = Partial<Pick<Settings, OfficeSettingKey>>;

/** Where the office's settings come from (office-link/): the last values read, and a writer. */
export interface OfficeSettingsSource {
  /** The office's values (kept fresh by the change feed), or null when the desk is in no office. */
  values(): OfficeWideSettings | null;
  /** Saves to the office database (throws `office.unreachable` when it cannot be reached). */
  save(patch: OfficeWideSettings): Promise<void>;
}

function isOfficeKey(k: string): k is OfficeSettingKey {
  return (OFFICE_SETTING_KEYS as readonly string[]).includes(k);
}

/** Splits a patch into the office's part and the desk's part. */
export function splitSettingsPatch(patch: Partial<Settings>): { office: OfficeWideSettings; desk: Partial<Settings> } {
  const office: Record<string, unknown> = {};
  const desk: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) (isOfficeKey(k) ? office : desk)[k] = v;
  return { office, desk };
}

function merged(base: Settings, patch: Partial<Settings>): Settings {
  return {
    ...base,
    ...patch,
    notifications: { ...base.notifications, ...patch.notifications },
    pstn: { ...base.pstn, ...patch.pstn },
    retention: { ...base.retention, ...patch.retention },
  };
}

export class SettingsStore {
  private readonly db: Db;
  private office: OfficeSettingsSource | null = null;

  constructor(db: Db) {
    this.db = db;
  }

  /** In office mode, the office-wide settings come from (and go to) `source`. */
  attachOffice(source: OfficeSettingsSource): void {
    this.office = source;
  }

  /** This desk's own settings, the office's values laid over them while in an office. */
  get(): Settings {
    const desk = this.deskSettings();
    const office = this.office?.values();
    return office ? merged(desk, office) : desk;
  }

  private deskSettings(): Settings {
    const raw = kvGet(this.db, 'settings');
    if (!raw) return structuredClone(DEFAULT_SETTINGS);
    return merged(DEFAULT_SETTINGS, JSON.parse(raw) as Partial<Settings>);
  }

  /** Saves desk settings on this desk (the CLI and the phone-network setup: never office-wide ones). */
  update(patch: Partial<Settings>): Settings {
    const next = merged(this.deskSettings(), patch);
    kvSet(this.db, 'settings', JSON.stringify(next));
    return this.get();
  }

  /**
   * Saves what the Settings screen changed: office-wide settings to the office database while
   * in an office (first, so a database that cannot be reached changes nothing), the rest here.
   */
  async save(patch: Partial<Settings>): Promise<Settings> {
    const { office, desk } = splitSettingsPatch(patch);
    if (this.office?.values() && Object.keys(office).length > 0) {
      await this.office.save(office);
      return this.update(desk);
    }
    return this.update(patch);
  }
}
