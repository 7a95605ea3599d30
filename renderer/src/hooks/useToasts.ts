// The window's toasts: at most four, the newest last; one with an action (Undo) stays longer.
import type { FaxId } from '../../../shared/domain/ids.ts';
import { useCallback, useRef, useState } from 'react';
import type { Toast } from '../components/Toasts.tsx';

export interface ToastsApi {
  toasts: Toast[];
  notify: (text: string, action?: Toast['action'], faxId?: FaxId) => void;
  dismiss: (id: number) => void;
  /** Drop the toasts about one fax (its "Undo" would act on a fax that is gone). */
  dismissForFax: (faxId: FaxId) => void;
}

export function useToasts(): ToastsApi {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const notify = useCallback((text: string, action?: Toast['action'], faxId?: FaxId) => {
    seq.current += 1;
    const toast: Toast = { id: seq.current, text, action, timeoutMs: action ? 10_000 : 5000, ...(faxId ? { faxId } : {}) };
    setToasts((t) => [...t.slice(-3), toast]);
  }, []);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const dismissForFax = useCallback((faxId: FaxId) => setToasts((t) => t.filter((x) => x.faxId !== faxId)), []);
  return { toasts, notify, dismiss, dismissForFax };
}
