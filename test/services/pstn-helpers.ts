// Shared setup for the PSTN services suites: a real relay (so send.check really answers
// not-on-fxe), a real desk, and a provider stand-in on 127.0.0.1 that the desk is pointed at
// through the API address override in settings.configurePstn.
import type { FaxId } from '../../shared/domain/ids.ts';
import type { FaxDetail } from '../../shared/domain/types.ts';
import { waitFor, type TestDesk } from './helpers.ts';

/** Numbers the relay does not know, after the providers' sandbox table (test/pstn/standins/common.ts). */
export const UNCOVERED = {
  success: '+15005550001',
  busy: '+15005550002',
  noAnswer: '+15005550003',
  transient: '+15005550004',
} as const;

/** Fast timings so the suite does not sit in backoff: the behaviour is the same. */
export const FAST_PSTN = { pstnPollBaseMs: 40, pstnRetryBaseMs: 100, pstnHttpRetry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 20 } };

export async function waitForState(t: TestDesk, id: FaxId, states: FaxDetail['state'][], timeoutMs = 20_000): Promise<FaxDetail> {
  return waitFor(`fax ${id} to reach ${states.join('/')}`, async () => {
    const f = await t.call('faxes.get', { id });
    return states.includes(f.state) ? f : null;
  }, timeoutMs);
}

export function outboxStates(t: TestDesk, id: FaxId): string[] {
  return t.events.flatMap((e) => (e.type === 'outbox.changed' && e.id === id ? [e.state] : []));
}
