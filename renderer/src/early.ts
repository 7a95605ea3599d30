// Imported first by main.tsx, so the start-up requests leave before React and the rest of the
// app are even evaluated (see startup.ts). Once the first rows are drawn, pdf.js loads in
// the background for the first fax opened.
import { warmPdfEngine } from './pdf.ts';
import { afterFirstRows, startEarlyRequests } from './startup.ts';

startEarlyRequests();
void afterFirstRows().then(warmPdfEngine);
