// The window's first screen, drawn with plain DOM from the start-up answers (startup.ts) before
// the app's script (React and every screen, ~10× this code) is even run: the Inbox with its
// first rows, as the app draws it (App.tsx's workspace, FaxList's rows through fax-row-view.ts,
// the same words through workspace-text.ts). The app's first render then replaces it with the
// same screen, live (React empties the container when it first mounts).
//
// Until then it is a picture: the whole screen is marked busy and disabled, and a click on a row
// is kept and handed to the app's own row once it is there, so nothing done in those few hundred
// milliseconds is lost.
import { shortcutLabel } from '../../shared/app/shortcuts.ts';
import type { FaxSummary } from '../../shared/domain/types.ts';
import { FAX_ROW_HEIGHT, faxRowView } from './fax-row-view.ts';
import type { EarlyAnswers } from './startup.ts';
import { FOLDERS, LIST_HEADINGS, NOTHING_SELECTED, SEARCH_PLACEHOLDER, shortcutsHint } from './workspace-text.ts';

type Child = Node | string | null | false | undefined;

/** One element: tag, attributes (null/undefined/false left out), children. */
function h(tag: string, attrs: Record<string, string | number | boolean | null | undefined>, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

function row(fax: FaxSummary, index: number, displayNumber: (e164: string) => string): HTMLElement {
  const v = faxRowView(fax, false, false, displayNumber);
  const badge = (text: string, title: string | null, extra = '') => h('span', { class: `badge${extra}`, title }, text);
  return h(
    'div',
    { id: `fax-row-${fax.id}`, class: v.className, style: `transform: translateY(${index * FAX_ROW_HEIGHT}px); height: ${FAX_ROW_HEIGHT}px;`, role: 'option', 'aria-selected': 'false', 'aria-label': v.ariaLabel, 'data-fax-id': fax.id },
    h(
      'span',
      { class: 'who' },
      v.unread && h('span', { class: 'unread-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'who-name', title: v.whoTitle }, v.who),
      h(
        'span',
        { class: 'who-number', title: v.subline },
        v.subline,
        ...fax.tags.map((t) => badge(t, null, ' tag')),
        fax.hasNote && badge('note', 'Has a note'),
        fax.sendGroup && badge('group send', 'One of a send to several recipients: open it to see them all'),
        fax.assignee && badge(fax.assignee, `Handled by ${fax.assignee}`, ' assignee'),
      ),
    ),
    h('span', { class: 'when', title: v.whenTitle }, v.when),
    h('span', { class: 'num' }, v.pages),
    h('span', { class: 'num' }, v.size),
    h(
      'span',
      { class: 'state-cell' },
      h('span', { class: `pill tone-${v.tone}` }, v.state),
      fax.route === 'pstn' && badge('PSTN · not encrypted', 'Sent over the ordinary phone network (PSTN), not end-to-end encrypted', ' warn pstn'),
    ),
  );
}

/** Rows the first screen shows: enough for the tallest list this window can show. */
export function firstScreenRows(answers: EarlyAnswers): FaxSummary[] {
  return answers.inbox?.items.slice(0, Math.ceil(window.innerHeight / FAX_ROW_HEIGHT) + 2) ?? [];
}

/**
 * Draw the Inbox from the start-up answers into `root`, if they allow it (one organisation's
 * Inbox with rows, nothing to warn about). Returns whether it drew. `displayNumber` is needed
 * only when a row shows a number rather than a name (firstScreenRows).
 */
export function paintFirstScreen(root: HTMLElement, answers: EarlyAnswers, displayNumber: (e164: string) => string): boolean {
  const { status, settings, inbox } = answers;
  const org = status.orgs[0];
  if (!inbox || inbox.total === 0 || !org || status.keychainError || root.querySelector('[data-first-screen]')) return false;
  document.documentElement.dataset.theme = settings.theme;
  const shown = firstScreenRows(answers);
  const folderButton = (f: (typeof FOLDERS)[number]) => {
    const current = f.folder === 'inbox';
    return h(
      'li',
      {},
      h(
        'button',
        { type: 'button', class: current ? 'nav current' : 'nav', 'aria-current': current ? 'page' : null, title: `${f.label} (${shortcutLabel(f.command)})` },
        h('span', {}, f.label),
        current && status.unreadCount > 0 && h('span', { class: 'count', 'aria-label': `${status.unreadCount} unread` }, String(status.unreadCount)),
      ),
    );
  };
  const plainButton = (label: string) => h('li', {}, h('button', { type: 'button', class: 'nav' }, label));

  const screen = h(
    'div',
    { class: 'workspace', 'aria-busy': 'true', 'aria-disabled': 'true', 'data-first-screen': '' },
    h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'fxe'), h('span', { class: 'brand-name' }, 'Desk')),
      h(
        'label',
        { class: 'org-switch' },
        h('span', { class: 'sr-only' }, 'Organisation'),
        h('select', { 'aria-label': 'Organisation' }, h('option', { value: org.orgId }, `${org.name}${org.isDemo ? ' (demo)' : ''}`)),
      ),
      h('div', { class: 'search' }, h('input', { type: 'search', placeholder: SEARCH_PLACEHOLDER, 'aria-label': 'Search faxes', readonly: true })),
      h('span', { class: 'grow' }),
      status.demoRunning && h('span', { class: 'badge', title: 'The embedded demo relay is running on this computer' }, 'Demo'),
      status.relayReachable === false && h('span', { class: 'badge warn', title: 'fxe Desk cannot reach the relay right now' }, 'Offline'),
      h('button', { type: 'button', class: 'primary', title: `New fax (${shortcutLabel('new-fax')})` }, 'New fax'),
    ),
    h(
      'nav',
      { class: 'sidebar', 'aria-label': 'Folders' },
      h('ul', {}, ...FOLDERS.map(folderButton), h('li', {}, h('button', { type: 'button', class: 'nav' }, h('span', {}, 'Trash')))),
      h('span', { class: 'grow' }),
      h('ul', {}, plainButton('Phone book'), plainButton('Settings')),
    ),
    h(
      'main',
      { class: 'content' },
      h(
        'div',
        { class: 'split' },
        h(
          'div',
          { class: 'fax-list' },
          h('div', { class: 'list-toolbar' }, h('button', { type: 'button', class: 'link' }, 'Activity report…')),
          h('div', { class: 'fax-list-header', 'aria-hidden': 'true' }, h('span', {}, LIST_HEADINGS.inbox[0]), h('span', {}, LIST_HEADINGS.inbox[1]), h('span', { class: 'num' }, 'Pages'), h('span', { class: 'num' }, 'Size'), h('span', {}, 'Status')),
          h(
            'div',
            { class: 'fax-list-scroll', role: 'listbox', tabindex: 0, 'aria-label': `Inbox: ${inbox.total} faxes`, 'data-total': inbox.total },
            h('div', { style: `height: ${inbox.total * FAX_ROW_HEIGHT}px; position: relative;` }, ...shown.map((fax, i) => row(fax, i, displayNumber))),
          ),
        ),
        h('div', { class: 'detail empty-detail' }, h('p', { class: 'muted' }, NOTHING_SELECTED), h('p', { class: 'muted small' }, shortcutsHint())),
      ),
    ),
  );
  // A click on a row before the app is there opens that fax once it is.
  screen.addEventListener('click', (e) => {
    const faxId = (e.target as Element).closest?.('.fax-row')?.getAttribute('data-fax-id');
    if (faxId) pendingRowClick = faxId;
  });
  root.replaceChildren(screen);
  performance.mark('fxe:first-paint');
  return true;
}

let pendingRowClick: string | null = null;

export interface FirstScreenState {
  /** The fax whose row was clicked, to open it. */
  clicked: string | null;
  /** How far the list was scrolled. */
  scrollTop: number;
}

/** What was done on the first screen, if it is still there; read before the app replaces it. */
export function firstScreenState(root: HTMLElement): FirstScreenState | null {
  const screen = root.querySelector('[data-first-screen]');
  if (!screen) return null;
  return { clicked: pendingRowClick, scrollTop: screen.querySelector('.fax-list-scroll')?.scrollTop ?? 0 };
}

/** After the app's first render: scroll its list as the first screen's was, open the row clicked. */
export function handOverFirstScreen(root: HTMLElement, state: FirstScreenState | null): void {
  pendingRowClick = null;
  if (!state) return;
  const list = root.querySelector<HTMLElement>('.fax-list-scroll');
  if (list && state.scrollTop > 0) list.scrollTop = state.scrollTop;
  if (!state.clicked) return;
  root.querySelectorAll<HTMLElement>('.fax-row[data-fax-id]').forEach((el) => {
    if (el.dataset.faxId === state.clicked) el.click();
  });
}
