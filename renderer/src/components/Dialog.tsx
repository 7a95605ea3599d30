// A modal dialog on the native <dialog> element: the browser gives us the focus trap, the
// inert background and Escape-to-close, which keeps keyboard and screen-reader users safe.
import { useEffect, useId, useRef, type ReactNode } from 'react';

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  tone?: 'normal' | 'warning' | 'danger';
  wide?: boolean;
  testId?: string;
}

export function Dialog({ title, onClose, children, footer, tone = 'normal', wide, testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    // showModal() focuses the first focusable element, which is the header's × button: a
    // receptionist typing a number would close the dialog at the first space. The element
    // meant to be typed in (or the safe choice) carries data-autofocus; React's autoFocus
    // cannot be used here, since it runs before showModal() and is overridden by it.
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const onCancel = (e: Event) => {
      e.preventDefault(); // we close through React state, not the element, so both stay in sync
      closeRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
    };
  }, []);

  return (
    <dialog ref={ref} className={`dialog tone-${tone}${wide ? ' wide' : ''}`} aria-labelledby={titleId} data-testid={testId}>
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="dialog-body">{children}</div>
      {footer && <footer className="dialog-footer">{footer}</footer>}
    </dialog>
  );
}
