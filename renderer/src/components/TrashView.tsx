// The Trash: deleted faxes wait here until the retention job purges them (the retention
// setting's days after the deletion). Restore puts a fax back in the folder it was deleted
// from; "Delete forever" and "Empty Trash" remove faxes for good, after a confirmation,
// since nothing can bring them back.
import type { OrgId } from '../../../shared/domain/ids.ts';
import { useCallback, useEffect, useState } from 'react';
import type { FaxSummary, UserError } from '../../../shared/domain/types.ts';
import type { TrashPage } from '../../../shared/ipc/contract.ts';
import { call, toUserError } from '../api.ts';
import { fullDate, shortDate } from '../format.ts';
import { displayNumber } from '../phone.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

// The Trash is read in one page: beyond that, the office empties it rather than scrolls it.
const PAGE_LIMIT = 500;

const FOLDER_LABEL: Record<FaxSummary['folder'], string> = { inbox: 'Inbox', sent: 'Sent', outbox: 'Outbox', archive: 'Archive' };

type Confirm = { kind: 'one'; fax: FaxSummary } | { kind: 'all'; count: number };

export interface TrashViewProps {
  orgId: OrgId;
  /** Bumped by the parent whenever main says faxes changed. */
  refreshKey: number;
  onNotice: (text: string) => void;
}

export function TrashView({ orgId, refreshKey, onNotice }: TrashViewProps) {
  const [page, setPage] = useState<TrashPage | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);

  const load = useCallback(() => {
    call('trash.list', { orgId, offset: 0, limit: PAGE_LIMIT }).then(setPage, (err: unknown) => setError(toUserError(err)));
  }, [orgId]);
  useEffect(load, [load, refreshKey]);

  const restore = (fax: FaxSummary) =>
    call('trash.restore', { ids: [fax.id] }).then(
      () => (onNotice(`Fax restored to ${FOLDER_LABEL[fax.folder]}.`), load()),
      (err: unknown) => setError(toUserError(err)),
    );

  const purge = async (c: Confirm) => {
    setConfirm(null);
    try {
      const { purged } = c.kind === 'one' ? await call('trash.deleteForever', { ids: [c.fax.id] }) : await call('trash.empty', { orgId });
      onNotice(purged === 1 ? 'Fax deleted forever.' : `${purged} faxes deleted forever.`);
      load();
    } catch (err) {
      setError(toUserError(err));
    }
  };

  const items = page?.items ?? [];
  return (
    <section className="page trash" aria-labelledby="trash-title">
      <header className="page-header">
        <h1 id="trash-title">Trash</h1>
        {page && <p className="muted small">Faxes in Trash are removed after {page.removeAfterDays} {page.removeAfterDays === 1 ? 'day' : 'days'} (the retention setting).</p>}
        <span className="grow" />
        <button type="button" className="danger" disabled={items.length === 0} onClick={() => setConfirm({ kind: 'all', count: page?.total ?? 0 })}>
          Empty Trash
        </button>
      </header>
      {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {page && items.length === 0 && <p className="empty">The Trash is empty. Deleted faxes wait here until they are removed.</p>}
      {items.length > 0 && (
        <table className="table" aria-label={`Trash: ${page?.total ?? 0} faxes`}>
          <thead>
            <tr>
              <th scope="col">From / to</th>
              <th scope="col">File</th>
              <th scope="col">Was in</th>
              <th scope="col">Deleted</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((fax) => {
              const who = fax.peerName ?? displayNumber(fax.peerNumber);
              return (
                <tr key={fax.id} data-fax-id={fax.id}>
                  <td>{fax.direction === 'in' ? 'From' : 'To'} {who}</td>
                  <td title={fax.subject ? `${fax.subject} · ${fax.fileName}` : fax.fileName}>{fax.fileName}</td>
                  <td>{FOLDER_LABEL[fax.folder]}</td>
                  <td title={fullDate(fax.deletedAt)}>{shortDate(fax.deletedAt)}</td>
                  <td className="row-actions">
                    <button type="button" onClick={() => void restore(fax)} aria-label={`Restore ${fax.fileName} to ${FOLDER_LABEL[fax.folder]}`}>
                      Restore
                    </button>
                    <button type="button" className="danger" onClick={() => setConfirm({ kind: 'one', fax })} aria-label={`Delete ${fax.fileName} forever`}>
                      Delete forever
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {page && page.total > items.length && <p className="muted small">Showing the {items.length} most recently deleted of {page.total}.</p>}
      {confirm && (
        <Dialog
          title={confirm.kind === 'one' ? 'Delete this fax forever?' : 'Empty the Trash?'}
          tone="danger"
          onClose={() => setConfirm(null)}
          testId="confirm-purge"
          footer={
            <>
              <button type="button" className="primary" data-autofocus onClick={() => setConfirm(null)}>
                Cancel
              </button>
              <button type="button" className="danger" onClick={() => void purge(confirm)}>
                {confirm.kind === 'one' ? 'Delete forever' : 'Empty Trash'}
              </button>
            </>
          }
        >
          <p>
            {confirm.kind === 'one'
              ? `${confirm.fax.fileName} will be removed from this computer for good. It cannot be restored.`
              : `${confirm.count === 1 ? 'The fax' : `All ${confirm.count} faxes`} in the Trash will be removed from this computer for good. ${confirm.count === 1 ? 'It' : 'They'} cannot be restored.`}
          </p>
        </Dialog>
      )}
    </section>
  );
}
