// Light/dark: follow the saved setting; 'system' leaves it to prefers-color-scheme.
import { useEffect } from 'react';
import type { Settings } from '../../../shared/domain/types.ts';
import { call } from '../api.ts';
import { takeEarlySettings } from '../startup.ts';

export function applyTheme(theme: Settings['theme']): void {
  document.documentElement.dataset.theme = theme;
}

export function useTheme(): void {
  useEffect(() => {
    (takeEarlySettings() ?? call('settings.get', {})).then((s) => applyTheme(s.theme), () => undefined);
  }, []);
}
