// What will go out, before it goes: main combines the files (and puts the cover page in
// front, as Send will) and hands the PDF over for this preview only; pdf.js draws a thumbnail
// of every page. Each document page can be removed here (and put back); the cover goes with
// the "Add a cover page" box. Rebuilt when the files, their order, the paper or the cover
// change.
import { useEffect, useRef, useState } from 'react';
import type { PaperSize } from '../../../shared/domain/compose.ts';
import type { ComposedFax, CoverPage } from '../../../shared/ipc/contract.ts';
import type { UserError } from '../../../shared/domain/types.ts';
import { call, toUserError } from '../api.ts';
import { openPdf, renderPage, type PDFDocumentProxy } from '../pdf.ts';
import type { ComposeItem } from './ComposeFiles.tsx';

export interface SendPreviewProps {
  items: ComposeItem[];
  paper: PaperSize;
  cover: (CoverPage & { to: string; from: string }) | null;
  onRemovePage: (itemId: string, page: number) => void;
  onRestorePage: (itemId: string, page: number) => void;
  /** Pages per file (by item id), as counted for this preview. */
  onCounted: (filePages: Map<string, number>) => void;
}

/** Wait this long after the last change (typing in the cover's message) before rebuilding. */
const REBUILD_DELAY_MS = 400;
const THUMB_WIDTH = 110;

export function SendPreview({ items, paper, cover, onRemovePage, onRestorePage, onCounted }: SendPreviewProps) {
  const [built, setBuilt] = useState<{ fax: ComposedFax; itemIds: string[] } | null>(null);
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [busy, setBusy] = useState(false);
  const onCountedRef = useRef(onCounted);
  onCountedRef.current = onCounted;
  const coverKey = cover ? JSON.stringify(cover) : '';
  const sectionRef = useRef<HTMLElement>(null);


  useEffect(() => {
    let alive = true;
    const timer = setTimeout(() => {
      setBusy(true);
      const itemIds = items.map((i) => i.id);
      call('compose.build', { files: items.map((i) => ({ fileName: i.name, data: i.data, removePages: i.removePages })), paper, cover })
        .then(
          (fax) => {
            if (!alive) return;
            setError(null);
            setBuilt({ fax, itemIds });
            onCountedRef.current(new Map(itemIds.map((id, n) => [id, fax.filePages[n] ?? 0])));
          },
          (err: unknown) => alive && (setError(toUserError(err)), setBuilt(null)),
        )
        .finally(() => alive && setBusy(false));
    }, REBUILD_DELAY_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // The cover is compared by value: a new object with the same fields is no change.
  }, [items, paper, coverKey]);

  useEffect(() => {
    if (!built) return setDoc(null);
    const loading = openPdf(built.fax.pdf);
    let alive = true;
    loading.promise.then(
      (d) => alive && setDoc(d),
      (err: unknown) => alive && setError({ code: 'preview_failed', message: 'The preview could not be drawn.', detail: String(err) }),
    );
    return () => {
      alive = false;
      // Thumbnails still drawing this document stop quietly (PreviewThumb catches it).
      setDoc(null);
      void loading.destroy();
    };
  }, [built]);

  // Once there are pages to look at (first time only), scroll the dialog to them; the form
  // above stays a scroll away. Not scrollIntoView: that would also scroll the app behind.
  const shown = doc !== null;
  const scrolled = useRef(false);
  useEffect(() => {
    const section = sectionRef.current;
    const dialog = section?.closest('dialog');
    if (!shown || scrolled.current || !section || !dialog) return;
    scrolled.current = true;
    dialog.scrollTop += section.getBoundingClientRect().top - dialog.getBoundingClientRect().top - 72;
  }, [shown]);

  const removed = items.flatMap((item) => item.removePages.map((page) => ({ item, page })));
  const nameOf = (fileIndex: number) => items.find((i) => i.id === built?.itemIds[fileIndex])?.name ?? '';
  const fax = built?.fax;

  return (
    <section ref={sectionRef} className="send-preview" aria-label="Preview of the fax" aria-busy={busy}>
      <p className="preview-summary" data-testid="preview-summary" aria-live="polite">
        {error
          ? ''
          : fax
            ? `${fax.pages} page${fax.pages === 1 ? '' : 's'} will be sent${fax.coverPages ? ', cover page included' : ''}.${busy ? ' Updating…' : ''}`
            : 'Preparing the preview…'}
      </p>
      {error && (
        <p className="field-error" role="alert" data-error-code={error.code}>
          {error.message}
        </p>
      )}
      {fax && doc && (
        <ol className="preview-pages" aria-label="Pages that will be sent">
          {Array.from({ length: fax.pages }, (_, i) => {
            const isCover = i < fax.coverPages;
            const source = isCover ? null : fax.sources[i - fax.coverPages];
            const itemId = source ? built.itemIds[source.file] : undefined;
            const caption = isCover ? 'Cover page' : source ? `${nameOf(source.file)}, page ${source.page}` : '';
            return (
              <li key={`${i}-${caption}`} className="preview-page" data-page={i + 1}>
                <PreviewThumb doc={doc} pageNumber={i + 1} label={`Page ${i + 1}: ${caption}`} />
                <span className="preview-caption">
                  <span aria-hidden="true">{i + 1}</span> <span className="muted">{caption}</span>
                </span>
                {source && itemId && fax.sources.length > 1 && (
                  <button type="button" className="icon preview-remove" aria-label={`Remove page ${i + 1} (${caption})`} title="Leave this page out" onClick={() => onRemovePage(itemId, source.page)}>
                    ×
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {removed.length > 0 && (
        <div className="preview-removed">
          <span className="muted">Left out:</span>
          {removed.map(({ item, page }) => (
            <button key={`${item.id}-${page}`} type="button" className="link" onClick={() => onRestorePage(item.id, page)} aria-label={`Put back ${item.name}, page ${page}`}>
              {item.name} p.{page} · Put back
            </button>
          ))}
        </div>
      )}
    </section>
  );
}

function PreviewThumb({ doc, pageNumber, label }: { doc: PDFDocumentProxy; pageNumber: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    let job: ReturnType<typeof renderPage> | null = null;
    let alive = true;
    // Drawn once it scrolls into view: a 40-page preview opens without 40 renders.
    const io = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting) || job) return;
        io.disconnect();
        // A document already replaced by a newer preview throws at once (its transport is gone).
        let loading: ReturnType<PDFDocumentProxy['getPage']>;
        try {
          loading = doc.getPage(pageNumber);
        } catch {
          return;
        }
        loading.then(
          (p) => {
            if (!alive || !ref.current) return;
            const base = p.getViewport({ scale: 1, rotation: p.rotate });
            const drawing = renderPage(doc, pageNumber, ref.current, THUMB_WIDTH / base.width, 0);
            job = drawing;
            drawing.done.then(() => alive && setDrawn(true), () => undefined); // a failed thumbnail just stays blank
          },
          () => undefined, // the preview was rebuilt meanwhile: nothing to draw
        );
      },
      // The list scrolls on its own: it is the root, so pages just below its fold are drawn too.
      { root: canvas.closest('.preview-pages'), rootMargin: '300px' },
    );
    io.observe(canvas);
    return () => {
      alive = false;
      io.disconnect();
      job?.cancel();
    };
  }, [doc, pageNumber]);
  return <canvas ref={ref} className="thumb-canvas preview-canvas" role="img" aria-label={label} data-rendered={drawn ? 'true' : 'false'} width={THUMB_WIDTH} height={142} />;
}
