// The files of a fax being sent: one PDF, or several PDFs and pictures (JPEG, PNG, TIFF) that
// main combines into one PDF in the order shown here. The list is reordered by dragging a
// row, or from the keyboard (Alt+↑/↓ on a row, or its Move up/Move down buttons); a file is
// taken out with its Remove button. Each file is checked as it is added, so a wrong or
// damaged file is named at once rather than after Send.
import { useCallback, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { MAX_COMPOSE_BYTES, MAX_COMPOSE_FILES, composeSentences, looksFaxable, sniffFileKind, type ComposeFileKind, type PaperSize } from '../../../shared/domain/compose.ts';
import { call, toUserError } from '../api.ts';
import { fileSize } from '../format.ts';

/** One file in the fax, read once when added. */
export interface ComposeItem {
  id: string;
  name: string;
  size: number;
  kind: ComposeFileKind;
  data: Uint8Array;
  /** Pages of this file the user removed in the preview (1-based). */
  removePages: number[];
}

const KIND_BADGE: Record<ComposeFileKind, string> = { pdf: 'PDF', jpeg: 'JPG', png: 'PNG', tiff: 'TIFF' };

let nextItemId = 1;

/**
 * What is wrong with a file, said at once: the picker's filter is only a suggestion, and a
 * drop can bring anything. null = it may go in (main still checks it fully).
 */
export async function fileProblem(file: File): Promise<{ problem: string } | { kind: ComposeFileKind; data: Uint8Array }> {
  if (file.size === 0) return { problem: composeSentences.empty(file.name) };
  if (file.size > MAX_COMPOSE_BYTES) return { problem: composeSentences.tooLarge(file.size) };
  if (!looksFaxable(file.name, file.type)) return { problem: composeSentences.notFaxable(file.name) };
  const data = new Uint8Array(await file.arrayBuffer());
  // A name that says PDF is taken at its word here: if it is not one, main's PDF check says
  // so in the words every PDF gets ("not a PDF that can be faxed"), not as a damaged picture.
  if (/\.pdf$/i.test(file.name)) return { kind: 'pdf', data };
  const kind = sniffFileKind(data.subarray(0, 1024));
  return kind ? { kind, data } : { problem: composeSentences.notFaxable(file.name) };
}

/** The files of the fax, and how to add to them. Pictures are opened by main as they are added. */
export function useComposeItems(paper: PaperSize) {
  const [items, setItems] = useState<ComposeItem[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [checking, setChecking] = useState(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const addFiles = useCallback(
    async (files: File[]) => {
      setProblem(null);
      if (itemsRef.current.length + files.length > MAX_COMPOSE_FILES) {
        setProblem(composeSentences.tooManyFiles(itemsRef.current.length + files.length));
        return;
      }
      setChecking((n) => n + 1);
      try {
        const added: ComposeItem[] = [];
        const problems: string[] = [];
        for (const file of files) {
          const outcome = await fileProblem(file);
          if ('problem' in outcome) {
            problems.push(outcome.problem);
            continue;
          }
          if (outcome.kind !== 'pdf') {
            // A damaged picture is found by decoding it: main does that, and names the file.
            try {
              await call('compose.build', { files: [{ fileName: file.name, data: outcome.data, removePages: [] }], paper, cover: null });
            } catch (err) {
              problems.push(toUserError(err).message);
              continue;
            }
          }
          added.push({ id: `f${nextItemId++}`, name: file.name, size: file.size, kind: outcome.kind, data: outcome.data, removePages: [] });
        }
        const total = [...itemsRef.current, ...added].reduce((n, i) => n + i.size, 0);
        if (total > MAX_COMPOSE_BYTES) problems.push(composeSentences.tooLarge(total));
        else if (added.length) setItems((cur) => [...cur, ...added]);
        if (problems.length) setProblem(problems.join(' '));
      } finally {
        setChecking((n) => n - 1);
      }
    },
    [paper],
  );

  return { items, setItems, addFiles, problem, setProblem, checking: checking > 0 };
}

export interface ComposeFilesProps {
  items: ComposeItem[];
  onChange: (items: ComposeItem[]) => void;
  onAddFiles: (files: File[]) => void;
  problem: string | null;
  checking: boolean;
  paper: PaperSize;
  onPaperChange: (paper: PaperSize) => void;
  /** Pages per file, once the preview has counted them. */
  filePages?: Map<string, number>;
}

export function ComposeFiles({ items, onChange, onAddFiles, problem, checking, paper, onPaperChange, filePages }: ComposeFilesProps) {
  const input = useRef<HTMLInputElement>(null);
  const [dragged, setDragged] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const rowRefs = useRef(new Map<string, HTMLLIElement>());

  const move = (id: string, to: number) => {
    const from = items.findIndex((i) => i.id === id);
    if (from < 0 || to < 0 || to >= items.length || to === from) return;
    const next = [...items];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item!);
    onChange(next);
    setAnnouncement(`${item!.name} moved to position ${to + 1} of ${items.length}.`);
  };

  const remove = (id: string) => {
    const index = items.findIndex((i) => i.id === id);
    const item = items[index];
    if (!item) return;
    const next = items.filter((i) => i.id !== id);
    onChange(next);
    setAnnouncement(`${item.name} removed from the fax.`);
    // Keep the keyboard in the list: on the row that took its place, or the one before.
    const neighbour = next[Math.min(index, next.length - 1)];
    requestAnimationFrame(() => (neighbour ? rowRefs.current.get(neighbour.id)?.focus() : input.current?.parentElement?.querySelector('button')?.focus()));
  };

  const onRowKeyDown = (e: KeyboardEvent<HTMLLIElement>, id: string, index: number) => {
    if (e.target !== e.currentTarget) return; // the row's own buttons handle their keys
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      move(id, index + (e.key === 'ArrowUp' ? -1 : 1));
      requestAnimationFrame(() => rowRefs.current.get(id)?.focus());
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      const other = items[index + (e.key === 'ArrowUp' ? -1 : 1)];
      if (other) rowRefs.current.get(other.id)?.focus();
    } else if (e.key === 'Delete') {
      e.preventDefault();
      remove(id);
    }
  };

  // Reordering by drag: only rows of this list, never files from outside (those are added).
  const onDragOver = (e: DragEvent<HTMLLIElement>, overId: string) => {
    if (!dragged) return;
    e.preventDefault();
    e.stopPropagation();
    if (overId !== dragged) move(dragged, items.findIndex((i) => i.id === overId));
  };

  const hasPictures = items.some((i) => i.kind !== 'pdf');

  return (
    <div className="compose-files">
      {items.length > 0 ? (
        <>
          <ol className="compose-list" aria-label="Files in this fax, in the order they are sent" aria-describedby="compose-list-help">
            {items.map((item, index) => {
              const pages = filePages?.get(item.id);
              return (
                <li
                  key={item.id}
                  ref={(el) => void (el ? rowRefs.current.set(item.id, el) : rowRefs.current.delete(item.id))}
                  className={`file-chosen${dragged === item.id ? ' dragging' : ''}`}
                  tabIndex={0}
                  draggable
                  data-file={item.name}
                  aria-label={`${index + 1}. ${item.name}, ${KIND_BADGE[item.kind]}, ${fileSize(item.size)}${pages ? `, ${pages} page${pages === 1 ? '' : 's'}` : ''}`}
                  onKeyDown={(e) => onRowKeyDown(e, item.id, index)}
                  onDragStart={(e) => {
                    setDragged(item.id);
                    e.dataTransfer.effectAllowed = 'move';
                    e.dataTransfer.setData('text/plain', item.name);
                  }}
                  onDragOver={(e) => onDragOver(e, item.id)}
                  onDrop={(e) => {
                    if (!dragged) return;
                    e.preventDefault();
                    e.stopPropagation();
                    setDragged(null);
                  }}
                  onDragEnd={() => setDragged(null)}
                >
                  <span className="drag-handle" aria-hidden="true" title="Drag to reorder">⠿</span>
                  <span className={`file-badge kind-${item.kind}`} aria-hidden="true">{KIND_BADGE[item.kind]}</span>
                  <span className="compose-name">
                    <strong>{item.name}</strong>
                    <span className="muted">
                      {' '}· {fileSize(item.size)}
                      {pages ? ` · ${pages} page${pages === 1 ? '' : 's'}` : ''}
                      {item.removePages.length ? ` · ${item.removePages.length} removed` : ''}
                    </span>
                  </span>
                  {items.length > 1 && (
                    <>
                      <button type="button" className="icon" aria-label={`Move ${item.name} up`} title="Move up (Alt+↑)" disabled={index === 0} onClick={() => move(item.id, index - 1)}>
                        ↑
                      </button>
                      <button type="button" className="icon" aria-label={`Move ${item.name} down`} title="Move down (Alt+↓)" disabled={index === items.length - 1} onClick={() => move(item.id, index + 1)}>
                        ↓
                      </button>
                    </>
                  )}
                  <button type="button" className="icon" aria-label={`Remove ${item.name}`} title="Remove from this fax (Delete)" onClick={() => remove(item.id)}>
                    ×
                  </button>
                </li>
              );
            })}
          </ol>
          <p id="compose-list-help" className="hint">
            {items.length > 1 ? 'Sent as one fax, top to bottom. Drag a file, or use Alt+↑ and Alt+↓, to change the order.' : 'Add more PDFs or pictures to send them together as one fax.'}
          </p>
        </>
      ) : (
        <p className={problem ? 'field-error' : 'muted'} role={problem ? 'alert' : undefined}>
          {problem ?? 'Drop a PDF or pictures (JPEG, PNG, TIFF) anywhere on this window, or choose them.'}
        </p>
      )}
      {items.length > 0 && problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <div className="compose-actions">
        <button type="button" onClick={() => input.current?.click()} disabled={checking}>
          {checking ? 'Checking…' : items.length ? 'Add files…' : 'Choose PDF…'}
        </button>
        {hasPictures && (
          <label className="inline">
            Pictures on
            <select value={paper} onChange={(e) => onPaperChange(e.target.value as PaperSize)} name="paper">
              <option value="a4">A4</option>
              <option value="letter">US Letter</option>
            </select>
          </label>
        )}
      </div>
      <input
        ref={input}
        type="file"
        multiple
        accept="application/pdf,.pdf,image/jpeg,.jpg,.jpeg,image/png,.png,image/tiff,.tif,.tiff"
        hidden
        aria-label="PDF to send, or pictures"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = ''; // picking the same file again after fixing it must fire again
          if (files.length) onAddFiles(files);
        }}
      />
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}
