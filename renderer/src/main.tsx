// The window's entry, kept small on purpose: it asks main for the first screen's answers at
// once (startup.ts), draws the Inbox from them with plain DOM (first-paint.ts), and only then
// runs the app's script (mount.tsx: React and every screen), which the page has fetched and
// compiled meanwhile (preloadAppScript). Run first, the app's script kept the main thread busy
// for hundreds of milliseconds before the first row could be drawn. Once the first rows are
// on screen, pdf.js loads in the background for the first fax opened.
import './styles.css';
import { firstScreenRows, paintFirstScreen } from './first-paint.ts';
import { fullDate } from './format.ts';
import { warmPdfEngine } from './pdf.ts';
import { afterFirstRows, earlyAnswers, startEarlyRequests } from './startup.ts';

/** How long the app's script waits for the answers before it starts without a first screen. */
const FIRST_SCREEN_DEADLINE_MS = 1000;

startEarlyRequests();
preloadAppScript();
// While main answers: the window's first date formatter loads the locale's data (ICU), tens of
// milliseconds (hundreds on a busy machine) that the first screen's dates would otherwise wait for.
fullDate(Date.now());
void afterFirstRows().then(warmPdfEngine);

const root = document.getElementById('root')!;

/** Fetch and compile the app's script now (the page names it: electron.vite.config.ts), run it later. */
function preloadAppScript(): void {
  const files = document.querySelector<HTMLMetaElement>('meta[name="fxe-app-script"]')?.content.split(' ') ?? [];
  for (const href of files) document.head.append(Object.assign(document.createElement('link'), { rel: 'modulepreload', crossOrigin: '', href }));
}

/** Resolves after the frame that shows what is in the DOM now. */
function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    // A window that draws no frames (hidden, or covered) must still start the app.
    setTimeout(resolve, document.visibilityState === 'hidden' ? 0 : 500);
  });
}

/** Numbers are formatted by libphonenumber (most of a small script's weight): loaded if a row needs it. */
const numbers = (): Promise<(e164: string) => string> => import('./phone.ts').then((m) => m.displayNumber);

async function start(): Promise<void> {
  const answers = await earlyAnswers(FIRST_SCREEN_DEADLINE_MS);
  const displayNumber = answers && firstScreenRows(answers).some((f) => f.peerName === null) ? await numbers().catch(() => null) : (n: string) => n;
  if (answers && displayNumber && paintFirstScreen(root, answers, displayNumber)) await afterNextPaint();
  const { mountApp } = await import('./mount.tsx');
  mountApp(root);
}

void start();
