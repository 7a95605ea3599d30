// An error as the receptionist sees it: one plain sentence, with the technical detail (code
// and detail text, for support) one click away and never in their face.
import { useId, useState } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';

export function ErrorNotice({ error, onDismiss, compact }: { error: UserError; onDismiss?: () => void; compact?: boolean }) {
  const [open, setOpen] = useState(false);
  const detailId = useId();
  return (
    <div className={compact ? 'error-notice compact' : 'error-notice'} role="alert" data-error-code={error.code}>
      <span className="error-icon" aria-hidden="true">!</span>
      <div className="error-body">
        <p className="error-message">{error.message}</p>
        {open && (
          <pre id={detailId} className="error-detail">
            {`Code: ${error.code}`}
            {error.detail ? `\n${error.detail}` : ''}
          </pre>
        )}
      </div>
      <div className="error-actions">
        <button type="button" className="link" aria-expanded={open} aria-controls={detailId} onClick={() => setOpen(!open)}>
          {open ? 'Hide details' : 'Details'}
        </button>
        {onDismiss && (
          <button type="button" className="icon" aria-label="Dismiss this message" onClick={onDismiss}>
            ×
          </button>
        )}
      </div>
    </div>
  );
}
