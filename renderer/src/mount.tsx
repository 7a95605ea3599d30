// The app itself: React and every screen, run by main.tsx once the first screen is drawn.
import { StrictMode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { firstScreenState, handOverFirstScreen } from './first-paint.ts';

export function mountApp(root: HTMLElement): void {
  // What was done on the first screen meanwhile (a row clicked, the list scrolled) is taken
  // before the app's first render replaces it, and handed to the app's own screen after.
  const left = firstScreenState(root);
  const app = createRoot(root);
  // Rendered at once rather than in a later task: the first screen is replaced in one go, and
  // what was done on it is handed over straight after.
  flushSync(() =>
    app.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
  handOverFirstScreen(root, left);
  performance.mark('fxe:app');
}
