// The fax viewer: one page at a time (fast even for a 50-page fax: only what is visible is
// drawn), thumbnails drawn lazily as they scroll into view, zoom, fit width, and keyboard
// navigation (PageUp/PageDown, Home/End, +/-, 0 for fit width, r to turn the page). Pages are
// turned one at a time (a scan that came in sideways is usually one page of many); the turns
// come in with the document and go back through onRotatePage to be remembered.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { openPdf, renderPage, type PDFDocumentProxy } from '../pdf.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import type { PageRotation } from '../../../shared/ipc/contract.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

export interface PdfViewerProps {
  pdf: Uint8Array;
  fileName: string;
  onPrint?: () => void;
  onSave?: () => void;
  /** Pages turned before (remembered per fax). */
  rotations?: PageRotation[];
  /** A page was turned: degrees clockwise from how the document shows it, 0 = upright. */
  onRotatePage?: (page: number, degrees: 0 | 90 | 180 | 270) => void;
}

type Zoom = { mode: 'fit-width' } | { mode: 'scale'; scale: number };
const ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

type Turns = ReadonlyMap<number, number>;

function turnsFrom(rotations: PageRotation[] | undefined): Turns {
  return new Map((rotations ?? []).map((r) => [r.page, r.degrees]));
}

export function PdfViewer({ pdf, fileName, onPrint, onSave, rotations, onRotatePage }: PdfViewerProps) {
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [page, setPage] = useState(1);
  const [zoom, setZoom] = useState<Zoom>({ mode: 'fit-width' });
  const [turns, setTurns] = useState<Turns>(() => turnsFrom(rotations));
  const [showThumbs, setShowThumbs] = useState(true);
  const [effectiveScale, setEffectiveScale] = useState(1);
  const [rendered, setRendered] = useState(false);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const [stageWidth, setStageWidth] = useState(0);

  useEffect(() => {
    setDoc(null);
    setError(null);
    setPage(1);
    setTurns(turnsFrom(rotations));
    const loading = openPdf(pdf);
    let alive = true;
    loading.promise.then(
      // Marks on the page's timeline say where opening a fax goes (the app benchmark prints them).
      (d) => alive && (performance.mark('fxe:viewer-open'), setDoc(d)),
      (err: unknown) =>
        alive &&
        setError({
          code: 'viewer_open_failed',
          message: 'This fax could not be displayed. The document may be damaged.',
          detail: err instanceof Error ? err.message : String(err),
        }),
    );
    return () => {
      alive = false;
      void loading.destroy();
    };
  }, [pdf]);

  // Pages turned elsewhere while this document is open (another desk of the office): shown as
  // they are now. The key is the turns' content, so a new but equal list changes nothing.
  const turnsKey = JSON.stringify(rotations ?? []);
  useEffect(() => {
    setTurns(turnsFrom(rotations));
  }, [turnsKey]);

  // Track the stage width so "fit width" follows window resizes.
  useLayoutEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const observer = new ResizeObserver(() => setStageWidth(stage.clientWidth));
    observer.observe(stage);
    setStageWidth(stage.clientWidth);
    return () => observer.disconnect();
  }, [doc]);

  const rotation = turns.get(page) ?? 0;
  const rotateCurrentPage = () => {
    const degrees = (((turns.get(page) ?? 0) + 90) % 360) as 0 | 90 | 180 | 270;
    setTurns((t) => new Map(t).set(page, degrees));
    onRotatePage?.(page, degrees);
  };

  useEffect(() => {
    if (!doc || !canvasRef.current) return;
    if (zoom.mode === 'fit-width' && stageWidth === 0) return;
    let cancel: (() => void) | null = null;
    let alive = true;
    setRendered(false);
    void (async () => {
      let scale = zoom.mode === 'scale' ? zoom.scale : 1;
      if (zoom.mode === 'fit-width') {
        // Rejects when the fax is closed meanwhile (the document is destroyed): not an error.
        const p = await doc.getPage(page).catch(() => null);
        if (!p) return;
        const base = p.getViewport({ scale: 1, rotation: (p.rotate + rotation) % 360 });
        scale = Math.max(0.25, (stageWidth - 48) / base.width);
      }
      if (!alive || !canvasRef.current) return;
      setEffectiveScale(scale);
      const job = renderPage(doc, page, canvasRef.current, scale, rotation);
      cancel = job.cancel;
      try {
        await job.done;
        if (alive) {
          performance.mark('fxe:viewer-drawn');
          setRendered(true);
        }
      } catch (err) {
        if (alive && !(err instanceof Error && /cancel/i.test(err.message))) {
          setError({ code: 'viewer_render_failed', message: `Page ${page} could not be drawn.`, detail: String(err) });
        }
      }
    })();
    return () => {
      alive = false;
      cancel?.();
    };
  }, [doc, page, zoom, rotation, stageWidth]);

  const pageCount = doc?.numPages ?? 0;
  const goTo = useCallback((n: number) => setPage((cur) => (pageCount ? Math.min(pageCount, Math.max(1, n)) : cur)), [pageCount]);

  const zoomBy = (direction: 1 | -1) => {
    const current = zoom.mode === 'scale' ? zoom.scale : effectiveScale;
    const next =
      direction > 0 ? ZOOM_STEPS.find((s) => s > current + 0.01) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1]! : [...ZOOM_STEPS].reverse().find((s) => s < current - 0.01) ?? ZOOM_STEPS[0]!;
    setZoom({ mode: 'scale', scale: next });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement) return;
    const handled = ((): boolean => {
      switch (e.key) {
        case 'PageDown':
        case 'ArrowRight':
          goTo(page + 1);
          return true;
        case 'PageUp':
        case 'ArrowLeft':
          goTo(page - 1);
          return true;
        case 'Home':
          goTo(1);
          return true;
        case 'End':
          goTo(pageCount);
          return true;
        case '+':
        case '=':
          zoomBy(1);
          return true;
        case '-':
          zoomBy(-1);
          return true;
        case '0':
          setZoom({ mode: 'fit-width' });
          return true;
        case 'r':
          rotateCurrentPage();
          return true;
        default:
          return false;
      }
    })();
    if (handled) e.preventDefault();
  };

  if (error) return <ErrorNotice error={error} />;

  return (
    <section className="viewer" aria-label={`Document ${fileName}`} onKeyDown={onKeyDown}>
      <div className="viewer-toolbar" role="toolbar" aria-label="Document tools">
        <button type="button" className="icon" aria-pressed={showThumbs} aria-label="Show page thumbnails" title="Thumbnails" onClick={() => setShowThumbs(!showThumbs)}>
          ▦
        </button>
        <span className="sep" />
        <button type="button" className="icon" aria-label="Previous page" title="Previous page (Page Up)" disabled={page <= 1} onClick={() => goTo(page - 1)}>
          ‹
        </button>
        <label className="page-input">
          <span className="sr-only">Page number</span>
          <input
            type="number"
            min={1}
            max={pageCount || 1}
            value={page}
            onChange={(e) => goTo(Number(e.target.value) || 1)}
            aria-label="Page number"
          />
          <span aria-hidden="true"> / {pageCount || '…'}</span>
        </label>
        <button type="button" className="icon" aria-label="Next page" title="Next page (Page Down)" disabled={page >= pageCount} onClick={() => goTo(page + 1)}>
          ›
        </button>
        <span className="sep" />
        <button type="button" className="icon" aria-label="Zoom out" title="Zoom out (-)" onClick={() => zoomBy(-1)}>
          −
        </button>
        <span className="zoom-label" aria-live="polite">{Math.round(effectiveScale * 100)}%</span>
        <button type="button" className="icon" aria-label="Zoom in" title="Zoom in (+)" onClick={() => zoomBy(1)}>
          +
        </button>
        <button type="button" aria-pressed={zoom.mode === 'fit-width'} onClick={() => setZoom({ mode: 'fit-width' })} title="Fit width (0)">
          Fit width
        </button>
        <button type="button" onClick={() => setZoom({ mode: 'scale', scale: 1 })} title="Actual size">
          100%
        </button>
        <button type="button" className="icon" aria-label="Turn this page clockwise" title="Turn this page (r)" onClick={rotateCurrentPage}>
          ↻
        </button>
        <span className="grow" />
        {/* One group: on a narrow pane Save and Print wrap to the next line together. */}
        <span className="viewer-actions">
          {onSave && (
            <button type="button" onClick={onSave} title="Save a copy as PDF">
              Save
            </button>
          )}
          {onPrint && (
            <button type="button" className="primary" onClick={onPrint}>
              Print
            </button>
          )}
        </span>
      </div>
      <div className="viewer-main">
        {showThumbs && doc && <Thumbnails doc={doc} current={page} onPick={goTo} turns={turns} />}
        <div className="viewer-stage" ref={stageRef} tabIndex={0} aria-label="Page view. Use Page Up and Page Down to change pages.">
          {!doc && <p className="muted center">Opening document…</p>}
          <canvas
            ref={canvasRef}
            className="page-canvas"
            role="img"
            aria-label={`Page ${page} of ${pageCount}`}
            data-page={page}
            data-rotation={rotation}
            data-rendered={rendered ? 'true' : 'false'}
            data-scale={effectiveScale.toFixed(4)}
            hidden={!doc}
          />
        </div>
      </div>
    </section>
  );
}

const THUMB_WIDTH = 96;

function Thumbnails({ doc, current, onPick, turns }: { doc: PDFDocumentProxy; current: number; onPick: (n: number) => void; turns: Turns }) {
  const pages = Array.from({ length: doc.numPages }, (_, i) => i + 1);
  return (
    <nav className="thumbs" aria-label="Pages">
      <ol>
        {pages.map((n) => (
          <li key={n}>
            <button type="button" className={n === current ? 'thumb current' : 'thumb'} aria-current={n === current ? 'page' : undefined} aria-label={`Page ${n}`} onClick={() => onPick(n)}>
              <LazyThumb doc={doc} pageNumber={n} rotation={turns.get(n) ?? 0} />
              <span className="thumb-number" aria-hidden="true">{n}</span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** Draws its page only once it scrolls into view: a 50-page fax opens without 50 renders. */
function LazyThumb({ doc, pageNumber, rotation }: { doc: PDFDocumentProxy; pageNumber: number; rotation: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setVisible(true), { rootMargin: '200px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  useEffect(() => {
    if (!visible || !ref.current) return;
    let job: { cancel: () => void } | null = null;
    let alive = true;
    doc.getPage(pageNumber).then(
      (p) => {
        if (!alive || !ref.current) return;
        const base = p.getViewport({ scale: 1, rotation: (p.rotate + rotation) % 360 });
        const j = renderPage(doc, pageNumber, ref.current, THUMB_WIDTH / base.width, rotation);
        job = j;
        j.done.catch(() => undefined); // a thumbnail that fails just stays blank
      },
      // The fax was closed while this page loaded ("Transport destroyed"): nothing to draw.
      () => undefined,
    );
    return () => {
      alive = false;
      job?.cancel();
    };
  }, [visible, doc, pageNumber, rotation]);
  return <canvas ref={ref} className="thumb-canvas" width={THUMB_WIDTH} height={124} aria-hidden="true" />;
}
