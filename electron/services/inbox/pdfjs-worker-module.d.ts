// pdfjs-dist ships no types for its worker module. pdf-parse-worker.ts only loads it for its
// side effect (it registers globalThis.pdfjsWorker, so pdf.js parses on the current thread).
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}
