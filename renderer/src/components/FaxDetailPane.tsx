// One fax, opened: who/when/what, its verified delivery receipt (sent faxes), tags and a
// note, the actions (print, save, forward, resend, archive, delete), and the document itself.
// The document is fetched only through 'faxes.document', which main serves for verified
// faxes only: a fax that failed verification shows its error and never a document.
import type { FaxId } from '../../../shared/domain/ids.ts';
import { useEffect, useRef, useState } from 'react';
import type { FaxDetail, PstnProviderName, UserError } from '../../../shared/domain/types.ts';
import type { PageRotation } from '../../../shared/ipc/contract.ts';
import { call, toUserError } from '../api.ts';
import { fileSize, fullDate, groupedFingerprint, pagesLabel, stateLabel, stateTone } from '../format.ts';
import { displayNumber } from '../phone.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { OutgoingSendPanel, TransmissionReportActions } from './OutgoingSendPanel.tsx';
import { AuditTrail, OfficeFacts } from './FaxOffice.tsx';
import { PdfViewer } from './PdfViewer.tsx';
import { PSTN_NOT_E2E_NOTICE, PSTN_PROVIDER_LABELS, isPstnProviderName, pstnRouteNotice } from '../../../shared/domain/pstn.ts';
import { PstnPrompt } from './SendDialog.tsx';

export interface FaxDetailPaneProps {
  id: FaxId;
  refreshKey: number;
  onArchive: (fax: FaxDetail) => void;
  onDelete: (fax: FaxDetail) => void;
  onForward: (fax: FaxDetail) => void;
  onNotice: (text: string) => void;
  /** Live send progress for this fax from 'outbox.changed' events, if any. */
  liveProgress: number | null;
  /** Something about this fax changed here (read state): lists and counts should refresh. */
  onChanged: () => void;
  /** The fax left the list it was opened from (a scheduled fax cancelled into the Trash). */
  onGone?: () => void;
  /** Office mode: the people a fax can be assigned to (empty on a single desk). */
  people?: string[];
  /** How to name the number a fax came in on: the office's name for the line, when it has one. */
  lineLabel?: (number: string) => string;
}

export function FaxDetailPane({ id, refreshKey, onArchive, onDelete, onForward, onNotice, liveProgress, onChanged, onGone, people = [], lineLabel = displayNumber }: FaxDetailPaneProps) {
  const changed = useRef(onChanged);
  changed.current = onChanged;
  const [fax, setFax] = useState<FaxDetail | null>(null);
  const loadedOnce = useRef(false);
  const [error, setError] = useState<UserError | null>(null);
  const [doc, setDoc] = useState<{ fileName: string; pdf: Uint8Array; rotations: PageRotation[] } | null>(null);
  const [docError, setDocError] = useState<UserError | null>(null);
  const [actionError, setActionError] = useState<UserError | null>(null);
  /** The phone-network prompt for a fax waiting in needs-pstn: the provider on offer, or null for none. */
  const [pstnPrompt, setPstnPrompt] = useState<{ provider: PstnProviderName | null } | null>(null);
  /** The fax went to the Trash (or for good) while open here, at another desk say. */
  const [gone, setGone] = useState(false);
  /** Page turns as read again after a change (another desk may have turned a page); null: the document's own. */
  const [liveTurns, setLiveTurns] = useState<PageRotation[] | null>(null);
  /** Turns made here and not saved yet: a re-read meanwhile would show the page as it was. */
  const turning = useRef(0);

  useEffect(() => {
    let alive = true;
    call('faxes.get', { id }).then(
      (f) => {
        if (!alive) return;
        setError(null);
        setGone(false); // back from the Trash (an Undo, a restore at another desk)
        // Opening an unread fax marks it read, as in any mail client: once, when it opens.
        // Not on later refreshes, or "Mark unread" (u) on the open fax would be undone at once.
        const opening = !loadedOnce.current;
        loadedOnce.current = true;
        if (opening && f.direction === 'in' && !f.read) {
          setFax({ ...f, read: true });
          call('faxes.markRead', { ids: [id], read: true }).then(() => changed.current(), () => undefined);
        } else {
          setFax(f);
        }
      },
      (err: unknown) => {
        const e = toUserError(err);
        // Gone while open (moved to the Trash here or at another desk): say so, not a bare error.
        if (alive && e.code === 'fax.not_found' && loadedOnce.current) return setGone(true);
        // The office database went away: keep the fax on screen (the banner says why it is not fresh).
        if (alive && !(e.code === 'office.unreachable' && loadedOnce.current)) setError(e);
      },
    );
    return () => {
      alive = false;
    };
  }, [id, refreshKey]);

  useEffect(() => {
    let alive = true;
    setDoc(null);
    setDocError(null);
    call('faxes.document', { id }).then(
      (d) => alive && (performance.mark('fxe:viewer-document'), setDoc(d)),
      (err: unknown) => alive && setDocError(toUserError(err)),
    );
    return () => {
      alive = false;
    };
  }, [id]);

  // Each change (here or at another desk of the office) reads the page turns again, without
  // the document: the open viewer turns a page another desk turned.
  useEffect(() => {
    if (refreshKey === 0 || turning.current > 0) return undefined;
    let alive = true;
    call('faxes.pageTurns', { id }).then((t) => alive && turning.current === 0 && setLiveTurns(t), () => undefined);
    return () => {
      alive = false;
    };
  }, [id, refreshKey]);

  const act = async (what: () => Promise<string | null>) => {
    setActionError(null);
    try {
      const notice = await what();
      if (notice) onNotice(notice);
    } catch (err) {
      setActionError(toUserError(err));
    }
  };

  // Turned pages are remembered by main, in order; Print and Save wait for the last one, so a
  // page turned just before Print comes out turned.
  const rotationsSaved = useRef<Promise<void>>(Promise.resolve());
  const rotatePage = (page: number, degrees: 0 | 90 | 180 | 270) => {
    turning.current++;
    rotationsSaved.current = rotationsSaved.current
      .then(() => call('faxes.setPageRotation', { id, page, degrees }))
      .then(() => undefined, (err: unknown) => setActionError(toUserError(err)))
      .finally(() => { turning.current--; });
  };
  const print = () => act(async () => {
    await rotationsSaved.current;
    return (await call('faxes.print', { id })).printed ? 'Sent to the printer.' : null;
  });
  const save = () => act(async () => {
    await rotationsSaved.current;
    const r = await call('faxes.saveAs', { id });
    return r ? `Saved to ${r.savedTo}` : null;
  });

  if (gone) return <div className="detail"><p className="muted center" role="status">This fax was moved to the Trash, perhaps at another desk. Open the Trash to see it or put it back.</p></div>;
  if (error) return <div className="detail"><ErrorNotice error={error} /></div>;
  if (!fax) return <div className="detail"><p className="muted center">Loading…</p></div>;

  const incoming = fax.direction === 'in';
  const progress = liveProgress ?? fax.progress;
  const busy = fax.state === 'queued' || fax.state === 'encrypting' || fax.state === 'uploading';

  return (
    <article className="detail" aria-label="Fax details">
      <header className="detail-header">
        <div className="detail-title">
          <h2>{fax.peerName ?? displayNumber(fax.peerNumber)}</h2>
          <p className="detail-doc" data-testid="detail-doc">
            {fax.subject && <strong className="detail-subject">{fax.subject}</strong>}
            {fax.subject && ' · '}
            <span className="detail-file">{fax.fileName}</span>
          </p>
          <p className="muted">
            {incoming ? 'From' : 'To'} {displayNumber(fax.peerNumber)}
            {' · '}
            {fullDate(fax.at)} · {pagesLabel(fax.pages)} · {fileSize(fax.sizeBytes)}
          </p>
          <p className="detail-meta">
            <span className={`pill tone-${stateTone(fax.state)}`}>{stateLabel(fax.state)}</span>
            {fax.route === 'fxe' ? (
              <span className="badge ok" title="End-to-end encrypted over fxe">
                <LockIcon /> Encrypted
              </span>
            ) : (
              <span className="badge warn" title="Travelled over the ordinary phone network">Phone network (not encrypted)</span>
            )}
            {!incoming && <span className="muted">from {displayNumber(fax.fromNumber)}</span>}
            {/* The office line it came in on: a practice with several fax numbers routes by it. */}
            {incoming && <span className="muted" data-testid="received-on">on {lineLabel(fax.toNumber)}</span>}
          </p>
        </div>
        <div className="detail-actions" role="toolbar" aria-label="Fax actions">
          {incoming && (
            <button type="button" onClick={() => act(async () => (await call('faxes.markRead', { ids: [id], read: !fax.read }), setFax({ ...fax, read: !fax.read }), onChanged(), null))}>
              {fax.read ? 'Mark unread' : 'Mark read'}
            </button>
          )}
          <button type="button" onClick={() => onForward(fax)} disabled={!doc}>
            Forward
          </button>
          {fax.state === 'needs-pstn' && !incoming ? (
            <button
              type="button"
              className="warning"
              onClick={() =>
                act(async () => {
                  const st = await call('settings.get', {});
                  setPstnPrompt({ provider: st.pstn.configured ? st.pstn.provider : null });
                  return null;
                })
              }
            >
              Send over phone network…
            </button>
          ) : fax.state === 'failed' ? (
            <button type="button" onClick={() => act(async () => (await call('faxes.resend', { id }), 'Sending again. Watch the Outbox.'))}>
              Resend
            </button>
          ) : null}
          <TransmissionReportActions fax={fax} onNotice={onNotice} onError={setActionError} />
          <button type="button" onClick={() => onArchive(fax)}>
            {fax.folder === 'archive' ? 'Move to inbox' : 'Archive'}
          </button>
          <button type="button" className="danger" onClick={() => onDelete(fax)}>
            Delete
          </button>
        </div>
      </header>

      {busy && progress !== null && (
        <div className="progress-row">
          <progress max={1} value={progress} aria-label="Sending progress" />
          <span>{Math.round(progress * 100)}%</span>
        </div>
      )}
      {fax.failureReason && <ErrorNotice error={fax.failureReason} />}
      <OutgoingSendPanel fax={fax} onNotice={onNotice} onError={setActionError} onChanged={onChanged} onGone={() => onGone?.()} />
      {fax.route === 'pstn' && !incoming && <PstnPanel fax={fax} />}
      {actionError && <ErrorNotice error={actionError} onDismiss={() => setActionError(null)} />}
      {fax.receipt && <ReceiptPanel fax={fax} onPrinted={onNotice} onError={setActionError} />}
      <OfficeFacts fax={fax} people={people} onError={setActionError} onChanged={onChanged} />
      <TagsAndNote fax={fax} onError={setActionError} />
      <AuditTrail faxId={fax.id} refreshKey={refreshKey} />

      {pstnPrompt && (
        <PstnPrompt
          number={fax.toNumber}
          provider={pstnPrompt.provider}
          onCancel={() => setPstnPrompt(null)}
          onConfirm={() => {
            setPstnPrompt(null);
            // The user's explicit go-ahead for the phone network: the same item goes to the provider.
            void act(async () => (await call('faxes.sendViaPstn', { id }), onChanged(), 'Sending over the phone network. Watch the Outbox.'));
          }}
        />
      )}

      <div className="detail-document">
        {docError ? (
          <ErrorNotice error={docError} />
        ) : doc ? (
          <PdfViewer
            pdf={doc.pdf}
            fileName={doc.fileName}
            rotations={liveTurns ?? doc.rotations}
            // Remembered by main, so Print and Save (and the next opening) show the page turned too.
            onRotatePage={rotatePage}
            onPrint={print}
            onSave={save}
          />
        ) : (
          <p className="muted center">Decrypting…</p>
        )}
      </div>
    </article>
  );
}

/** A fax that went (or is going) over the phone network: say plainly it was not encrypted, and what the provider reports. */
function PstnPanel({ fax }: { fax: FaxDetail }) {
  const provider = isPstnProviderName(fax.pstn?.provider) ? fax.pstn.provider : null;
  const label = provider ? PSTN_PROVIDER_LABELS[provider] : 'the fax provider';
  return (
    <section className="pstn-notice" aria-label="Phone network" data-testid="pstn-notice">
      <h3>Phone network (PSTN): not end-to-end encrypted</h3>
      <p>{provider ? pstnRouteNotice(provider) : PSTN_NOT_E2E_NOTICE}</p>
      {fax.pstn ? (
        <dl className="facts">
          <dt>Provider</dt>
          <dd>{label}</dd>
          <dt>Provider's fax id</dt>
          <dd><code>{fax.pstn.providerFaxId}</code></dd>
          <dt>Provider status</dt>
          <dd data-testid="pstn-provider-status">{fax.pstn.status}</dd>
        </dl>
      ) : (
        <p className="muted">Waiting for {label} to take the fax.</p>
      )}
    </section>
  );
}

function ReceiptPanel({ fax, onPrinted, onError }: { fax: FaxDetail; onPrinted: (t: string) => void; onError: (e: UserError) => void }) {
  const r = fax.receipt!;
  return (
    <section className="receipt" aria-label="Delivery receipt">
      {/* One line by default, so the document stays in view at 1280×800; the proof is one click away. */}
      <div className="receipt-head">
        <h3>Delivery confirmed</h3>
        <span className="receipt-when">signed by the recipient, {fullDate(r.signedAt * 1000)}</span>
        <button
          type="button"
          onClick={() =>
            call('faxes.printDeliveryConfirmation', { id: fax.id }).then(
              (res) => res.printed && onPrinted('Delivery confirmation sent to the printer.'),
              (err: unknown) => onError(toUserError(err)),
            )
          }
        >
          Print delivery confirmation
        </button>
      </div>
      <details className="receipt-proof">
        <summary>What this proves</summary>
        <p>
          The recipient's system signed a receipt on {fullDate(r.signedAt * 1000)}, and fxe Desk checked that signature
          against the recipient's keys. It proves this exact document was delivered.
        </p>
        <dl className="facts">
          <dt>Recipient organisation</dt>
          <dd><code>{r.recipientOrgId}</code></dd>
          <dt>Document fingerprint</dt>
          <dd><code className="wrap">{groupedFingerprint(r.ciphertextSha256)}</code></dd>
        </dl>
      </details>
    </section>
  );
}

function TagsAndNote({ fax, onError }: { fax: FaxDetail; onError: (e: UserError) => void }) {
  const serverTags = fax.tags.join(', ');
  const [tags, setTags] = useState(serverTags);
  const [note, setNote] = useState(fax.note);
  // Saving one field refreshes the fax, and the refreshed copy must not wipe what is being
  // typed in the other: a field follows the saved value only while the user has not edited it.
  const shownTags = useRef(serverTags);
  const shownNote = useRef(fax.note);
  useEffect(() => {
    setTags((local) => (local === shownTags.current ? serverTags : local));
    shownTags.current = serverTags;
  }, [serverTags]);
  useEffect(() => {
    setNote((local) => (local === shownNote.current ? fax.note : local));
    shownNote.current = fax.note;
  }, [fax.note]);

  const saveTags = () => {
    const list = [...new Set(tags.split(',').map((t) => t.trim()).filter(Boolean))];
    if (list.join(',') === fax.tags.join(',')) return;
    call('faxes.setTags', { id: fax.id, tags: list }).catch((err: unknown) => onError(toUserError(err)));
  };
  const saveNote = () => {
    if (note === fax.note) return;
    call('faxes.setNote', { id: fax.id, note }).catch((err: unknown) => onError(toUserError(err)));
  };
  return (
    <details className="tags-note" open={fax.tags.length > 0 || fax.note !== ''}>
      <summary>Tags and note</summary>
      <div className="tags-note-fields">
      <label>
        Tags
        <input value={tags} onChange={(e) => setTags(e.target.value)} onBlur={saveTags} placeholder="billing, urgent" aria-describedby={`tags-hint-${fax.id}`} />
        <span id={`tags-hint-${fax.id}`} className="sr-only">Separate tags with commas</span>
      </label>
      <label>
        Note
        <textarea value={note} onChange={(e) => setNote(e.target.value)} onBlur={saveNote} rows={1} placeholder={fax.readBy === undefined ? 'Seen only on this computer' : 'Seen by everyone in the office'} title={fax.readBy === undefined ? 'Only you and your colleagues on this computer see this.' : 'Every desk of the office sees this note.'} />
      </label>
      </div>
    </details>
  );
}

function LockIcon() {
  return (
    <svg className="lock" width="11" height="12" viewBox="0 0 11 12" aria-hidden="true">
      <rect x="1" y="5" width="9" height="7" rx="1.5" fill="currentColor" />
      <path d="M3 5V3.5a2.5 2.5 0 0 1 5 0V5" stroke="currentColor" strokeWidth="1.5" fill="none" />
    </svg>
  );
}
