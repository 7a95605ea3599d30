// What the window asks main for the moment its script runs, before React renders anything:
// the app status, the theme and the Inbox's first page, all at once. Asked one after the other
// (status → render the workspace → the list asks for its rows) the first rows waited for a
// whole round trip and a render more; and the sidebar's counts (tags, Trash, lines) wait until
// the rows are on screen, so main answers the list first.
//
// The first page is asked for every organisation (no orgId: the active one is not known yet),
// so the list takes it only when that is the same thing: one organisation, not in an office.
//
// When those answers are in, main.tsx draws the first screen from them at once (first-paint.ts)
// and only then runs the app's script (React and the rest), whose first render takes the same
// answers synchronously and replaces that screen with the same rows, now live.
import type { OrgId } from '../../shared/domain/ids.ts';
import type { FaxSummary, Settings } from '../../shared/domain/types.ts';
import type { AppStatus } from '../../shared/ipc/contract.ts';
import { call, fxe } from './api.ts';

/** Rows the list asks for at a time; the first page is asked for here with the same size. */
export const LIST_PAGE_SIZE = 200;

type Page = { total: number; items: FaxSummary[] };

let status: Promise<AppStatus> | null = null;
let settings: Promise<Settings> | null = null;
/** The status and the first page have both arrived: the workspace can be drawn with its rows. */
let statusAndPageIn = false;
let firstInboxPage: Promise<Page> | null = null;
/** The first page once it has arrived: the list can then draw it in its very first render. */
let firstInboxPageValue: Page | null = null;
/** The status as it came back: says whether the first page is the active organisation's. */
let statusSeen: AppStatus | null = null;
let stopWatching: (() => void) | null = null;

let markShown: () => void = () => undefined;
const inboxShown = new Promise<void>((resolve) => {
  markShown = resolve;
});

/** A promise nobody may end up taking must not be reported as an unhandled rejection. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** Ask for everything the first screen needs, side by side. Called once, from main.tsx. */
export function startEarlyRequests(): void {
  try {
    // A fax arriving (or any change) before the list takes its first page makes that page
    // stale: drop it, the list then asks again itself.
    stopWatching = fxe().onEvent((e) => {
      if (e.type === 'faxes.changed' || e.type === 'fax.received' || e.type === 'outbox.changed') dropFirstInboxPage();
    });
    // A status that changes before the app listens (a fax arrives while the window loads) is
    // kept, so the app starts from the latest one (useAppStatus).
    fxe().onEvent((e) => {
      if (e.type === 'status.changed' && statusSeen) statusSeen = e.status;
    });
  } catch {
    // No bridge: the app's own calls say so (useAppStatus shows the error).
    markShown();
    return;
  }
  // Marks on the page's timeline say where start-up time goes (the app benchmark prints them).
  performance.mark('fxe:start-requests');
  const askedStatus = call('app.status', {}).then((s) => (performance.mark('fxe:status'), (statusSeen = s), s));
  settings = quiet(call('settings.get', {}));
  const asked = quiet(call('faxes.list', { folder: 'inbox', offset: 0, limit: LIST_PAGE_SIZE }));
  firstInboxPage = asked;
  const pageSettled = asked.then((p) => {
    performance.mark('fxe:first-page');
    if (firstInboxPage === asked) firstInboxPageValue = p;
  }, () => undefined);
  // The workspace is first drawn once the first page is in hand too (main answers the two
  // together): one render with the rows in it, rather than an empty list and then its rows.
  status = quiet(Promise.all([askedStatus, pageSettled]).then(([s]) => ((statusAndPageIn = true), s)));
}

export interface EarlyAnswers {
  status: AppStatus;
  settings: Settings;
  /** The Inbox's first page, when it is the active organisation's unfiltered Inbox. */
  inbox: Page | null;
}

/**
 * The start-up answers, once all are in: what the first screen is drawn from. null when one
 * failed or they took longer than `deadlineMs` (the app then starts without a first screen).
 */
export function earlyAnswers(deadlineMs: number): Promise<EarlyAnswers | null> {
  const asked = status && settings ? Promise.all([status, settings]) : null;
  if (!asked) return Promise.resolve(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), deadlineMs)));
  const answered = asked.then(
    ([s, settingsValue]): EarlyAnswers => {
      const page = firstInboxPageValue;
      const oneOrg = s.orgs.length === 1 && !s.office?.joined;
      return { status: s, settings: settingsValue, inbox: page && oneOrg ? page : null };
    },
    () => null,
  );
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

function dropFirstInboxPage(): void {
  firstInboxPage = null;
  firstInboxPageValue = null;
  stopWatching?.();
  stopWatching = null;
}

/** The status asked for at start, once; null afterwards (ask again). */
export function takeEarlyStatus(): Promise<AppStatus> | null {
  const s = status;
  status = null;
  return s;
}

/**
 * The status asked for at start if it is already here with the first page (the app's first
 * render can then be the workspace with its rows, not "Starting…"), once; null otherwise.
 */
export function takeEarlyStatusNow(): AppStatus | null {
  if (!statusAndPageIn || !statusSeen || !status) return null;
  status = null;
  return statusSeen;
}

/** The latest status seen since start (status.changed included), for the app once it listens. */
export function latestEarlyStatus(): AppStatus | null {
  return statusSeen;
}

/** The settings asked for at start, once; null afterwards. */
export function takeEarlySettings(): Promise<Settings> | null {
  const s = settings;
  settings = null;
  return s;
}

/**
 * The Inbox's first page asked for at start, if it is exactly what the list is about to ask:
 * the active organisation's Inbox, unfiltered, from the top. Given once.
 */
export function takeFirstInboxPage(request: { folder: string; orgId: OrgId | undefined; query: string; tag: string | undefined; line: string | undefined; offset: number }): { page: Page | null; promise: Promise<Page> } | null {
  const promise = firstInboxPage;
  const page = firstInboxPageValue;
  if (!promise) return null;
  dropFirstInboxPage();
  const s = statusSeen;
  const sameList = request.folder === 'inbox' && !request.query && request.tag === undefined && request.line === undefined && request.offset === 0;
  const oneOrg = s !== null && s.orgs.length === 1 && s.orgs[0]!.orgId === request.orgId && !s.office?.joined;
  return sameList && oneOrg ? { page, promise } : null;
}

let shownSaid = false;

/** The list says its first rows are on screen (or that there is nothing to show). */
export function inboxFirstRowsShown(): void {
  if (shownSaid) return;
  shownSaid = true;
  performance.mark('fxe:first-rows');
  // After the frame that draws them, so the sidebar's requests never delay that frame; a
  // window that is not drawing (hidden at start) gets no frames, hence the timer as well.
  requestAnimationFrame(() => setTimeout(markShown, 0));
  setTimeout(markShown, 250);
}

/** Resolves once the list's first rows have been drawn: the sidebar's counts wait for it. */
export function afterFirstRows(): Promise<void> {
  return inboxShown;
}
