// Short-lived messages at the bottom of the window ("Fax deleted. Undo"), announced politely
// to screen readers. Each toast can carry one action.
import type { FaxId } from '../../../shared/domain/ids.ts';
import { useEffect } from 'react';

export interface Toast {
  id: number;
  text: string;
  action?: { label: string; run: () => void };
  timeoutMs?: number;
  /** The fax the toast is about: its toasts go when the fax itself is deleted. */
  faxId?: FaxId;
}

export function Toasts({ toasts, dismiss }: { toasts: Toast[]; dismiss: (id: number) => void }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} dismiss={dismiss} />
      ))}
    </div>
  );
}

function ToastItem({ toast, dismiss }: { toast: Toast; dismiss: (id: number) => void }) {
  useEffect(() => {
    const timer = window.setTimeout(() => dismiss(toast.id), toast.timeoutMs ?? 8000);
    return () => window.clearTimeout(timer);
  }, [toast, dismiss]);
  return (
    <div className="toast">
      <span>{toast.text}</span>
      {toast.action && (
        <button
          type="button"
          className="link"
          onClick={() => {
            toast.action?.run();
            dismiss(toast.id);
          }}
        >
          {toast.action.label}
        </button>
      )}
      <button type="button" className="icon" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}
