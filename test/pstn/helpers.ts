/** Small helpers shared by the PSTN adapter tests. */
import type { PstnStatus } from '../../electron/services/pstn/provider.ts';

/** A sleep that returns at once and remembers what it was asked to wait (ms). */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms: number) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}

/** Bytes that start like a PDF, padded to the size asked for. */
export function fakePdf(size = 2048): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode('%PDF-1.4\n% fxe test document\n').subarray(0, size));
  for (let i = 32; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

/** Poll until the status is final (delivered or failed); the stand-in reaches it within a few events. */
export async function pollUntilFinal(read: () => Promise<PstnStatus>, maxPolls = 500): Promise<PstnStatus> {
  for (let i = 0; i < maxPolls; i++) {
    const status = await read();
    if (status.state === 'delivered' || status.state === 'failed') return status;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`status not final after ${maxPolls} polls`);
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}
