// Sending a fax, start to finish: pick or drop a PDF, type or pick the recipient (validated
// to E.164, autocompleted from the phone book), choose the caller ID, optional cover page.
// Before anything leaves, 'send.check' decides the route:
//   - on fxe, keys unchanged → send encrypted;
//   - on fxe, keys CHANGED → KeyChangeWarning first (like a Signal safety-number change);
//   - not on fxe → PstnPrompt: says plainly the fax would leave the encrypted network.
// After submit the dialog follows the fax through 'outbox.changed' events with a progress bar.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Contact, OrgSummary, OutboxState, PstnProviderName, UserError } from '../../../shared/domain/types.ts';
import type { IpcEvent, KeyChangeWarning as KeyChange, SendCheck } from '../../../shared/ipc/contract.ts';
import { MAX_PDF_BYTES, pdfTooLargeMessage } from '../../../shared/domain/pdf-limits.ts';
import { PSTN_PROVIDER_LABELS } from '../../../shared/domain/pstn.ts';
import { didYouMean, suggestContacts } from '../../../shared/domain/contact-suggestions.ts';
import { call, fxe, toUserError } from '../api.ts';
import { fileSize, groupedFingerprint, stateLabel } from '../format.ts';
import { defaultCountryFor, displayNumber, parseFaxNumber } from '../phone.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

export interface SendDialogProps {
  org: OrgSummary;
  initialFile: File | null;
  initialTo?: string;
  /** Set when forwarding an existing fax instead of sending a new file. */
  forward?: { id: string; fileName: string };
  onClose: () => void;
  /** Numbers the office knows are real (its own orgs', the demo partner's): no "not in use" hint for them. */
  knownNumbers?: string[];
  /** Closes the dialog and opens Settings (the PSTN prompt links there when no provider is set up). */
  onOpenSettings?: () => void;
}

type Step =
  | { kind: 'form' }
  | { kind: 'checking' }
  | { kind: 'key-change'; warning: KeyChange; to: string }
  | { kind: 'pstn'; check: Extract<SendCheck, { kind: 'not-on-fxe' }>; to: string }
  | { kind: 'sending'; id: string | null; state: OutboxState | null; progress: number | null; route: 'fxe' | 'pstn'; offline: boolean };

/**
 * Failures that only mean "the relay cannot be asked right now". The number cannot be looked
 * up then, but the fax must not be lost: it is queued, and the outbox decides when the relay
 * answers (sent, or parked for the phone-network choice if the number is not on fxe).
 */
const RELAY_OUT_OF_REACH = new Set(['relay.unreachable', 'relay.server_error', 'relay.garbage']);

export function isPdfFile(file: File): boolean {
  return file.type === 'application/pdf' || file.name.toLowerCase().endsWith('.pdf');
}

/**
 * What is wrong with a file picked with "Choose PDF…", said at once rather than after Send:
 * the picker's filter is only a suggestion (and "All files" is one click away). null = fine.
 */
export async function pickedFileProblem(file: File): Promise<string | null> {
  if (file.size === 0) return `${file.name} is empty (0 bytes). Save or print the document as PDF again, then choose it.`;
  if (file.size > MAX_PDF_BYTES) return pdfTooLargeMessage(file.size);
  if (!isPdfFile(file)) return `${file.name} is not a PDF. Only PDF files can be faxed: save or print the document as PDF first.`;
  // A PDF starts with "%PDF-" (within its first KiB, by the spec's tolerance).
  const head = new TextDecoder('latin1').decode(await file.slice(0, 1024).arrayBuffer());
  if (!head.includes('%PDF-')) return `${file.name} is not a PDF that can be faxed. Save or print the document as PDF and try again.`;
  return null;
}

export function SendDialog({ org, initialFile, initialTo, forward, knownNumbers = [], onClose, onOpenSettings }: SendDialogProps) {
  const [file, setFile] = useState<File | null>(initialFile);
  const [to, setTo] = useState(initialTo ?? '');
  const [from, setFrom] = useState(org.faxNumbers[0] ?? '');
  const [withCover, setWithCover] = useState(false);
  const [cover, setCover] = useState({ toName: '', fromName: org.name, subject: '', message: '' });
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const [countrySetting, setCountrySetting] = useState('');
  const [toTouched, setToTouched] = useState(false);
  // The suggestion list under "To": open while typing, closed by a choice, Escape or leaving.
  const [suggestOpen, setSuggestOpen] = useState(false);
  const [activeSuggestion, setActiveSuggestion] = useState(-1);
  const country = useMemo(() => defaultCountryFor(org.faxNumbers[0], countrySetting), [org, countrySetting]);
  const listId = useId();
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    call('contacts.list', {}).then(setContacts, () => setContacts([]));
    call('settings.get', {}).then((st) => setCountrySetting(st.defaultCountry ?? ''), () => undefined);
  }, []);
  // A PDF dropped on the window while this dialog is open replaces the chosen file.
  useEffect(() => {
    if (initialFile) {
      setFile(initialFile);
      setFileError(null);
    }
  }, [initialFile]);

  // Follow our fax through the outbox once it is submitted.
  const sendingId = step.kind === 'sending' ? step.id : null;
  useEffect(() => {
    if (!sendingId) return;
    return fxe().onEvent((event: IpcEvent) => {
      if (event.type !== 'outbox.changed' || event.id !== sendingId) return;
      const waitingForRelay = event.state === 'queued' && event.error !== null && RELAY_OUT_OF_REACH.has(event.error.code);
      setStep((s) => (s.kind === 'sending' ? { ...s, state: event.state, progress: event.progress, offline: waitingForRelay || (s.offline && event.state === 'queued') } : s));
      // Waiting for the relay is said by the progress text itself; real problems get the notice.
      if (event.error && !waitingForRelay) setError(event.error);
    });
  }, [sendingId]);

  const parsed = to.trim() ? parseFaxNumber(to, country) : null;
  const matchingContact = contacts.find((c) => c.name.toLowerCase() === to.trim().toLowerCase());
  const suggestions = useMemo(() => suggestContacts(contacts, to), [contacts, to]);
  // Checked while typing: a definite mistake (too many digits, a list, letters) shows at once;
  // "missing digits" waits until the field is left, since every number is short while typed.
  // Letters that are the start of a contact's name are not a mistake: the suggestions show.
  const typingAName = parsed !== null && !parsed.ok && parsed.problem === 'letters' && suggestions.length > 0;
  const liveError = !matchingContact && !typingAName && parsed && !parsed.ok && (toTouched || parsed.problem !== 'incomplete') ? parsed.message : null;
  const shownError = fieldError ?? liveError;
  // Nothing left to choose once the text is exactly the one contact suggested (typed in full).
  const alreadyChosen =
    suggestions.length === 1 && (suggestions[0] === matchingContact || (parsed?.ok === true && suggestions[0]!.faxNumber === parsed.number.e164));
  const listShown = suggestOpen && suggestions.length > 0 && !alreadyChosen && step.kind === 'form';
  const nearContact = !matchingContact && parsed?.ok ? didYouMean(contacts, parsed.number.e164) : null;
  const known = (e164: string) => knownNumbers.includes(e164) || contacts.some((c) => c.faxNumber === e164);

  /** Fills "To" with a contact: by name when the name says who it is, else by number. */
  const chooseContact = (contact: Contact) => {
    const sameName = contacts.filter((c) => c.name.toLowerCase() === contact.name.toLowerCase());
    setTo(sameName.length === 1 ? contact.name : displayNumber(contact.faxNumber));
    setFieldError(null);
    setSuggestOpen(false);
    setActiveSuggestion(-1);
  };

  const onToKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const count = suggestions.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (count === 0) return;
      e.preventDefault();
      const down = e.key === 'ArrowDown';
      if (!listShown) {
        setSuggestOpen(true);
        setActiveSuggestion(down ? 0 : count - 1);
      } else {
        setActiveSuggestion((i) => (down ? (i + 1) % count : i <= 0 ? count - 1 : i - 1));
      }
    } else if (e.key === 'Enter' && listShown && activeSuggestion >= 0 && activeSuggestion < count) {
      e.preventDefault(); // picks the contact; Send stays a separate, deliberate Enter
      chooseContact(suggestions[activeSuggestion]!);
    } else if (e.key === 'Escape' && listShown) {
      // Closes the list only: the dialog itself stays open (a second Escape closes it).
      e.preventDefault();
      e.stopPropagation();
      setSuggestOpen(false);
      setActiveSuggestion(-1);
    }
  };

  /** What the To field resolves to: a contact's number (chosen by name) or the typed number. */
  const resolveRecipient = (): string | null => {
    if (matchingContact) return matchingContact.faxNumber;
    const p = parseFaxNumber(to, country);
    if (!p.ok) {
      setFieldError(p.message);
      return null;
    }
    return p.number.e164;
  };

  const submit = async (route: 'fxe' | 'pstn', recipient: string, offline = false) => {
    setError(null);
    setStep({ kind: 'sending', id: null, state: 'queued', progress: 0, route, offline });
    try {
      let id: string;
      if (forward) {
        id = (await call('faxes.forward', { id: forward.id, to: recipient, from })).id;
      } else {
        const pdf = new Uint8Array(await file!.arrayBuffer());
        id = (
          await call('send.submit', {
            orgId: org.orgId,
            to: recipient,
            from,
            fileName: file!.name,
            pdf,
            coverPage: withCover ? cover : null,
            route,
          })
        ).id;
      }
      setStep((s) => (s.kind === 'sending' ? { ...s, id } : s));
    } catch (err) {
      setError(toUserError(err));
      setStep({ kind: 'form' });
    }
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFieldError(null);
    setError(null);
    if (!forward && !file) {
      setFileError('Choose the PDF to send, or drop it on this window.');
      return;
    }
    const recipient = resolveRecipient();
    if (!recipient) return;
    if (!from) {
      setError({ code: 'send_no_caller_id', message: 'This organisation has no fax number to send from. Add one in Settings.' });
      return;
    }
    setStep({ kind: 'checking' });
    try {
      const check = await call('send.check', { orgId: org.orgId, to: recipient });
      if (check.kind === 'not-on-fxe') setStep({ kind: 'pstn', check, to: recipient });
      else if (check.keyChange) setStep({ kind: 'key-change', warning: check.keyChange, to: recipient });
      else await submit('fxe', recipient);
    } catch (err) {
      const e = toUserError(err);
      if (RELAY_OUT_OF_REACH.has(e.code)) {
        await submit('fxe', recipient, true);
        return;
      }
      setError(e);
      setStep({ kind: 'form' });
    }
  };

  if (step.kind === 'key-change') {
    return (
      <KeyChangeWarning
        warning={step.warning}
        number={step.to}
        onCancel={() => setStep({ kind: 'form' })}
        onAccept={async () => {
          try {
            await call('send.acceptKeyChange', { orgId: org.orgId, recipientOrgId: step.warning.recipientOrgId, newFingerprint: step.warning.newFingerprint });
            await submit('fxe', step.to);
          } catch (err) {
            setError(toUserError(err));
            setStep({ kind: 'form' });
          }
        }}
      />
    );
  }
  if (step.kind === 'pstn') {
    return (
      <PstnPrompt
        number={step.to}
        provider={step.check.pstnProvider}
        onCancel={() => setStep({ kind: 'form' })}
        onConfirm={() => submit('pstn', step.to)}
        {...(onOpenSettings ? { onOpenSettings } : {})}
      />
    );
  }

  const sending = step.kind === 'sending';
  const finished = sending && (step.state === 'sent' || step.state === 'delivered');
  const title = forward ? `Forward “${forward.fileName}”` : 'Send a fax';

  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId="send-dialog"
      footer={
        sending ? (
          <button type="button" className="primary" onClick={onClose}>
            {finished ? 'Done' : step.state === 'failed' || step.state === 'needs-pstn' ? 'Close' : 'Close (keeps sending)'}
          </button>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" form="send-form" className="primary" disabled={step.kind === 'checking'}>
              {step.kind === 'checking' ? 'Checking…' : forward ? 'Forward' : 'Send'}
            </button>
          </>
        )
      }
    >
      {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {sending ? (
        <SendProgress state={step.state} progress={step.progress} route={step.route} failed={step.state === 'failed'} offline={step.offline} />
      ) : (
        <form id="send-form" className="form" onSubmit={onSubmit} noValidate>
          {!forward && (
            <div className="file-pick">
              {file ? (
                <p className="file-chosen">
                  <span className="file-badge" aria-hidden="true">PDF</span>
                  <span>
                    <strong>{file.name}</strong>
                    <span className="muted"> · {fileSize(file.size)}</span>
                  </span>
                </p>
              ) : (
                <p className={fileError ? 'field-error' : 'muted'} role={fileError ? 'alert' : undefined}>
                  {fileError ?? 'Drop a PDF anywhere on this window, or choose one.'}
                </p>
              )}
              <button type="button" onClick={() => fileInput.current?.click()}>
                {file ? 'Choose another…' : 'Choose PDF…'}
              </button>
              <input
                ref={fileInput}
                type="file"
                accept="application/pdf,.pdf"
                hidden
                aria-label="PDF to send"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = ''; // picking the same file again after fixing it must fire again
                  if (!f) return;
                  void pickedFileProblem(f).then((problem) => {
                    setFile(problem ? null : f);
                    setFileError(problem);
                  });
                }}
              />
            </div>
          )}
          <label>
            {/* Named by this span alone: the hint below sits inside the label for layout, and
                would otherwise become part of the field's name (read out on every keystroke). */}
            <span id={`${listId}-label`}>To</span>
            <span className="combo">
              <input
                role="combobox"
                aria-labelledby={`${listId}-label`}
                aria-autocomplete="list"
                aria-expanded={listShown}
                aria-controls={`${listId}-suggestions`}
                aria-activedescendant={listShown && activeSuggestion >= 0 ? `${listId}-suggestion-${activeSuggestion}` : undefined}
                data-autofocus
                value={to}
                onChange={(e) => {
                  setTo(e.target.value);
                  setFieldError(null);
                  setSuggestOpen(true);
                  setActiveSuggestion(-1);
                }}
                onKeyDown={onToKeyDown}
                onBlur={() => {
                  setToTouched(true);
                  setSuggestOpen(false);
                }}
                placeholder="Fax number or a name from the phone book"
                aria-invalid={shownError !== null}
                aria-describedby={`${listId}-hint`}
                autoComplete="off"
                name="to"
              />
              <ul id={`${listId}-suggestions`} role="listbox" aria-label="Phone book suggestions" className="suggestions" hidden={!listShown}>
                {listShown &&
                  suggestions.map((c, i) => (
                    <li
                      key={c.id}
                      id={`${listId}-suggestion-${i}`}
                      role="option"
                      aria-selected={i === activeSuggestion}
                      // mousedown would move focus out of "To" (closing the list) before the click lands
                      onMouseDown={(e) => e.preventDefault()}
                      onClick={() => chooseContact(c)}
                    >
                      <span className="suggestion-name">{c.name}</span>
                      {c.organisation && <span className="muted"> · {c.organisation}</span>}
                      <span className="suggestion-number">{displayNumber(c.faxNumber)}</span>
                    </li>
                  ))}
              </ul>
            </span>
            <span id={`${listId}-hint`} className={shownError ? 'field-error' : 'hint'} data-testid="to-hint">
              {shownError ??
                (matchingContact
                  ? `${matchingContact.name}: ${displayNumber(matchingContact.faxNumber)}`
                  : parsed?.ok
                    ? `${parsed.number.display}${parsed.number.looksReal || known(parsed.number.e164) ? '' : ' (check this number: it is not in use in its country)'}`
                    : ' ')}
            </span>
          </label>
          {nearContact && (
            <p className="did-you-mean" data-testid="did-you-mean">
              <span>
                Did you mean <strong>{nearContact.name}, {displayNumber(nearContact.faxNumber)}</strong>?
              </span>
              <button type="button" onClick={() => chooseContact(nearContact)}>
                Use this number
              </button>
            </p>
          )}
          <label>
            From (caller ID)
            <select value={from} onChange={(e) => setFrom(e.target.value)} name="from">
              {org.faxNumbers.map((n) => (
                <option key={n} value={n}>
                  {displayNumber(n)} · {org.name}
                </option>
              ))}
            </select>
          </label>
          {!forward && (
            <>
              <label className="check">
                <input type="checkbox" checked={withCover} onChange={(e) => setWithCover(e.target.checked)} />
                Add a cover page
              </label>
              {withCover && (
                <fieldset className="cover">
                  <legend className="sr-only">Cover page</legend>
                  <label>
                    To (name)
                    <input value={cover.toName} onChange={(e) => setCover({ ...cover, toName: e.target.value })} />
                  </label>
                  <label>
                    From (name)
                    <input value={cover.fromName} onChange={(e) => setCover({ ...cover, fromName: e.target.value })} />
                  </label>
                  <label className="span2">
                    Subject
                    <input value={cover.subject} onChange={(e) => setCover({ ...cover, subject: e.target.value })} />
                  </label>
                  <label className="span2">
                    Message
                    <textarea rows={3} value={cover.message} onChange={(e) => setCover({ ...cover, message: e.target.value })} />
                  </label>
                </fieldset>
              )}
            </>
          )}
        </form>
      )}
    </Dialog>
  );
}

function SendProgress({ state, progress, route, failed, offline }: { state: OutboxState | null; progress: number | null; route: 'fxe' | 'pstn'; failed: boolean; offline: boolean }) {
  const done = state === 'sent' || state === 'delivered';
  const value = done ? 1 : progress ?? 0;
  if (state === 'needs-pstn') {
    return (
      <div className="send-progress" data-state={state}>
        <p className="big">This number is not on the fxe network.</p>
        <p>
          The fax is kept in the <strong>Outbox</strong>. Open it there and choose “Send over phone network…” if it may leave the
          encrypted network.
        </p>
      </div>
    );
  }
  if (offline && state === 'queued') {
    return (
      <div className="send-progress" data-state={state} data-offline="true">
        <p className="big">Saved in the Outbox. It goes out as soon as the connection is back.</p>
        <p className="muted">
          fxe Desk cannot reach the fxe relay right now. The fax is safe on this computer and will be sent by itself, even if
          fxe Desk is closed and opened again in the meantime. If the number turns out not to be on fxe, the Outbox will ask
          you what to do.
        </p>
      </div>
    );
  }
  return (
    <div className="send-progress" data-state={state ?? ''}>
      <p className="big">
        {failed ? 'The fax could not be sent.' : done ? (state === 'delivered' ? 'Delivered.' : 'Sent.') : `${stateLabel(state ?? 'queued')}…`}
      </p>
      <progress max={1} value={value} aria-label="Sending progress" />
      <p className="muted">
        {route === 'fxe'
          ? 'End-to-end encrypted: only the recipient can read it.'
          : 'Going over the ordinary phone network (not encrypted).'}{' '}
        You can close this window; the Outbox shows the progress.
      </p>
    </div>
  );
}

/**
 * Asked before a fax leaves the encrypted network. The user picks the configured provider
 * (the only one there is: one provider per install) or cancels; nothing is sent otherwise.
 * With no provider set up it says so and links to Settings.
 */
export function PstnPrompt({ number, provider, onCancel, onConfirm, onOpenSettings }: {
  number: string;
  provider: PstnProviderName | null;
  onCancel: () => void;
  onConfirm: () => void;
  onOpenSettings?: () => void;
}) {
  const [chosen, setChosen] = useState<PstnProviderName | null>(provider);
  const providerName = provider ? PSTN_PROVIDER_LABELS[provider] : null;
  return (
    <Dialog
      title="Send over the phone network?"
      tone="warning"
      onClose={onCancel}
      testId="pstn-prompt"
      footer={
        <>
          <button type="button" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          {providerName ? (
            <button type="button" className="warning" onClick={onConfirm} disabled={chosen !== provider}>
              Send unencrypted via {providerName}
            </button>
          ) : (
            onOpenSettings && (
              <button type="button" className="primary" onClick={onOpenSettings}>
                Open Settings
              </button>
            )
          )}
        </>
      }
    >
      <p className="big">
        <strong>{displayNumber(number)}</strong> is not on the fxe network.
      </p>
      <p>
        If you continue, this fax <strong>leaves the encrypted network</strong>: it goes over the ordinary phone system, where
        the phone company and the fax service can see its contents. It is <strong>not end-to-end encrypted</strong>, and there
        will be no signed delivery receipt, only the fax service's delivery report.
      </p>
      {provider && providerName ? (
        <fieldset className="pstn-choice">
          <legend>Send it through</legend>
          <label className="check">
            <input type="radio" name="pstn-provider" checked={chosen === provider} onChange={() => setChosen(provider)} />
            {providerName} <span className="muted">(set up in Settings)</span>
          </label>
        </fieldset>
      ) : (
        <p className="field-error" role="alert">
          No phone-network provider is set up, so this fax cannot be sent this way.{' '}
          {onOpenSettings ? (
            <button type="button" className="link" onClick={onOpenSettings}>
              Set one up in Settings
            </button>
          ) : (
            'An administrator can add one in Settings.'
          )}
        </p>
      )}
    </Dialog>
  );
}

export function KeyChangeWarning({ warning, number, onCancel, onAccept }: { warning: KeyChange; number: string; onCancel: () => void; onAccept: () => void }) {
  return (
    <Dialog
      title="The recipient's security keys have changed"
      tone="danger"
      onClose={onCancel}
      testId="key-change-warning"
      footer={
        <>
          <button type="button" className="primary" onClick={onCancel} data-autofocus>
            Don't send
          </button>
          <button type="button" className="danger" onClick={onAccept}>
            I verified them, send anyway
          </button>
        </>
      }
    >
      <p className="big">
        The keys for <strong>{displayNumber(number)}</strong> are not the ones you sent to before.
      </p>
      <p>
        This usually means they reinstalled fxe or rotated their keys. Rarely, it means someone is trying to intercept your
        faxes. Before sending anything sensitive, phone the recipient on a number you already know and compare the new
        fingerprint below.
      </p>
      <dl className="facts">
        <dt>Organisation</dt>
        <dd><code>{warning.recipientOrgId}</code></dd>
        <dt>Previous fingerprint</dt>
        <dd><code className="wrap">{groupedFingerprint(warning.previousFingerprint)}</code></dd>
        <dt>New fingerprint</dt>
        <dd><code className="wrap strong">{groupedFingerprint(warning.newFingerprint)}</code></dd>
      </dl>
    </Dialog>
  );
}
