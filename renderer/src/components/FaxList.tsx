// The fax list: virtualized (only the ~20 visible rows exist in the DOM) and paged (rows are
// fetched from main 200 at a time as they scroll into view), so 100,000 faxes scroll as
// smoothly as 10. Keyboard: ↑/↓ (or j/k) move, Home/End jump, Enter opens.
import type { FaxId, OrgId } from '../../../shared/domain/ids.ts';
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { FaxSummary, Folder } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { fileSize, fullDate, pagesLabel, shortDate, stateLabel, stateTone } from '../format.ts';
import { displayNumber } from '../phone.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import { ActivityReportDialog } from './ActivityReportDialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

const PAGE_SIZE = 200;
const ROW_HEIGHT = 56;

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
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, FaxSummary[]>>(new Map());
  const [error, setError] = useState<UserError | null>(null);
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [activeIndex, setActiveIndex] = useState(-1);
  const [reporting, setReporting] = useState(false);

  const fetchPage = useCallback(
    async (pageIndex: number, gen: number) => {
      if (inflight.current.has(pageIndex)) return;
      inflight.current.add(pageIndex);
      try {
        const res = await call('faxes.list', {
          folder,
          orgId,
          query: query || undefined,
          tag,
          ...(lineNumber ? { line: lineNumber } : {}),
          offset: pageIndex * PAGE_SIZE,
          limit: PAGE_SIZE,
        });
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

  const count = total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const virtualItems = virtualizer.getVirtualItems();

  // Fetch the pages the visible rows fall into.
  useEffect(() => {
    const first = virtualItems[0]?.index;
    const last = virtualItems[virtualItems.length - 1]?.index;
    if (first === undefined || last === undefined) return;
    for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) {
      if (!pages.has(p)) void fetchPage(p, generation.current);
    }
  }, [virtualItems, pages, fetchPage]);

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
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
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
        <span>{folder === 'inbox' || folder === 'archive' ? 'From' : 'To'}</span>
        <span>{folder === 'inbox' ? 'Received' : 'Date'}</span>
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
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualItems.map((item) => {
            const fax = rowAt(item.index);
            const style = { transform: `translateY(${item.start}px)`, height: ROW_HEIGHT };
            if (!fax) {
              return <div key={item.key} className="fax-row placeholder" style={style} aria-hidden="true" />;
            }
            return (
              <FaxRow
                key={fax.id}
                fax={fax}
                style={style}
                selected={fax.id === selectedId}
                active={item.index === cursor}
                onClick={() => {
                  setActiveIndex(item.index);
                  onSelect(fax);
                }}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function FaxRow({ fax, style, selected, active, onClick }: { fax: FaxSummary; style: CSSProperties; selected: boolean; active: boolean; onClick: () => void }) {
  const unread = fax.direction === 'in' && !fax.read;
  const classes = ['fax-row', unread && 'unread', selected && 'selected', active && 'active'].filter(Boolean).join(' ');
  const who = fax.peerName ?? displayNumber(fax.peerNumber);
  // The second line tells faxes from one sender apart: the cover page's subject and the file
  // name (the number is in the name's tooltip and the header). Both lines can be cut off in a
  // narrow list, so each carries its full text as a tooltip.
  const subline = fax.subject ? `${fax.subject} · ${fax.fileName}` : fax.fileName;
  // A scheduled fax is listed by when it goes, not when it was written.
  const scheduledFor = fax.state === 'scheduled' ? fax.sendAt : null;
  return (
    <div
      id={`fax-row-${fax.id}`}
      className={classes}
      style={style}
      role="option"
      aria-selected={selected}
      // The file name too: rows from the same sender would otherwise sound identical.
      aria-label={`${unread ? 'Unread. ' : ''}${fax.direction === 'in' ? 'From' : 'To'} ${who}, ${fax.fileName}${fax.subject ? `, subject ${fax.subject}` : ''}, ${fullDate(fax.at)}, ${pagesLabel(fax.pages)}, ${stateLabel(fax.state)}${scheduledFor ? ` for ${fullDate(scheduledFor)}` : ''}${fax.assignee ? `, handled by ${fax.assignee}` : ''}`}
      data-fax-id={fax.id}
      onClick={onClick}
    >
      <span className="who">
        {unread && <span className="unread-dot" aria-hidden="true" />}
        <span className="who-name" title={fax.peerName ? `${who} · ${displayNumber(fax.peerNumber)}` : who}>{who}</span>
        <span className="who-number" title={subline}>
          {subline}
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
      <span className="when" title={scheduledFor ? `Goes out ${fullDate(scheduledFor)}` : fullDate(fax.at)}>
        {shortDate(scheduledFor ?? fax.at)}
      </span>
      <span className="num">{fax.pages ?? '—'}</span>
      <span className="num">{fileSize(fax.sizeBytes)}</span>
      <span className="state-cell">
        <span className={`pill tone-${stateTone(fax.state)}`}>{stateLabel(fax.state)}</span>
        {/* Next to the state, where it cannot be cut off: this fax left the encrypted network. */}
        {fax.route === 'pstn' && (
          <span className="badge warn pstn" title="Sent over the ordinary phone network (PSTN), not end-to-end encrypted">
            PSTN · not encrypted
          </span>
        )}
      </span>
    </div>
  );
}

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
