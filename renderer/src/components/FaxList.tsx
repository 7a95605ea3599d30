// The fax list: virtualized (only the ~20 visible rows exist in the DOM) and paged (rows are
// fetched from main 200 at a time as they scroll into view), so 100,000 faxes scroll as
// smoothly as 10. Keyboard: ↑/↓ (or j/k) move, Home/End jump, Enter opens.
// Scrolling stays within a frame because the row elements are reused: each on-screen slot
// keeps its element and only the rows whose fax changed render again (memoised), with a
// fixed height and layout contained to the row (styles.css).
import type { FaxId, OrgId } from '../../../shared/domain/ids.ts';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { FaxSummary, Folder } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { FAX_ROW_HEIGHT, faxRowView } from '../fax-row-view.ts';
import { displayNumber } from '../phone.ts';
import { LIST_HEADINGS } from '../workspace-text.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import { ActivityReportDialog } from './ActivityReportDialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { useRowWindow } from '../hooks/useRowWindow.ts';
import { inboxFirstRowsShown, LIST_PAGE_SIZE, takeFirstInboxPage } from '../startup.ts';

const PAGE_SIZE = LIST_PAGE_SIZE;
const ROW_HEIGHT = FAX_ROW_HEIGHT;
/** How far ahead of the rows on screen their page is asked for (half a page). */
const LOOKAHEAD_ROWS = 100;

type ListPage = { total: number; items: FaxSummary[] };

export interface FaxListProps {
  folder: Folder;
  orgId: OrgId | undefined;
  query: string;
  tag: string | undefined;
  /** One receiving number's view of the Inbox (a department): its number and what to call it. */
  line?: { number: string; label: string } | undefined;
  selectedId: FaxId | null;
  onSelect: (fax: FaxSummary) => void;
  /** Bumped by the parent whenever main says faxes changed: drops the cache, keeps scroll. */
  refreshKey: number;
  /** The fax just deleted: once the list is fresh, the next one is selected and the list focused. */
  removed?: { id: FaxId; seq: number } | null;
}

export function FaxList({ folder, orgId, query, tag, line, selectedId, onSelect, refreshKey, removed }: FaxListProps) {
  const lineNumber = line?.number;
  // At start the Inbox's first page was asked for with the app status (startup.ts): taken
  // here if it is this list's, already drawn in the first render when it has arrived.
  const [early] = useState(() => takeFirstInboxPage({ folder, orgId, query, tag, line: lineNumber, offset: 0 }));
  const earlyPending = useRef(early);
  const [total, setTotal] = useState<number | null>(early?.page ? early.page.total : null);
  const [pages, setPages] = useState<Map<number, FaxSummary[]>>(() => new Map(early?.page ? [[0, early.page.items]] : []));
  const [error, setError] = useState<UserError | null>(null);
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [activeIndex, setActiveIndex] = useState(-1);
  const [reporting, setReporting] = useState(false);

  const fetchPage = useCallback(
    async (pageIndex: number, gen: number, asked?: Promise<ListPage>) => {
      if (inflight.current.has(pageIndex)) return;
      inflight.current.add(pageIndex);
      try {
        const res = await (asked ?? call('faxes.list', {
          folder,
          orgId,
          query: query || undefined,
          tag,
          ...(lineNumber ? { line: lineNumber } : {}),
          offset: pageIndex * PAGE_SIZE,
          limit: PAGE_SIZE,
        }));
        if (gen !== generation.current) return; // a newer search replaced this one
        setTotal(res.total);
        setPages((prev) => new Map(prev).set(pageIndex, res.items));
        setError(null);
      } catch (err) {
        const e = toUserError(err);
        // The office database went away: the banner says so, and the rows already loaded stay.
        if (gen === generation.current && e.code !== 'office.unreachable') setError(e);
      } finally {
        inflight.current.delete(pageIndex);
      }
    },
    [folder, orgId, query, tag, lineNumber],
  );

  // New folder/search: start over from the top.
  useEffect(() => {
    generation.current += 1;
    inflight.current.clear();
    const started = earlyPending.current;
    earlyPending.current = null;
    if (started) {
      // First mount with the start-up page: in hand already, or still on its way.
      if (!started.page) void fetchPage(0, generation.current, started.promise);
      return;
    }
    setPages(new Map());
    setTotal(null);
    setActiveIndex(-1);
    scrollRef.current?.scrollTo({ top: 0 });
    void fetchPage(0, generation.current);
  }, [fetchPage]);

  // Something changed in main (new fax, state change): refetch what is loaded, keep scroll.
  const firstRefresh = useRef(true);
  useEffect(() => {
    if (firstRefresh.current) {
      firstRefresh.current = false;
      return;
    }
    generation.current += 1;
    inflight.current.clear();
    const gen = generation.current;
    const loaded = [...pages.keys()];
    for (const p of loaded.length ? loaded : [0]) void fetchPage(p, gen);
    // Deliberately only on refreshKey: the other inputs have their own effect above.
  }, [refreshKey]);

  // After a delete: select whatever now sits where the deleted fax was and focus the list, so
  // the keyboard stays in the list instead of falling to the page body. Where it was is known
  // from the rows in hand or, if the refreshed rows already arrived (main's change event can
  // beat the delete's own answer), from where the selection last was.
  const reselectAt = useRef<{ index: number; id: FaxId } | null>(null);
  const lastSelected = useRef<{ id: FaxId; index: number } | null>(null);
  const seenRemoval = useRef(0);
  const reselect = useCallback(() => {
    const want = reselectAt.current;
    if (!want || total === null) return;
    const loaded = pages.get(Math.floor(want.index / PAGE_SIZE));
    if (loaded?.some((f) => f.id === want.id)) return; // still the rows from before the delete
    reselectAt.current = null;
    scrollRef.current?.focus();
    if (total === 0) return;
    const index = Math.min(want.index, total - 1);
    const next = pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
    setActiveIndex(index);
    if (next) onSelect(next);
  }, [pages, total, onSelect]);
  useEffect(() => {
    if (!removed || removed.seq === seenRemoval.current) return;
    seenRemoval.current = removed.seq;
    let index: number | null = lastSelected.current?.id === removed.id ? lastSelected.current.index : null;
    for (const [p, items] of pages) {
      const i = items.findIndex((f) => f.id === removed.id);
      if (i >= 0) index = p * PAGE_SIZE + i;
    }
    if (index === null) {
      scrollRef.current?.focus();
      return;
    }
    reselectAt.current = { index, id: removed.id };
    reselect();
  }, [removed, pages, reselect]);
  useEffect(reselect, [reselect]);

  // The sidebar's counts wait for the first rows (startup.ts); also if this list goes first.
  useEffect(() => {
    if (total !== null || error) inboxFirstRowsShown();
  }, [total, error]);
  useEffect(() => inboxFirstRowsShown, []);

  const count = total ?? 0;
  // Two rows either side: the rows for a new position are drawn in the scroll event itself, so
  // more would only add work to every frame of a fast scroll.
  const rows = useRowWindow(scrollRef, count, ROW_HEIGHT, 2);
  const { first, last } = rows;

  // Fetch the pages the visible rows fall into, and the next one either way before it is
  // reached: a quick scroll then finds its rows there instead of placeholders.
  useEffect(() => {
    if (last < first) return;
    const from = Math.max(0, first - LOOKAHEAD_ROWS);
    const to = Math.min(count - 1, last + LOOKAHEAD_ROWS);
    for (let p = Math.floor(from / PAGE_SIZE); p <= Math.floor(to / PAGE_SIZE); p++) {
      if (!pages.has(p)) void fetchPage(p, generation.current);
    }
  }, [first, last, count, pages, fetchPage]);

  const rowAt = useCallback((index: number) => pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE], [pages]);

  // Keep the keyboard cursor on the selected fax when it is visible in the loaded rows.
  const selectedIndex = useMemo(() => {
    if (!selectedId) return -1;
    for (const [p, items] of pages) {
      const i = items.findIndex((f) => f.id === selectedId);
      if (i >= 0) return p * PAGE_SIZE + i;
    }
    return -1;
  }, [pages, selectedId]);
  const cursor = activeIndex >= 0 ? activeIndex : selectedIndex;
  useEffect(() => {
    if (selectedId && selectedIndex >= 0) lastSelected.current = { id: selectedId, index: selectedIndex };
  }, [selectedId, selectedIndex]);

  const moveTo = (index: number, open: boolean) => {
    if (count === 0) return;
    const clamped = Math.max(0, Math.min(count - 1, index));
    setActiveIndex(clamped);
    rows.scrollToIndex(clamped);
    const fax = rowAt(clamped);
    if (fax && open) onSelect(fax);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveTo(cursor + 1, true),
      j: () => moveTo(cursor + 1, true),
      ArrowUp: () => moveTo(cursor - 1, true),
      k: () => moveTo(cursor - 1, true),
      Home: () => moveTo(0, true),
      End: () => moveTo(count - 1, true),
      PageDown: () => moveTo(cursor + 10, true),
      PageUp: () => moveTo(cursor - 10, true),
      Enter: () => moveTo(cursor, true),
    };
    const run = keys[e.key];
    if (run && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      run();
    }
  };

  // One stable click handler for every row, so rows whose fax did not change skip rendering.
  const pick = useRef<(index: number, fax: FaxSummary) => void>(() => undefined);
  pick.current = (index, fax) => {
    setActiveIndex(index);
    onSelect(fax);
  };
  const onPick = useCallback((index: number, fax: FaxSummary) => pick.current(index, fax), []);

  const folderName = line ? `Inbox, ${line.label}` : { inbox: 'Inbox', sent: 'Sent', outbox: 'Outbox', archive: 'Archive' }[folder];
  const activeRow = cursor >= 0 ? rowAt(cursor) : undefined;

  return (
    <div className="fax-list">
      {(folder === 'inbox' || folder === 'sent') && (
        <div className="list-toolbar">
          <button type="button" className="link" onClick={() => setReporting(true)}>
            Activity report…
          </button>
        </div>
      )}
      {line && <h2 className="line-heading">{line.label}</h2>}
      {reporting && <ActivityReportDialog orgId={orgId} initial={folder === 'inbox' ? 'received' : 'sent'} onClose={() => setReporting(false)} />}
      <div className="fax-list-header" aria-hidden="true">
        <span>{LIST_HEADINGS[folder][0]}</span>
        <span>{LIST_HEADINGS[folder][1]}</span>
        <span className="num">Pages</span>
        <span className="num">Size</span>
        <span>Status</span>
      </div>
      {error && <ErrorNotice error={error} compact onDismiss={() => setError(null)} />}
      <div
        ref={scrollRef}
        className="fax-list-scroll"
        role="listbox"
        tabIndex={0}
        aria-label={`${folderName}: ${total ?? '…'} faxes`}
        aria-activedescendant={activeRow ? `fax-row-${activeRow.id}` : undefined}
        onKeyDown={onKeyDown}
        data-total={total ?? ''}
      >
        {total === 0 && (line && !query && !tag ? <p className="empty">No faxes came in on {line.label} yet.</p> : <EmptyFolder folder={folder} searching={query !== '' || tag !== undefined} />)}
        <div style={{ height: rows.totalHeight, position: 'relative' }}>
          {windowIndexes(first, last).map((index) => {
            const fax = rowAt(index);
            // Keyed by slot on screen, not by fax: scrolling hands a slot's element to the
            // next fax instead of removing one element and building another.
            return (
              <FaxRow
                key={index % (last - first + 1)}
                index={index}
                top={index * ROW_HEIGHT}
                fax={fax}
                selected={fax !== undefined && fax.id === selectedId}
                active={index === cursor}
                onPick={onPick}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function windowIndexes(first: number, last: number): number[] {
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}

interface FaxRowProps {
  index: number;
  top: number;
  /** Not loaded yet: a placeholder until its page arrives. */
  fax: FaxSummary | undefined;
  selected: boolean;
  active: boolean;
  onPick: (index: number, fax: FaxSummary) => void;
}

// One component for a loaded row and a placeholder, both a div: when a row's page arrives (or a
// fast scroll hands a slot from a loaded fax to one not loaded yet) React keeps the element and
// changes what is in it, rather than removing one element and building another.
const FaxRow = memo(function FaxRow({ index, top, fax, selected, active, onPick }: FaxRowProps) {
  // The name's tooltip carries the number, formatted only once the pointer comes by: parsing
  // a number is the dearest part of a row, and a fast scroll draws hundreds of rows.
  const [pointedAt, setPointedAt] = useState(false);
  const style = { transform: `translateY(${top}px)`, height: ROW_HEIGHT };
  if (!fax) return <div className="fax-row placeholder" style={style} aria-hidden="true" />;
  const view = faxRowView(fax, selected, active, displayNumber);
  return (
    <div
      id={`fax-row-${fax.id}`}
      className={view.className}
      style={style}
      role="option"
      aria-selected={selected}
      aria-label={view.ariaLabel}
      data-fax-id={fax.id}
      onClick={() => onPick(index, fax)}
    >
      <span className="who">
        {view.unread && <span className="unread-dot" aria-hidden="true" />}
        <span className="who-name" title={pointedAt && fax.peerName ? `${view.who} · ${displayNumber(fax.peerNumber)}` : view.whoTitle} onPointerEnter={() => setPointedAt(true)}>
          {view.who}
        </span>
        {/* Both lines can be cut off in a narrow list, so each carries its full text as a tooltip. */}
        <span className="who-number" title={view.subline}>
          {view.subline}
          {fax.tags.map((t) => (
            <span key={t} className="badge tag">
              {t}
            </span>
          ))}
          {fax.hasNote && <span className="badge" title="Has a note">note</span>}
          {fax.sendGroup && <span className="badge" title="One of a send to several recipients: open it to see them all">group send</span>}
          {fax.assignee && <span className="badge assignee" title={`Handled by ${fax.assignee}`}>{fax.assignee}</span>}
        </span>
      </span>
      <span className="when" title={view.whenTitle}>
        {view.when}
      </span>
      <span className="num">{view.pages}</span>
      <span className="num">{view.size}</span>
      <span className="state-cell">
        <span className={`pill tone-${view.tone}`}>{view.state}</span>
        {/* Next to the state, where it cannot be cut off: this fax left the encrypted network. */}
        {fax.route === 'pstn' && (
          <span className="badge warn pstn" title="Sent over the ordinary phone network (PSTN), not end-to-end encrypted">
            PSTN · not encrypted
          </span>
        )}
      </span>
    </div>
  );
});

function EmptyFolder({ folder, searching }: { folder: Folder; searching: boolean }) {
  if (searching) return <p className="empty">No faxes match your search.</p>;
  const text: Record<Folder, string> = {
    inbox: 'No faxes yet. New faxes appear here as soon as they arrive.',
    sent: 'Faxes you send appear here once they are delivered.',
    outbox: 'Nothing waiting to go out.',
    archive: 'Archived faxes appear here.',
  };
  return <p className="empty">{text[folder]}</p>;
}
