// Sending a fax, start to finish: pick or drop a PDF (or several PDFs and pictures, combined
// into one: ComposeFiles.tsx, with a preview of every page: SendPreview.tsx), type or pick the recipients (validated
// to E.164, autocompleted from the phone book, groups expanded: RecipientField), choose the
// caller ID, optional cover page, now or later (ScheduleField).
// Before anything leaves, 'send.check' decides the route of each recipient:
//   - on fxe, keys unchanged → send encrypted;
//   - on fxe, keys CHANGED → KeyChangeWarning first (like a Signal safety-number change);
//   - not on fxe → PstnPrompt: says plainly the fax would leave the encrypted network (one
//     prompt listing every such recipient; the others can go without them).
// Each recipient gets its own fax; the dialog follows them through 'outbox.changed' events.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Contact, ContactGroup, OrgSummary, OutboxState, PstnProviderName, UserError } from '../../../shared/domain/types.ts';
import type { CoverTemplate, IpcEvent, KeyChangeWarning as KeyChange } from '../../../shared/ipc/contract.ts';
import { paperForCountry, type PaperSize } from '../../../shared/domain/compose.ts';
import { PSTN_PROVIDER_LABELS } from '../../../shared/domain/pstn.ts';
import { foldText } from '../../../shared/domain/contact-suggestions.ts';
import { call, fxe, toUserError } from '../api.ts';
import { fullDate, groupedFingerprint, stateLabel } from '../format.ts';
import { defaultCountryFor, displayNumber } from '../phone.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { ComposeFiles, useComposeItems, type ComposeItem } from './ComposeFiles.tsx';
import { SendPreview } from './SendPreview.tsx';
import { addRecipients, RecipientField, resolveEntry, type Recipient } from './RecipientField.tsx';
import { NO_SCHEDULE, ScheduleField, scheduledTime, type Schedule } from './ScheduleField.tsx';
import { SendGroupProgress, type SendItem } from './SendGroupProgress.tsx';

export interface SendDialogProps {
  org: OrgSummary;
  /** Files dropped on the window: added to the fax (a new array each drop). */
  initialFiles: File[];
  initialTo?: string;
  /** Set when forwarding an existing fax instead of sending a new file. */
  forward?: { id: string; fileName: string };
  onClose: () => void;
  /** Numbers the office knows are real (its own orgs', the demo partner's): no "not in use" hint for them. */
  knownNumbers?: string[];
  /** Closes the dialog and opens Settings (the PSTN prompt links there when no provider is set up). */
  onOpenSettings?: () => void;
}

/**
 * Where each recipient stands between "Send" and submitting: ready (with its route), waiting
 * for the key-change or phone-network question, left out by the user, or refused by the check.
 */
interface Plan {
  ready: { r: Recipient; route: 'fxe' | 'pstn' }[];
  keyChanges: { r: Recipient; warning: KeyChange }[];
  notOnFxe: Recipient[];
  refused: { r: Recipient; error: UserError }[];
  provider: PstnProviderName | null;
  /** How many recipients the send started with. */
  total: number;
  /** Some lookups could not reach the relay: those faxes wait in the Outbox for it. */
  offline: boolean;
  sendAt: number | null;
}

type Step =
  | { kind: 'form' }
  | { kind: 'checking' }
  | { kind: 'key-change'; plan: Plan }
  | { kind: 'pstn'; plan: Plan }
  | { kind: 'sending'; items: SendItem[]; offline: boolean; sendAt: number | null };

const FINAL_STATES: readonly (OutboxState | null)[] = ['sent', 'delivered', 'failed', 'needs-pstn', 'scheduled', 'held-key-change'];

/**
 * Failures that only mean "the relay cannot be asked right now". The number cannot be looked
 * up then, but the fax must not be lost: it is queued, and the outbox decides when the relay
 * answers (sent, or parked for the phone-network choice if the number is not on fxe).
 */
const RELAY_OUT_OF_REACH = new Set(['relay.unreachable', 'relay.server_error', 'relay.garbage']);

/** The name a combined fax is listed under: the first file's, with a note of the others. */
export function combinedFileName(items: readonly ComposeItem[]): string {
  const first = items[0]!;
  const base = first.kind === 'pdf' ? first.name : first.name.replace(/\.[^.]+$/, '') + '.pdf';
  if (items.length === 1) return base;
  return `${base.replace(/\.pdf$/i, '')} + ${items.length - 1} more.pdf`;
}

export function SendDialog({ org, initialFiles, initialTo, forward, knownNumbers = [], onClose, onOpenSettings }: SendDialogProps) {
  const [to, setTo] = useState(initialTo ?? '');
  const [recipients, setRecipients] = useState<Recipient[]>([]);
  const [groups, setGroups] = useState<ContactGroup[]>([]);
  const [schedule, setSchedule] = useState<Schedule>(NO_SCHEDULE);
  const [scheduleError, setScheduleError] = useState<string | null>(null);
  const [from, setFrom] = useState(org.faxNumbers[0] ?? '');
  const [withCover, setWithCover] = useState(false);
  const [cover, setCover] = useState<{ toName: string; fromName: string; subject: string; message: string; templateId: string | null }>({ toName: '', fromName: org.name, subject: '', message: '', templateId: null });
  const [templates, setTemplates] = useState<CoverTemplate[]>([]);
  // The default template is chosen the first time a cover page is added, never over the user's own choice.
  const templateChosen = useRef(false);
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const [countrySetting, setCountrySetting] = useState('');
  const country = useMemo(() => defaultCountryFor(org.faxNumbers[0], countrySetting), [org, countrySetting]);
  const [paperChoice, setPaperChoice] = useState<PaperSize | null>(null);
  const paper = paperChoice ?? paperForCountry(country);
  const { items, setItems, addFiles, problem: fileProblem, setProblem: setFileError, checking } = useComposeItems(paper);
  const [showPreview, setShowPreview] = useState(false);
  const [filePages, setFilePages] = useState<Map<string, number>>(new Map());
  const listId = useId();

  useEffect(() => {
    call('contacts.list', {}).then(setContacts, () => setContacts([]));
    call('groups.list', {}).then(
      (list) => {
        setGroups(list);
        // "Send fax" on a group in the phone book opens this dialog with the group's name.
        const group = initialTo ? list.find((g) => foldText(g.name) === foldText(initialTo)) : undefined;
        if (group && group.members.length > 0) {
          setRecipients(group.members.map((c) => ({ number: c.faxNumber, name: c.name })));
          setTo('');
        }
      },
      () => setGroups([]),
    );
    call('settings.get', {}).then((st) => setCountrySetting(st.defaultCountry ?? ''), () => undefined);
    call('covers.list', {}).then((r) => setTemplates(r.templates), () => setTemplates([]));
  }, []);

  /** A template fills the cover: the office's name, its message, its caller ID (when it is one of this org's numbers). */
  const chooseTemplate = (t: CoverTemplate | null) => {
    templateChosen.current = true;
    setCover((c) => (t ? { ...c, templateId: t.id, fromName: t.officeName.trim() || org.name, message: t.message } : { ...c, templateId: null }));
    if (t?.fromNumber && org.faxNumbers.includes(t.fromNumber)) setFrom(t.fromNumber);
  };
  const addCover = (on: boolean) => {
    setWithCover(on);
    const preferred = templates.find((t) => t.isDefault);
    if (on && !templateChosen.current && preferred) chooseTemplate(preferred);
  };
  // Files dropped on the window (before or while this dialog is open) join the fax.
  const addedDrop = useRef<File[] | null>(null);
  useEffect(() => {
    if (initialFiles.length === 0 || addedDrop.current === initialFiles) return;
    addedDrop.current = initialFiles;
    void addFiles(initialFiles);
  }, [initialFiles, addFiles]);

  // Follow our faxes through the outbox once they are submitted.
  const sendingIds = step.kind === 'sending' ? step.items.map((i) => i.id ?? '').join(',') : '';
  useEffect(() => {
    if (!sendingIds) return;
    const ids = new Set(sendingIds.split(','));
    const single = ids.size === 1 && step.kind === 'sending' && step.items.length === 1;
    return fxe().onEvent((event: IpcEvent) => {
      if (event.type !== 'outbox.changed' || !ids.has(event.id)) return;
      const waitingForRelay = event.state === 'queued' && event.error !== null && RELAY_OUT_OF_REACH.has(event.error.code);
      setStep((s) =>
        s.kind === 'sending'
          ? {
              ...s,
              offline: waitingForRelay || (s.offline && event.state === 'queued'),
              items: s.items.map((i) =>
                i.id === event.id ? { ...i, state: event.state, progress: event.progress, error: waitingForRelay ? null : event.error, waitingForRelay, fresh: true } : i,
              ),
            }
          : s,
      );
      // Waiting for the relay is said by the progress text itself; real problems get the notice
      // (for several recipients, on the recipient's own line).
      if (single && event.error && !waitingForRelay) setError(event.error);
    });
    // The ids alone decide what to follow.
  }, [sendingIds]);

  /** Everyone in "To": the chips, and what is still typed in the box. */
  const resolveAll = (): Recipient[] | null => {
    let all = recipients;
    if (to.trim()) {
      const entry = resolveEntry(to, contacts, groups, country);
      if (!entry.ok) {
        setFieldError(entry.message);
        return null;
      }
      all = addRecipients(all, entry.recipients);
    }
    if (all.length === 0) {
      setFieldError('Enter the fax number to send to.');
      return null;
    }
    return all;
  };

  const submitPlan = async (plan: Plan) => {
    if (plan.ready.length === 0) {
      setStep({ kind: 'form' });
      if (plan.refused[0]) setError(plan.refused[0].error);
      return;
    }
    setError(null);
    const refusedItems: SendItem[] = plan.refused.map(({ r, error: e }) => ({ r, route: 'fxe', id: null, state: null, progress: null, error: e, waitingForRelay: false, fresh: true }));
    const pending: SendItem[] = plan.ready.map(({ r, route }) => ({
      r, route, id: null, state: plan.sendAt !== null ? 'scheduled' : 'queued', progress: 0, error: null, waitingForRelay: false, fresh: false,
    }));
    setStep({ kind: 'sending', items: [...pending, ...refusedItems], offline: plan.offline, sendAt: plan.sendAt });
    try {
      let results: { id: string | null; error: UserError | null }[];
      if (forward) {
        results = [];
        for (const { r } of plan.ready) {
          try {
            results.push({ id: (await call('faxes.forward', { id: forward.id, to: r.number, from })).id, error: null });
          } catch (err) {
            results.push({ id: null, error: toUserError(err) });
          }
        }
      } else {
        // One PDF as it is; anything else (several files, pictures, pages left out) is
        // combined by main first, and the combined PDF is what gets sealed.
        const single = items.length === 1 && items[0]!.kind === 'pdf' && items[0]!.removePages.length === 0 ? items[0]! : null;
        const pdf = single
          ? single.data
          : (await call('compose.build', { files: items.map((i) => ({ fileName: i.name, data: i.data, removePages: i.removePages })), paper, cover: null })).pdf;
        const res = await call('send.submitGroup', {
          orgId: org.orgId,
          from,
          fileName: combinedFileName(items),
          pdf,
          coverPage: withCover ? cover : null,
          recipients: plan.ready.map(({ r, route }) => ({ to: r.number, route, ...(r.name ? { name: r.name } : {}) })),
          sendAt: plan.sendAt,
        });
        results = res.items;
      }
      if (results.every((x) => x.error !== null) && plan.refused.length === 0) {
        setError(results[0]!.error);
        setStep({ kind: 'form' });
        return;
      }
      const submitted = pending.map((item, i) => ({ ...item, id: results[i]?.id ?? null, error: results[i]?.error ?? null, state: results[i]?.id ? item.state : null }));
      setStep((s) => (s.kind === 'sending' ? { ...s, items: [...submitted, ...refusedItems] } : s));
      // A fast relay may have moved a fax on before its id was known here: catch up once.
      for (const item of submitted) {
        if (!item.id) continue;
        void call('faxes.get', { id: item.id }).then(
          (fax) => setStep((s) => (s.kind === 'sending' ? { ...s, items: s.items.map((i) => (i.id === fax.id && !i.fresh && fax.state !== 'received' ? { ...i, state: fax.state } : i)) } : s)),
          () => undefined,
        );
      }
    } catch (err) {
      setError(toUserError(err));
      setStep({ kind: 'form' });
    }
  };

  /** The next question (key change, then phone network) or, with none left, the submit. */
  const advance = (plan: Plan) => {
    if (plan.keyChanges.length > 0) setStep({ kind: 'key-change', plan });
    else if (plan.notOnFxe.length > 0) setStep({ kind: 'pstn', plan });
    else void submitPlan(plan);
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFieldError(null);
    setError(null);
    setScheduleError(null);
    if (!forward && items.length === 0) {
      setFileError(checking ? 'Wait a moment: the files are still being checked.' : 'Choose the PDF to send, or drop it on this window.');
      return;
    }
    const all = resolveAll();
    if (!all) return;
    if (!from) {
      setError({ code: 'send_no_caller_id', message: 'This organisation has no fax number to send from. Add one in Settings.' });
      return;
    }
    const when = forward ? ({ ok: true, sendAt: null } as const) : scheduledTime(schedule);
    if (!when.ok) {
      setScheduleError(when.message);
      return;
    }
    setStep({ kind: 'checking' });
    const plan: Plan = { ready: [], keyChanges: [], notOnFxe: [], refused: [], provider: null, total: all.length, offline: false, sendAt: when.sendAt };
    // Every recipient is looked up at once; one that fails does not stop the others.
    const checks = await Promise.all(
      all.map((r) =>
        call('send.check', { orgId: org.orgId, to: r.number }).then(
          (check) => ({ r, check, error: null }),
          (err: unknown) => ({ r, check: null, error: toUserError(err) }),
        ),
      ),
    );
    for (const { r, check, error: failure } of checks) {
      if (failure) {
        // The relay cannot be asked right now: the fax is queued all the same, and the outbox
        // decides when the relay answers (sent, or parked for the phone-network choice).
        if (RELAY_OUT_OF_REACH.has(failure.code)) {
          plan.ready.push({ r, route: 'fxe' });
          plan.offline = true;
        } else plan.refused.push({ r, error: failure });
      } else if (check.kind === 'not-on-fxe') {
        plan.notOnFxe.push(r);
        plan.provider = check.pstnProvider;
      } else if (check.keyChange) plan.keyChanges.push({ r, warning: check.keyChange });
      else plan.ready.push({ r, route: 'fxe' });
    }
    if (plan.refused.length === all.length) {
      setError(plan.refused[0]!.error);
      setStep({ kind: 'form' });
      return;
    }
    advance(plan);
  };

  if (step.kind === 'key-change') {
    const { plan } = step;
    const [first, ...rest] = plan.keyChanges;
    const several = plan.total > 1;
    return (
      <KeyChangeWarning
        warning={first!.warning}
        number={first!.r.number}
        {...(several ? { skipLabel: "Don't send to this one" } : {})}
        // One recipient: back to the form. Several: this one is left out, the others go on.
        onCancel={() => (several ? advance({ ...plan, keyChanges: rest }) : setStep({ kind: 'form' }))}
        onAccept={async () => {
          try {
            await call('send.acceptKeyChange', { orgId: org.orgId, recipientOrgId: first!.warning.recipientOrgId, newFingerprint: first!.warning.newFingerprint });
            advance({ ...plan, keyChanges: rest, ready: [...plan.ready, { r: first!.r, route: 'fxe' }] });
          } catch (err) {
            setError(toUserError(err));
            setStep({ kind: 'form' });
          }
        }}
      />
    );
  }
  if (step.kind === 'pstn') {
    const { plan } = step;
    const others = plan.ready.length + plan.keyChanges.length;
    return (
      <PstnPrompt
        number={plan.notOnFxe[0]!.number}
        {...(plan.notOnFxe.length > 1 ? { numbers: plan.notOnFxe.map((r) => r.number) } : {})}
        provider={plan.provider}
        onCancel={() => setStep({ kind: 'form' })}
        onConfirm={() => advance({ ...plan, notOnFxe: [], ready: [...plan.ready, ...plan.notOnFxe.map((r) => ({ r, route: 'pstn' as const }))] })}
        {...(others > 0 ? { onSkip: () => advance({ ...plan, notOnFxe: [] }), skipLabel: others === 1 ? 'Send only to the other recipient' : `Send only to the other ${others}` } : {})}
        {...(onOpenSettings ? { onOpenSettings } : {})}
      />
    );
  }

  const sending = step.kind === 'sending';
  const single = sending && step.items.length === 1 ? step.items[0]! : null;
  const allSettled = sending && step.items.every((i) => i.id === null || FINAL_STATES.includes(i.state));
  const finished = sending && (single ? single.state === 'sent' || single.state === 'delivered' || single.state === 'scheduled' : allSettled);
  const title = forward ? `Forward “${forward.fileName}”` : 'Send a fax';

  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId="send-dialog"
      wide={showPreview}
      footer={
        sending ? (
          <button type="button" className="primary" onClick={onClose}>
            {finished ? 'Done' : single && (single.state === 'failed' || single.state === 'needs-pstn') ? 'Close' : 'Close (keeps sending)'}
          </button>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" form="send-form" className="primary" disabled={step.kind === 'checking'}>
              {step.kind === 'checking' ? 'Checking…' : forward ? 'Forward' : schedule.enabled ? 'Schedule' : 'Send'}
            </button>
          </>
        )
      }
    >
      {error && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {sending ? (
        single ? (
          <SendProgress state={single.state} progress={single.progress} route={single.route} failed={single.state === 'failed'} offline={step.offline} sendAt={step.sendAt} />
        ) : (
          <SendGroupProgress items={step.items} sendAt={step.sendAt} />
        )
      ) : (
        <form id="send-form" className="form" onSubmit={onSubmit} noValidate>
          {!forward && (
            <div className="file-pick">
              <ComposeFiles
                items={items}
                onChange={setItems}
                onAddFiles={(files) => void addFiles(files)}
                problem={fileProblem}
                checking={checking}
                paper={paper}
                onPaperChange={setPaperChoice}
                filePages={filePages}
              />
            </div>
          )}
          <RecipientField
            id={listId}
            recipients={recipients}
            onRecipientsChange={setRecipients}
            text={to}
            onTextChange={setTo}
            contacts={contacts}
            groups={groups}
            country={country}
            fieldError={fieldError}
            onFieldErrorChange={setFieldError}
            knownNumbers={knownNumbers}
            active={step.kind === 'form'}
          />
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
                <input type="checkbox" checked={withCover} onChange={(e) => addCover(e.target.checked)} />
                Add a cover page
              </label>
              {withCover && (
                <fieldset className="cover">
                  <legend className="sr-only">Cover page</legend>
                  {templates.length > 0 && (
                    <label className="template-pick">
                      Template
                      <select value={cover.templateId ?? ''} onChange={(e) => chooseTemplate(templates.find((t) => t.id === e.target.value) ?? null)}>
                        <option value="">Plain cover page (no template)</option>
                        {templates.map((t) => (
                          <option key={t.id} value={t.id}>
                            {t.name}
                            {t.isDefault ? ' (default)' : ''}
                          </option>
                        ))}
                      </select>
                    </label>
                  )}
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
              <ScheduleField value={schedule} onChange={(v) => (setSchedule(v), setScheduleError(null))} error={scheduleError} />
            </>
          )}
          {!forward && items.length > 0 && (
            <p className="preview-toggle">
              <button type="button" aria-expanded={showPreview} aria-controls={`${listId}-preview`} onClick={() => setShowPreview(!showPreview)}>
                {showPreview ? 'Hide preview' : 'Preview pages'}
              </button>
            </p>
          )}
          {!forward && showPreview && items.length > 0 && (
            <div id={`${listId}-preview`}>
              <SendPreview
                items={items}
                paper={paper}
                // With several recipients each cover names its own; the preview shows the first's.
                cover={withCover ? { ...cover, to: recipients[0]?.number ?? to.trim(), from } : null}
                onRemovePage={(itemId, page) => setItems(items.map((i) => (i.id === itemId ? { ...i, removePages: [...i.removePages, page].sort((x, y) => x - y) } : i)))}
                onRestorePage={(itemId, page) => setItems(items.map((i) => (i.id === itemId ? { ...i, removePages: i.removePages.filter((p) => p !== page) } : i)))}
                onCounted={setFilePages}
              />
            </div>
          )}
        </form>
      )}
    </Dialog>
  );
}

function SendProgress({ state, progress, route, failed, offline, sendAt }: {
  state: OutboxState | null; progress: number | null; route: 'fxe' | 'pstn'; failed: boolean; offline: boolean; sendAt: number | null;
}) {
  const done = state === 'sent' || state === 'delivered';
  const value = done ? 1 : progress ?? 0;
  if (state === 'scheduled' && sendAt !== null) {
    return (
      <div className="send-progress" data-state={state}>
        <p className="big">Scheduled for {fullDate(sendAt)}.</p>
        <p className="muted">
          It waits in the <strong>Outbox</strong> and goes out by itself at that time, even if fxe Desk is closed and opened again
          in between. You can send it at once or cancel it there.
        </p>
      </div>
    );
  }
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
export function PstnPrompt({ number, numbers, provider, onCancel, onConfirm, onSkip, skipLabel, onOpenSettings }: {
  number: string;
  /** When several recipients are not on fxe: all of them (the question is asked once, for them all). */
  numbers?: string[];
  provider: PstnProviderName | null;
  onCancel: () => void;
  onConfirm: () => void;
  /** Sending to several: leave these out and send to the others. */
  onSkip?: () => void;
  skipLabel?: string;
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
          {onSkip && (
            <button type="button" onClick={onSkip}>
              {skipLabel ?? 'Send only to the others'}
            </button>
          )}
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
      {numbers && numbers.length > 1 ? (
        <>
          <p className="big">{numbers.length} recipients are not on the fxe network:</p>
          <ul className="pstn-numbers" data-testid="pstn-numbers">
            {numbers.map((n) => (
              <li key={n}>
                <strong>{displayNumber(n)}</strong>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="big">
          <strong>{displayNumber(number)}</strong> is not on the fxe network.
        </p>
      )}
      <p>
        If you continue, {numbers && numbers.length > 1 ? 'the fax to these numbers' : 'this fax'} <strong>leaves the encrypted network</strong>: it goes over the ordinary phone system, where
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

export function KeyChangeWarning({ warning, number, onCancel, onAccept, skipLabel }: {
  warning: KeyChange;
  number: string;
  onCancel: () => void;
  onAccept: () => void;
  /** Sending to several: "Don't send" leaves only this recipient out. */
  skipLabel?: string;
}) {
  return (
    <Dialog
      title="The recipient's security keys have changed"
      tone="danger"
      onClose={onCancel}
      testId="key-change-warning"
      footer={
        <>
          <button type="button" className="primary" onClick={onCancel} data-autofocus>
            {skipLabel ?? "Don't send"}
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
