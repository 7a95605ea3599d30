/**
 * The built CLI's entry point (out/cli/fxe-desk.js, the package's "bin"): the compile cache
 * first (compile-cache.ts), then the CLI, loaded only once the cache is on.
 */
import { turnOnCompileCache } from './compile-cache.ts';

turnOnCompileCache();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
