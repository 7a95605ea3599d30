// The app frame. Decides between first-run onboarding and the workspace, owns the state that
// several screens share (status, folder, search, selection, dialogs, toasts), listens to
// main's events, and implements window-wide drag-and-drop and keyboard shortcuts.
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { MAX_PDF_BYTES, pdfTooLargeMessage } from '../../shared/domain/pdf-limits.ts';
import type { FaxDetail, FaxSummary, Folder, Settings as SettingsValue, UserError } from '../../shared/domain/types.ts';
import type { AppStatus, IpcEvent, MenuCommand } from '../../shared/ipc/contract.ts';
import { call, fxe, toUserError } from './api.ts';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { FaxDetailPane } from './components/FaxDetailPane.tsx';
import { FaxList } from './components/FaxList.tsx';
import { OfficeBanner } from './components/OfficeSettings.tsx';
import { Onboarding } from './components/Onboarding.tsx';
import { PhoneBook } from './components/PhoneBook.tsx';
import { isPdfFile, SendDialog } from './components/SendDialog.tsx';
import { Settings } from './components/Settings.tsx';
import { Toasts, type Toast } from './components/Toasts.tsx';
import { TrashView } from './components/TrashView.tsx';
import { displayNumber } from './phone.ts';

type View = { kind: 'folder'; folder: Folder } | { kind: 'trash' } | { kind: 'phonebook' } | { kind: 'settings' };
type Compose = { file: File | null; to?: string; forward?: { id: string; fileName: string } };

const FOLDERS: { folder: Folder; label: string; key: string }[] = [
  { folder: 'inbox', label: 'Inbox', key: '1' },
  { folder: 'sent', label: 'Sent', key: '2' },
  { folder: 'outbox', label: 'Outbox', key: '3' },
  { folder: 'archive', label: 'Archive', key: '4' },
];

export function App() {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [bootError, setBootError] = useState<UserError | null>(null);

  const refreshStatus = useCallback(() => {
    call('app.status', {}).then(
      (s) => (setStatus(s), setBootError(null)),
      (err: unknown) => setBootError(toUserError(err)),
    );
  }, []);
  useEffect(refreshStatus, [refreshStatus]);
  useEffect(() => {
    try {
      return fxe().onEvent((e) => e.type === 'status.changed' && setStatus(e.status));
    } catch (err) {
      setBootError(toUserError(err));
      return undefined;
    }
  }, []);
  useTheme();

  if (bootError && !status) return <main className="boot"><ErrorNotice error={bootError} /></main>;
  if (!status) return <main className="boot" aria-busy="true"><p className="muted">Starting fxe Desk…</p></main>;
  if (status.orgs.length === 0) return <Onboarding onReady={refreshStatus} keychainError={status.keychainError} />;
  return <Workspace status={status} onStatusStale={refreshStatus} />;
}

/** Light/dark: follow the saved setting, 'system' leaves it to prefers-color-scheme. */
function useTheme() {
  useEffect(() => {
    call('settings.get', {}).then((s) => applyTheme(s.theme), () => undefined);
  }, []);
}
function applyTheme(theme: SettingsValue['theme']) {
  document.documentElement.dataset.theme = theme;
}

function Workspace({ status, onStatusStale }: { status: AppStatus; onStatusStale: () => void }) {
  const [view, setView] = useState<View>({ kind: 'folder', folder: 'inbox' });
  const [query, setQuery] = useState('');
  const [debouncedQuery, setDebouncedQuery] = useState('');
  const [tag, setTag] = useState<string | undefined>(undefined);
  const [tags, setTags] = useState<string[]>([]);
  const [trashCount, setTrashCount] = useState(0);
  const [selected, setSelected] = useState<FaxSummary | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [compose, setCompose] = useState<Compose | null>(null);
  const [dragging, setDragging] = useState(false);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [banner, setBanner] = useState<UserError | null>(null);
  const [progress, setProgress] = useState<Record<string, number | null>>({});
  const [removed, setRemoved] = useState<{ id: string; seq: number } | null>(null);
  const removedSeq = useRef(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const dragDepth = useRef(0);
  const toastSeq = useRef(0);

  const activeOrg = status.orgs.find((o) => o.orgId === status.activeOrgId) ?? status.orgs[0]!;
  // In the demo, the other demo org is who to fax first.
  const demoPeer = activeOrg.isDemo ? status.orgs.find((o) => o.isDemo && o.orgId !== activeOrg.orgId && o.faxNumbers.length > 0) ?? null : null;

  const notify = useCallback((text: string, action?: Toast['action'], faxId?: string) => {
    toastSeq.current += 1;
    const toast: Toast = { id: toastSeq.current, text, action, timeoutMs: action ? 10_000 : 5000, ...(faxId ? { faxId } : {}) };
    setToasts((t) => [...t.slice(-3), toast]);
  }, []);
  const dismissToast = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);

  useEffect(() => {
    const t = window.setTimeout(() => setDebouncedQuery(query.trim()), 150);
    return () => window.clearTimeout(t);
  }, [query]);

  useEffect(() => {
    call('faxes.tags', {}).then(
      (list) => {
        setTags(list);
        // The tag being shown lost its last fax: show the whole folder rather than an empty list.
        setTag((t) => (t !== undefined && !list.includes(t) ? undefined : t));
      },
      () => setTags([]),
    );
  }, [refreshKey]);

  useEffect(() => {
    call('trash.list', { orgId: activeOrg.orgId, offset: 0, limit: 1 }).then((p) => setTrashCount(p.total), () => setTrashCount(0));
  }, [refreshKey, activeOrg.orgId]);

  // Main's events: refresh lists, follow send progress, show receive failures.
  const commandRef = useRef<(c: MenuCommand) => void>(() => undefined);
  const parkedNotified = useRef(new Set<string>());
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const openFolderRef = useRef<(f: Folder) => void>(() => undefined);
  const setSelectedRef = useRef<(f: FaxSummary) => void>(() => undefined);
  const statusStale = useRef(onStatusStale);
  statusStale.current = onStatusStale;
  useEffect(
    () =>
      fxe().onEvent((event: IpcEvent) => {
        switch (event.type) {
          case 'faxes.changed':
            setRefreshKey((k) => k + 1);
            statusStale.current(); // the unread count moved
            break;
          case 'fax.received':
            setRefreshKey((k) => k + 1);
            statusStale.current();
            // Said in the window too: the desktop notification may be off, or hidden on a shared screen.
            void call('faxes.get', { id: event.id }).then(
              (fax) => notifyRef.current(`New fax from ${fax.peerName ?? displayNumber(fax.peerNumber)}${fax.direction === 'in' ? ` on ${displayNumber(fax.toNumber)}` : ''}.`, {
                label: 'Open',
                run: () => {
                  openFolderRef.current('inbox');
                  setSelectedRef.current(fax);
                },
              }),
              () => undefined,
            );
            break;
          case 'outbox.changed':
            setProgress((p) => ({ ...p, [event.id]: event.progress }));
            setRefreshKey((k) => k + 1);
            // A fax queued while the relay was away may turn out, later, not to be on fxe:
            // say so once, wherever the receptionist is in the window.
            if (event.state === 'needs-pstn' && event.error?.code === 'relay.not_on_fxe' && !parkedNotified.current.has(event.id)) {
              parkedNotified.current.add(event.id);
              notifyRef.current('A fax is waiting in the Outbox: its number is not on the fxe network.', { label: 'Open Outbox', run: () => openFolderRef.current('outbox') });
            }
            break;
          case 'receive.error':
            setBanner(event.error);
            setRefreshKey((k) => k + 1);
            break;
          case 'menu.command':
            commandRef.current(event.command);
            break;
          default:
            break;
        }
      }),
    [],
  );

  const openFolder = (folder: Folder) => {
    setView({ kind: 'folder', folder });
    setSelected(null);
  };

  openFolderRef.current = openFolder;
  setSelectedRef.current = setSelected;

  const archive = async (fax: FaxDetail | FaxSummary) => {
    try {
      const archived = fax.folder !== 'archive';
      await call('faxes.archive', { ids: [fax.id], archived });
      setSelected(null);
      setRefreshKey((k) => k + 1);
      notify(archived ? 'Fax archived.' : 'Fax moved back.', {
        label: 'Undo',
        run: () => void call('faxes.archive', { ids: [fax.id], archived: !archived }).then(() => setRefreshKey((k) => k + 1)),
      }, fax.id);
    } catch (err) {
      setBanner(toUserError(err));
    }
  };

  const remove = async (fax: FaxDetail | FaxSummary) => {
    try {
      const { undoToken } = await call('faxes.delete', { ids: [fax.id] });
      // An "archived: Undo" for this fax would now act on a fax that is gone.
      setToasts((t) => t.filter((x) => x.faxId !== fax.id));
      setSelected(null);
      // The list moves on to the next fax (or the one before the last), as in a mail client.
      removedSeq.current += 1;
      setRemoved({ id: fax.id, seq: removedSeq.current });
      setRefreshKey((k) => k + 1);
      notify('Fax moved to Trash.', {
        label: 'Undo',
        run: () =>
          void call('faxes.undoDelete', { undoToken }).then(
            () => setRefreshKey((k) => k + 1),
            (err: unknown) => setBanner(toUserError(err)),
          ),
      });
    } catch (err) {
      setBanner(toUserError(err));
    }
  };

  const runCommand = (command: MenuCommand) => {
    const folderOf: Partial<Record<MenuCommand, Folder>> = { 'open-inbox': 'inbox', 'open-sent': 'sent', 'open-outbox': 'outbox', 'open-archive': 'archive' };
    const folder = folderOf[command];
    if (folder) return openFolder(folder);
    if (command === 'new-fax') return setCompose({ file: null });
    if (command === 'find') {
      if (view.kind !== 'folder') setView({ kind: 'folder', folder: 'inbox' });
      return window.setTimeout(() => searchRef.current?.focus(), 0);
    }
    if (command === 'open-phonebook') return setView({ kind: 'phonebook' });
    if (command === 'open-settings') return setView({ kind: 'settings' });
    if (command === 'print-selected' && selected) {
      return void call('faxes.print', { id: selected.id }).then(
        (r) => r.printed && notify('Sent to the printer.'),
        (err: unknown) => setBanner(toUserError(err)),
      );
    }
    if (command === 'save-selected' && selected) {
      return void call('faxes.saveAs', { id: selected.id }).then(
        (r) => r && notify(`Saved to ${r.savedTo}`),
        (err: unknown) => setBanner(toUserError(err)),
      );
    }
  };
  commandRef.current = runCommand;

  // Shortcuts that work anywhere (the same ones the app menu shows). Single-key shortcuts
  // only when the user is not typing in a field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
      const mod = e.ctrlKey || e.metaKey;
      if (document.querySelector('dialog[open]')) return; // a dialog owns the keyboard
      let command: MenuCommand | null = null;
      if (mod && e.key.toLowerCase() === 'n') command = 'new-fax';
      else if (mod && e.key.toLowerCase() === 'f') command = 'find';
      else if (mod && e.key.toLowerCase() === 'p') command = 'print-selected';
      else if (mod && e.key.toLowerCase() === 's') command = 'save-selected';
      else if (mod && e.key === ',') command = 'open-settings';
      else if (mod && !e.shiftKey && ['1', '2', '3', '4'].includes(e.key)) command = (['open-inbox', 'open-sent', 'open-outbox', 'open-archive'] as const)[Number(e.key) - 1]!;
      else if (!typing && !mod && e.key === '/') command = 'find';
      if (command) {
        e.preventDefault();
        runCommand(command);
        return;
      }
      if (typing || mod || !selected) return;
      if (e.key === 'Delete' || e.key === '#') (e.preventDefault(), void remove(selected));
      else if (e.key === 'e') (e.preventDefault(), void archive(selected));
      else if (e.key === 'u') {
        e.preventDefault();
        // Toggle from the fax's current state: `selected` is the row as it was when picked,
        // and opening it (or the detail view's button) may have changed it since.
        const id = selected.id;
        void call('faxes.get', { id })
          .then((fax) => call('faxes.markRead', { ids: [id], read: !fax.read }))
          .then(() => setRefreshKey((k) => k + 1), (err: unknown) => setBanner(toUserError(err)));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  // Drop a PDF anywhere on the window to send it. dragenter/leave fire for every child,
  // so a depth counter decides when the overlay shows.
  const hasFiles = (e: DragEvent) => [...e.dataTransfer.types].includes('Files');
  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth.current += 1;
    setDragging(true);
  };
  const onDragLeave = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    dragDepth.current = Math.max(0, dragDepth.current - 1);
    if (dragDepth.current === 0) setDragging(false);
  };
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    const files = [...e.dataTransfer.files];
    const pdfs = files.filter(isPdfFile);
    const pdf = pdfs[0];
    if (pdfs.length > 1) {
      // Never keep one and silently drop the others.
      setBanner({
        code: 'send_several_files',
        message: `You dropped ${pdfs.length} PDFs. A fax carries one document: drop them one at a time, or combine them into one PDF first.`,
        detail: pdfs.map((f) => f.name).join(', '),
      });
      return;
    }
    if (pdf?.size === 0) {
      setBanner({ code: 'send_empty_file', message: `${pdf.name} is empty (0 bytes). Save or print the document as PDF again, then drop it here.` });
      return;
    }
    if (!pdf) {
      if (files.length) setBanner({ code: 'send_not_pdf', message: 'Only PDF files can be faxed. Save the document as PDF first, then drop it here.', detail: files.map((f) => `${f.name} (${f.type || 'unknown type'})`).join(', ') });
      return;
    }
    if (pdf.size > MAX_PDF_BYTES) {
      // The services' own limit and sentence (shared/domain/pdf-limits.ts), checked here only to answer at once.
      setBanner({ code: 'pdf.too_large', message: pdfTooLargeMessage(pdf.size), detail: `${pdf.name}: ${pdf.size} bytes > ${MAX_PDF_BYTES}` });
      return;
    }
    setCompose((c) => (c && !c.forward ? { ...c, file: pdf } : { file: pdf }));
  };

  const folder = view.kind === 'folder' ? view.folder : null;

  return (
    <div className="workspace" onDragEnter={onDragEnter} onDragLeave={onDragLeave} onDragOver={onDragOver} onDrop={onDrop}>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">fxe</span>
          <span className="brand-name">Desk</span>
        </div>
        <label className="org-switch">
          <span className="sr-only">Organisation</span>
          <select
            value={activeOrg.orgId}
            onChange={(e) => call('orgs.setActive', { orgId: e.target.value }).then(() => (setSelected(null), onStatusStale(), setRefreshKey((k) => k + 1)), (err: unknown) => setBanner(toUserError(err)))}
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
            placeholder="Search faxes (sender, number, file, tag, note)"
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
        <button type="button" className="primary" onClick={() => setCompose({ file: null })} title="New fax (Ctrl+N)">
          New fax
        </button>
      </header>

      <nav className="sidebar" aria-label="Folders">
        <ul>
          {FOLDERS.map((f) => (
            <li key={f.folder}>
              <button type="button" className={folder === f.folder ? 'nav current' : 'nav'} aria-current={folder === f.folder ? 'page' : undefined} onClick={() => openFolder(f.folder)} title={`${f.label} (Ctrl+${f.key})`}>
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
            <FaxList folder={folder} orgId={activeOrg.orgId} query={debouncedQuery} tag={tag} selectedId={selected?.id ?? null} onSelect={setSelected} refreshKey={refreshKey} removed={removed} />
            {selected ? (
              <FaxDetailPane
                key={selected.id}
                id={selected.id}
                refreshKey={refreshKey}
                onArchive={archive}
                onDelete={remove}
                onForward={(f) => setCompose({ file: null, forward: { id: f.id, fileName: f.fileName } })}
                onNotice={notify}
                liveProgress={progress[selected.id] ?? null}
                onChanged={() => (setRefreshKey((k) => k + 1), onStatusStale())}
                people={status.office?.people ?? []}
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
                    <button type="button" className="primary" onClick={() => setCompose({ file: null, to: demoPeer.faxNumbers[0]! })}>
                      Send a fax to {demoPeer.name}…
                    </button>
                  </section>
                )}
                <p className="muted">Select a fax to read it, or drop a PDF anywhere to send one.</p>
                <p className="muted small">Shortcuts: ↑ ↓ to move · Enter to open · e archive · Del delete · u unread · Ctrl+N new fax</p>
              </div>
            )}
          </div>
        )}
        {view.kind === 'trash' && <TrashView orgId={activeOrg.orgId} refreshKey={refreshKey} onNotice={notify} />}
        {view.kind === 'phonebook' && <PhoneBook onNotice={notify} onSendTo={(to) => setCompose({ file: null, to })} />}
        {view.kind === 'settings' && <Settings orgs={status.orgs} onChanged={(s) => applyTheme(s.theme)} onNotice={notify} />}
      </main>

      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card">
            <span className="file-badge drop-icon">PDF</span>
            <p>Drop the PDF to fax it</p>
          </div>
        </div>
      )}
      {compose && (
        <SendDialog
          key={compose.forward?.id ?? 'new'}
          org={activeOrg}
          initialFile={compose.file}
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
