// Stands in for the Electron preload: defines `window.fxe` (same FxeApi shape) in the page
// and forwards every call over a Playwright binding to the REAL main-process services
// (createDesk) running in this Node process. Typed arrays cannot cross the binding as-is,
// so both sides encode Uint8Array as { __u8: base64 }; events are pushed with page.evaluate.
// Answers cross as one JSON string: Playwright's own encoding of an object graph (a wrapper
// per value, decoded in the page's script) made a page of 200 rows cost ~100 ms on a busy
// machine, where Electron's IPC takes a millisecond or two.
import type { BrowserContext, Page } from 'playwright-core';
import type { FxeApi, IpcEvent } from '../../../shared/ipc/contract.ts';

type Encoded = unknown;

export function encodeBytes(value: unknown): Encoded {
  if (value instanceof Uint8Array) return { __u8: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeBytes);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeBytes(v)]));
  return value;
}

export function decodeBytes(value: Encoded): unknown {
  if (Array.isArray(value)) return value.map(decodeBytes);
  if (value && typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    if (typeof rec.__u8 === 'string' && Object.keys(rec).length === 1) return new Uint8Array(Buffer.from(rec.__u8, 'base64'));
    return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, decodeBytes(v)]));
  }
  return value;
}

/** Runs inside the page before any app script (the preload's job in Electron). */
function pageShim(): void {
  const toB64 = (bytes: Uint8Array): string => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const fromB64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const enc = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return { __u8: toB64(v) };
    if (Array.isArray(v)) return v.map(enc);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
    return v;
  };
  const dec = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(dec);
    if (v && typeof v === 'object') {
      const r = v as Record<string, unknown>;
      if (typeof r.__u8 === 'string' && Object.keys(r).length === 1) return fromB64(r.__u8);
      return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, dec(x)]));
    }
    return v;
  };
  const listeners = new Set<(e: unknown) => void>();
  const w = window as unknown as {
    __fxeInvoke: (channel: string, request: unknown) => Promise<string>;
    __fxeEmit?: (e: unknown) => void;
  };
  w.__fxeEmit = (e) => {
    const event = dec(e);
    for (const l of [...listeners]) l(event);
  };
  const api = {
    // The reviver turns { __u8 } back into bytes as the JSON is read, in one pass.
    invoke: async (channel: string, request: unknown) =>
      JSON.parse(await w.__fxeInvoke(channel, enc(request)), (_key, v: unknown) => {
        const r = v as Record<string, unknown> | null;
        return r && typeof r === 'object' && typeof r.__u8 === 'string' && Object.keys(r).length === 1 ? fromB64(r.__u8) : v;
      }) as unknown,
    onEvent: (listener: (e: unknown) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  Object.defineProperty(window, 'fxe', { value: Object.freeze(api), writable: false, configurable: false });
}

/** Bridge one page to a desk. Returns a function that stops forwarding events. */
export async function bridgeDesk(context: BrowserContext, page: Page, desk: FxeApi): Promise<() => void> {
  await context.exposeBinding('__fxeInvoke', async (source, channel: string, request: Encoded) => {
    if (source.page !== page) throw new Error('binding called from an unexpected page');
    const result = await desk.invoke(channel as never, decodeBytes(request) as never);
    return JSON.stringify(encodeBytes(result));
  });
  await context.addInitScript(pageShim);
  const unsubscribe = desk.onEvent((event: IpcEvent) => {
    if (page.isClosed()) return;
    page.evaluate((e) => (window as unknown as { __fxeEmit?: (x: unknown) => void }).__fxeEmit?.(e), encodeBytes(event)).catch(() => undefined);
  });
  return unsubscribe;
}
