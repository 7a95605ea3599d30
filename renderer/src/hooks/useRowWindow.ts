// Which rows of a long list of equal-height rows are on screen (plus a few either side), from
// the scroll position alone: row i sits at i × rowHeight, so nothing is measured per row and
// nothing is computed per row of the whole list (a general virtualizer builds a table of all
// 100,000 positions each time the count changes). The window is recomputed in the scroll
// event itself, so the rows for the new position are in the very frame that scrolls.
import { useCallback, useLayoutEffect, useState, type RefObject } from 'react';
import { flushSync } from 'react-dom';

export interface RowWindow {
  /** First and last row index to render (inclusive); last < first when there are none. */
  first: number;
  last: number;
  /** Height of the whole list, for the element that gives the scroll its range. */
  totalHeight: number;
  /** Scroll the least needed to show row `index` whole. */
  scrollToIndex: (index: number) => void;
}

interface Viewport {
  top: number;
  height: number;
}

function rangeOf(v: Viewport, count: number, rowHeight: number, overscan: number): { first: number; last: number } {
  if (count === 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(v.top / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.ceil((v.top + v.height) / rowHeight) - 1 + overscan);
  return { first, last: Math.max(first, last) };
}

export function useRowWindow(scrollRef: RefObject<HTMLElement | null>, count: number, rowHeight: number, overscan: number): RowWindow {
  // Before the list is measured, assume it fills the window: the first render has rows already.
  const [viewport, setViewport] = useState<Viewport>(() => ({ top: 0, height: window.innerHeight }));

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return undefined;
    const read = (): Viewport => ({ top: el.scrollTop, height: el.clientHeight });
    // Render again only when the rows to show change, not on every pixel of scroll.
    const update = (sync: boolean) => {
      const next = read();
      const apply = () =>
        setViewport((prev) => {
          const a = rangeOf(prev, count, rowHeight, overscan);
          const b = rangeOf(next, count, rowHeight, overscan);
          return a.first === b.first && a.last === b.last && prev.height === next.height ? prev : next;
        });
      if (sync) flushSync(apply);
      else apply();
    };
    update(false);
    const onScroll = () => update(true);
    el.addEventListener('scroll', onScroll, { passive: true });
    const resize = new ResizeObserver(() => update(false));
    resize.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      resize.disconnect();
    };
  }, [scrollRef, count, rowHeight, overscan]);

  const scrollToIndex = useCallback(
    (index: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const top = index * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    },
    [scrollRef, rowHeight],
  );

  const { first, last } = rangeOf(viewport, count, rowHeight, overscan);
  return { first, last, totalHeight: count * rowHeight, scrollToIndex };
}
