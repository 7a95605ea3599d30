// The app frame. Decides between first-run onboarding and the workspace, owns the state that
// several screens share (status, folder, search, selection, dialogs, toasts). Main's events,
// drag-and-drop, shortcuts and toasts are hooks of their own (hooks/).
import type { FaxId } from '../../shared/domain/ids.ts';
import { useRef, useState } from 'react';
import { shortcutLabel, type ShortcutCommand } from '../../shared/app/shortcuts.ts';
import type { FaxDetail, FaxSummary, Folder, UserError } from '../../shared/domain/types.ts';
import type { AppStatus } from '../../shared/ipc/contract.ts';
import { call, toUserError } from './api.ts';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { FaxDetailPane } from './components/FaxDetailPane.tsx';
import { FaxList } from './components/FaxList.tsx';
import { OfficeBanner } from './components/OfficeSettings.tsx';
import { Onboarding } from './components/Onboarding.tsx';
import { PhoneBook } from './components/PhoneBook.tsx';
import { SendDialog } from './components/SendDialog.tsx';
import { Settings } from './components/Settings.tsx';
import { Toasts } from './components/Toasts.tsx';
import { TrashView } from './components/TrashView.tsx';
import { KeyChangesView } from './components/KeyChanges.tsx';
import { useAppStatus } from './hooks/useAppStatus.ts';
import { useDebouncedValue } from './hooks/useDebouncedValue.ts';
import { useDropToSend } from './hooks/useDropToSend.ts';
import { useFxeEvents } from './hooks/useFxeEvents.ts';
import { useShortcuts } from './hooks/useShortcuts.ts';
import { useSidebarLists } from './hooks/useSidebarLists.ts';
import { applyTheme, useTheme } from './hooks/useTheme.ts';
import { useToasts } from './hooks/useToasts.ts';
import { displayNumber } from './phone.ts';
import { FOLDERS, NOTHING_SELECTED, SEARCH_PLACEHOLDER, shortcutsHint } from './workspace-text.ts';

type View = { kind: 'folder'; folder: Folder; /** One receiving number's view of the Inbox. */ line?: string } | { kind: 'trash' } | { kind: 'phonebook' } | { kind: 'settings' } | { kind: 'keys' };
type Compose = { files: File[]; to?: string; forward?: { id: FaxId; fileName: string } };

export function App() {
  const { status, bootError, refresh } = useAppStatus();
  useTheme();

  if (bootError && !status) return <main className="boot"><ErrorNotice error={bootError} /></main>;
  if (!status) return <main className="boot" aria-busy="true"><p className="muted">Starting fxe Desk…</p></main>;
  if (status.orgs.length === 0) return <Onboarding onReady={refresh} keychainError={status.keychainError} />;
  return <Workspace status={status} />;
}

function Workspace({ status }: { status: AppStatus }) {
  const [view, setView] = useState<View>({ kind: 'folder', folder: 'inbox' });
  const [query, setQuery] = useState('');
  const debouncedQuery = useDebouncedValue(query.trim(), 150);
  const [tag, setTag] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState<FaxSummary | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [compose, setCompose] = useState<Compose | null>(null);
  const [banner, setBanner] = useState<UserError | null>(null);
  const [progress, setProgress] = useState<Record<string, number | null>>({});
  const [removed, setRemoved] = useState<{ id: FaxId; seq: number } | null>(null);
  const removedSeq = useRef(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const parkedNotified = useRef(new Set<string>());
  const { toasts, notify, dismiss: dismissToast, dismissForFax } = useToasts();
  const refresh = () => setRefreshKey((k) => k + 1);

  const activeOrg = status.orgs.find((o) => o.orgId === status.activeOrgId) ?? status.orgs[0]!;
  // In the demo, the other demo org is who to fax first.
  const demoPeer = activeOrg.isDemo ? status.orgs.find((o) => o.isDemo && o.orgId !== activeOrg.orgId && o.faxNumbers.length > 0) ?? null : null;

  // The tag being shown lost its last fax: show the whole folder rather than an empty list.
  const { tags, trashCount, lines, keyChanges } = useSidebarLists(activeOrg.orgId, refreshKey, (list) => setTag((t) => (t !== undefined && !list.includes(t) ? undefined : t)));

  // The arrival notice and the fax's header name the line by the office's name for it ("on Billing").
  const linesRef = useRef(lines);
  linesRef.current = lines;
  const lineLabel = (number: string): string => {
    const name = linesRef.current.find((l) => l.number === number)?.name;
    return name ? `${name} (${displayNumber(number)})` : displayNumber(number);
  };

  const openFolder = (folder: Folder) => {
    setView({ kind: 'folder', folder });
    setSelected(null);
  };

  // Main's events: refresh lists, follow send progress, show receive failures. The unread
  // count needs nothing here: status.changed follows every change to the faxes.
  useFxeEvents({
    onFaxesChanged: refresh,
    onFaxReceived: (id) => {
      refresh();
      // Said in the window too: the desktop notification may be off, or hidden on a shared screen.
      void call('faxes.get', { id }).then(
        (fax) => notify(`New fax from ${fax.peerName ?? displayNumber(fax.peerNumber)}${fax.direction === 'in' ? ` on ${lineLabel(fax.toNumber)}` : ''}.`, {
          label: 'Open',
          run: () => {
            openFolder('inbox');
            setSelected(fax);
          },
        }),
        () => undefined,
      );
    },
    onOutboxChanged: (event) => {
      setProgress((p) => ({ ...p, [event.id]: event.progress }));
      refresh();
      // A fax queued while the relay was away may turn out, later, not to be on fxe:
      // say so once, wherever the receptionist is in the window.
      if (event.state === 'needs-pstn' && event.error?.code === 'relay.not_on_fxe' && !parkedNotified.current.has(event.id)) {
        parkedNotified.current.add(event.id);
        notify('A fax is waiting in the Outbox: its number is not on the fxe network.', { label: 'Open Outbox', run: () => openFolder('outbox') });
      }
    },
    onReceiveError: (event) => {
      setBanner(event.error);
      refresh();
    },
    onMenuCommand: (command) => void runCommand(command),
  });

  const archive = async (fax: FaxDetail | FaxSummary) => {
    try {
      const archived = fax.folder !== 'archive';
      await call('faxes.archive', { ids: [fax.id], archived });
      setSelected(null);
      refresh();
      notify(archived ? 'Fax archived.' : 'Fax moved back.', {
        label: 'Undo',
        run: () => void call('faxes.archive', { ids: [fax.id], archived: !archived }).then(refresh),
      }, fax.id);
    } catch (err) {
      setBanner(toUserError(err));
    }
  };

  const remove = async (fax: FaxDetail | FaxSummary) => {
    try {
      const { undoToken } = await call('faxes.delete', { ids: [fax.id] });
      // An "archived: Undo" for this fax would now act on a fax that is gone.
      dismissForFax(fax.id);
      setSelected(null);
      // The list moves on to the next fax (or the one before the last), as in a mail client.
      removedSeq.current += 1;
      setRemoved({ id: fax.id, seq: removedSeq.current });
      refresh();
      notify('Fax moved to Trash.', {
        label: 'Undo',
        run: () =>
          void call('faxes.undoDelete', { undoToken }).then(
            refresh,
            (err: unknown) => setBanner(toUserError(err)),
          ),
      });
    } catch (err) {
      setBanner(toUserError(err));
    }
  };

  const toggleRead = (id: FaxId) => {
    // Toggle from the fax's current state: `selected` is the row as it was when picked,
    // and opening it (or the detail view's button) may have changed it since.
    void call('faxes.get', { id })
      .then((fax) => call('faxes.markRead', { ids: [id], read: !fax.read }))
      .then(refresh, (err: unknown) => setBanner(toUserError(err)));
  };

  /** One command from the menu, the tray or a shortcut; false when it does not apply now. */
  const runCommand = (command: ShortcutCommand): boolean => {
    const folderOf: Partial<Record<ShortcutCommand, Folder>> = { 'open-inbox': 'inbox', 'open-sent': 'sent', 'open-outbox': 'outbox', 'open-archive': 'archive' };
    const folder = folderOf[command];
    if (folder) return (openFolder(folder), true);
    switch (command) {
      case 'new-fax': return (setCompose({ files: [] }), true);
      case 'find':
        if (view.kind !== 'folder') setView({ kind: 'folder', folder: 'inbox' });
        window.setTimeout(() => searchRef.current?.focus(), 0);
        return true;
      case 'open-phonebook': return (setView({ kind: 'phonebook' }), true);
      case 'open-settings': return (setView({ kind: 'settings' }), true);
      default: break;
    }
    // The rest act on the selected fax. Ctrl+P / Ctrl+S are still ours without one, so the
    // browser's own print and save never open on the app's window.
    if (!selected) return command === 'print-selected' || command === 'save-selected';
    switch (command) {
      case 'print-selected':
        void call('faxes.print', { id: selected.id }).then(
          (r) => r.printed && notify('Sent to the printer.'),
          (err: unknown) => setBanner(toUserError(err)),
        );
        return true;
      case 'save-selected':
        void call('faxes.saveAs', { id: selected.id }).then(
          (r) => r && notify(`Saved to ${r.savedTo}`),
          (err: unknown) => setBanner(toUserError(err)),
        );
        return true;
      case 'archive-selected': return (void archive(selected), true);
      case 'delete-selected': return (void remove(selected), true);
      case 'toggle-read-selected': return (toggleRead(selected.id), true);
      default: return false;
    }
  };
  useShortcuts(runCommand);

  const { dragging, dropTarget } = useDropToSend(
    (files) => setCompose((c) => (c && !c.forward ? { ...c, files } : { files })),
    setBanner,
  );

  const folder = view.kind === 'folder' ? view.folder : null;
  const line = view.kind === 'folder' ? view.line : undefined;
  const lineView = line ? lines.find((l) => l.number === line) : undefined;

  return (
    <div className="workspace" {...dropTarget}>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">fxe</span>
          <span className="brand-name">Desk</span>
        </div>
        <label className="org-switch">
          <span className="sr-only">Organisation</span>
          <select
            value={activeOrg.orgId}
            onChange={(e) => {
              // The option's value is one of these orgs' ids: take it from the list, typed.
              const org = status.orgs.find((o) => o.orgId === e.target.value);
              if (org) void call('orgs.setActive', { orgId: org.orgId }).then(() => (setSelected(null), refresh()), (err: unknown) => setBanner(toUserError(err)));
            }}
            aria-label="Organisation"
          >
            {status.orgs.map((o) => (
              <option key={o.orgId} value={o.orgId}>
                {o.name}
                {o.isDemo ? ' (demo)' : ''}
              </option>
            ))}
          </select>
        </label>
        <div className="search">
          <input
            ref={searchRef}
            type="search"
            placeholder={SEARCH_PLACEHOLDER}
            aria-label="Search faxes"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              if (view.kind !== 'folder') setView({ kind: 'folder', folder: 'inbox' });
            }}
            onKeyDown={(e) => e.key === 'Escape' && setQuery('')}
          />
        </div>
        <span className="grow" />
        {status.demoRunning && <span className="badge" title="The embedded demo relay is running on this computer">Demo</span>}
        {status.relayReachable === false && <span className="badge warn" title="fxe Desk cannot reach the relay right now">Offline</span>}
        <button type="button" className="primary" onClick={() => setCompose({ files: [] })} title={`New fax (${shortcutLabel('new-fax')})`}>
          New fax
        </button>
      </header>

      <nav className="sidebar" aria-label="Folders">
        <ul>
          {FOLDERS.map((f) => (
            <li key={f.folder}>
              <button type="button" className={folder === f.folder && !line ? 'nav current' : 'nav'} aria-current={folder === f.folder && !line ? 'page' : undefined} onClick={() => openFolder(f.folder)} title={`${f.label} (${shortcutLabel(f.command)})`}>
                <span>{f.label}</span>
                {f.folder === 'inbox' && status.unreadCount > 0 && <span className="count" aria-label={`${status.unreadCount} unread`}>{status.unreadCount}</span>}
              </button>
            </li>
          ))}
          <li>
            <button type="button" className={view.kind === 'trash' ? 'nav current' : 'nav'} aria-current={view.kind === 'trash' ? 'page' : undefined} onClick={() => (setView({ kind: 'trash' }), setSelected(null))}>
              <span>Trash</span>
              {trashCount > 0 && <span className="count muted-count" aria-label={`${trashCount} in Trash`}>{trashCount}</span>}
            </button>
          </li>
        </ul>
        {lines.length > 1 && (
          // Departments: each receiving number of the office is a view of the Inbox.
          <>
            <h3 className="nav-heading" id="fax-lines-heading">Fax lines</h3>
            <ul aria-labelledby="fax-lines-heading">
              {lines.map((l) => {
                const current = view.kind === 'folder' && view.line === l.number;
                return (
                  <li key={l.number}>
                    <button type="button" className={current ? 'nav line current' : 'nav line'} aria-current={current ? 'page' : undefined} onClick={() => (setView({ kind: 'folder', folder: 'inbox', line: l.number }), setSelected(null))}>
                      <span className="line-label">
                        <span>{l.name || displayNumber(l.number)}</span>
                        {l.name && <span className="line-number">{displayNumber(l.number)}</span>}
                      </span>
                      {l.unread > 0 && <span className="count" aria-label={`${l.unread} unread`}>{l.unread}</span>}
                    </button>
                  </li>
                );
              })}
            </ul>
          </>
        )}
        {tags.length > 0 && (
          <>
            <h3 className="nav-heading">Tags</h3>
            <ul>
              {tags.map((t) => (
                <li key={t}>
                  <button type="button" className={tag === t ? 'nav current' : 'nav'} aria-pressed={tag === t} onClick={() => setTag(tag === t ? undefined : t)}>
                    # {t}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <span className="grow" />
        <ul>
          {(keyChanges > 0 || view.kind === 'keys') && (
            // A decision waits: faxes to a partner whose keys changed are held until someone takes it.
            <li>
              <button type="button" className={view.kind === 'keys' ? 'nav current' : 'nav'} aria-current={view.kind === 'keys' ? 'page' : undefined} onClick={() => (setView({ kind: 'keys' }), setSelected(null))}>
                <span>Key changes</span>
                {keyChanges > 0 && <span className="count warn-count" aria-label={`${keyChanges} waiting for a decision`}>{keyChanges}</span>}
              </button>
            </li>
          )}
          <li>
            <button type="button" className={view.kind === 'phonebook' ? 'nav current' : 'nav'} aria-current={view.kind === 'phonebook' ? 'page' : undefined} onClick={() => setView({ kind: 'phonebook' })}>
              Phone book
            </button>
          </li>
          <li>
            <button type="button" className={view.kind === 'settings' ? 'nav current' : 'nav'} aria-current={view.kind === 'settings' ? 'page' : undefined} onClick={() => setView({ kind: 'settings' })}>
              Settings
            </button>
          </li>
        </ul>
      </nav>

      <main className="content">
        <OfficeBanner office={status.office} />
        {banner && <ErrorNotice error={banner} onDismiss={() => setBanner(null)} />}
        {status.keychainError && <ErrorNotice error={status.keychainError} />}
        {folder && (
          <div className="split">
            <FaxList folder={folder} orgId={activeOrg.orgId} query={debouncedQuery} tag={tag} line={line ? { number: line, label: lineView?.name || displayNumber(line) } : undefined} selectedId={selected?.id ?? null} onSelect={setSelected} refreshKey={refreshKey} removed={removed} />
            {selected ? (
              <FaxDetailPane
                key={selected.id}
                id={selected.id}
                refreshKey={refreshKey}
                onArchive={archive}
                onDelete={remove}
                onForward={(f) => setCompose({ files: [], forward: { id: f.id, fileName: f.fileName } })}
                onNotice={notify}
                liveProgress={progress[selected.id] ?? null}
                onChanged={refresh}
                onGone={() => setSelected(null)}
                people={status.office?.people ?? []}
                lineLabel={lineLabel}
              />
            ) : (
              <div className="detail empty-detail">
                {demoPeer && (
                  // A newcomer in the demo should not have to guess what to do first.
                  <section className="demo-hint" aria-label="Demo">
                    <h2>You are trying fxe Desk with two demo organisations</h2>
                    <p>
                      Send a fax to <strong>{demoPeer.name}</strong> ({displayNumber(demoPeer.faxNumbers[0]!)}), then pick {demoPeer.name} in
                      the organisation menu at the top to watch it arrive, decrypted only there.
                    </p>
                    <button type="button" className="primary" onClick={() => setCompose({ files: [], to: demoPeer.faxNumbers[0]! })}>
                      Send a fax to {demoPeer.name}…
                    </button>
                  </section>
                )}
                <p className="muted">{NOTHING_SELECTED}</p>
                <p className="muted small">{shortcutsHint()}</p>
              </div>
            )}
          </div>
        )}
        {view.kind === 'trash' && <TrashView orgId={activeOrg.orgId} refreshKey={refreshKey} onNotice={notify} />}
        {view.kind === 'keys' && <KeyChangesView orgId={activeOrg.orgId} refreshKey={refreshKey} onNotice={notify} />}
        {view.kind === 'phonebook' && <PhoneBook onNotice={notify} onSendTo={(to) => setCompose({ files: [], to })} />}
        {view.kind === 'settings' && <Settings orgs={status.orgs} onChanged={(s) => applyTheme(s.theme)} onNotice={notify} />}
      </main>

      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card">
            <span className="file-badge drop-icon">PDF</span>
            <p>Drop PDFs or pictures to fax them</p>
          </div>
        </div>
      )}
      {compose && (
        <SendDialog
          key={compose.forward?.id ?? 'new'}
          org={activeOrg}
          initialFiles={compose.files}
          initialTo={compose.to}
          forward={compose.forward}
          knownNumbers={status.orgs.flatMap((o) => o.faxNumbers)}
          onClose={() => (setCompose(null), setRefreshKey((k) => k + 1))}
          onOpenSettings={() => (setCompose(null), setView({ kind: 'settings' }))}
        />
      )}
      <Toasts toasts={toasts} dismiss={dismissToast} />
    </div>
  );
}
