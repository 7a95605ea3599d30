// Child of test/bench/shell.ts, run under the Electron stand-in (test/electron/register.cjs):
// uploads one big file through the app's real transport (electron/main/net-transport.ts) or,
// for comparison, through plain net.fetch, and prints the main process's memory figures.
// The same module the transport gets for 'electron' under register.cjs.
import { asMessageId } from '../../shared/domain/ids.ts';
import { app, net } from '../electron/electron.ts';
import { createNetTransport } from '../../electron/main/net-transport.ts';
import { RelayClient } from '../../electron/services/relay-client/relay-client.ts';

const [url, file, mode] = process.argv.slice(2) as [string, string, 'transport' | 'net.fetch'];
await app.whenReady();
const fetchImpl = mode === 'transport' ? createNetTransport() : (input: string, init?: RequestInit) => net.fetch(input, init);
const client = new RelayClient({ baseUrl: url, identity: { keyId: 'k_bench', signingSeed: new Uint8Array(32).fill(3) }, fetch: fetchImpl, retries: 0, timeoutMs: 600_000 });
// Warm up: the first request loads code and allocates the stand-in's buffers.
await (await fetchImpl(`${url}/warm`, { method: 'GET' })).arrayBuffer();
(globalThis as { gc?: () => void }).gc?.();
const baseline = process.memoryUsage.rss();
let peak = baseline;
const sample = (): void => { peak = Math.max(peak, process.memoryUsage.rss()); };
const timer = setInterval(sample, 5);
let progressCalls = 0;
const started = performance.now();
await client.uploadFile('{"v":1}', asMessageId('msg_bench'), file, () => { progressCalls++; sample(); });
const ms = performance.now() - started;
clearInterval(timer);
sample();
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ mode, baseline, peak: Math.max(peak, maxRssBytes), ms, progressCalls }));
app.exit(0);
