/**
 * The built CLI's entry point (out/cli/fxe-desk.js, the package's "bin"): the compile cache
 * first (compile-cache.ts), then the CLI, loaded only once the cache is on.
 */
import { flushCompileCache } from 'node:module';
import { turnOnCompileCache } from './compile-cache.ts';

turnOnCompileCache();
// A send checks its PDF with pdf.js in a worker thread, whose start and pdf.js's load are the
// longest wait of a small send: the worker starts before the rest of the CLI is even loaded
// (~0.1 s earlier), on the other core.
if (process.argv[2] === 'send') (await import('../inbox/pdf-parse.ts')).warmPdfCheckWorker({ oneCheck: true });
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// main() returns once its services are closed: everything of this run is on disk. Ending
// the process now, rather than letting Node tear V8's heap and the idle threads down one by
// one, took ~0.1-0.2 s off every run on a busy machine; only the output must be out first.
flushCompileCache();
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);

/** Resolves once what was written to `stream` before has been handed to the system. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
