/**
 * The small pure pieces of the PSTN layer: outbox state mapping, the PSTN notice, Retry-After
 * parsing, backoff, provider state tables and failure reasons.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfter } from '../../electron/services/pstn/http.ts';
import { mintfaxState } from '../../electron/services/pstn/mintfax.ts';
import { normaliseFailure } from '../../electron/services/pstn/failure-reasons.ts';
import {
  createPstnProvider,
  mapToOutboxState,
  PSTN_NOT_E2E_NOTICE,
  pstnRouteNotice,
  type PstnConfig,
  type PstnStatus,
} from '../../electron/services/pstn/provider.ts';
import { telnyxState } from '../../electron/services/pstn/telnyx.ts';
import { isPstnError } from '../../electron/services/pstn/errors.ts';

describe('mapToOutboxState', () => {
  it.each<[PstnStatus['state'], string]>([
    ['queued', 'sent'],
    ['sending', 'sent'],
    ['delivered', 'delivered'],
    ['failed', 'failed'],
  ])('%s at the provider is %s in the outbox', (state, outbox) => {
    expect(mapToOutboxState({ state, providerState: state })).toBe(outbox);
  });
});

describe('the PSTN notice', () => {
  it('says plainly that the fax went over the phone network and was not end-to-end encrypted', () => {
    expect(PSTN_NOT_E2E_NOTICE).toMatch(/phone network \(PSTN\)/);
    expect(PSTN_NOT_E2E_NOTICE).toMatch(/not end-to-end encrypted/);
    expect(pstnRouteNotice('telnyx')).toMatch(/^Sent through Telnyx .* not end-to-end encrypted/);
    expect(pstnRouteNotice('mintfax')).toMatch(/^Sent through mintfax /);
  });
});

describe('Retry-After and backoff', () => {
  const now = 1_700_000_000;
  it.each<[string | null, number | undefined]>([
    ['34', 34],
    [' 0 ', 0],
    [new Date((now + 90) * 1000).toUTCString(), 90],
    [new Date((now - 90) * 1000).toUTCString(), 0], // a date in the past: go now
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    [null, undefined],
  ])('Retry-After %j → %j s', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });

  it('backs off exponentially from 500 ms and stops growing at the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(DEFAULT_RETRY_POLICY, n))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
});

describe('provider states', () => {
  it.each([
    ['queued', 'queued'], ['media.processed', 'queued'], ['originated', 'sending'], ['sending', 'sending'],
    ['sending.started', 'sending'], ['delivered', 'delivered'], ['failed', 'failed'], ['something.new', 'sending'],
  ])('Telnyx %s → %s', (providerState, state) => {
    expect(telnyxState(providerState)).toBe(state);
  });

  it.each([
    ['queued', 'queued'], ['submitted', 'sending'], ['in_progress', 'sending'], ['delivered', 'delivered'],
    ['failed', 'failed'], ['toString', 'sending'],
  ])('mintfax %s → %s', (providerState, state) => {
    expect(mintfaxState(providerState)).toBe(state);
  });

  it('normalises failure codes of both providers, unknown codes to "other"', () => {
    expect(normaliseFailure('telnyx', 'user_busy').code).toBe('busy');
    expect(normaliseFailure('telnyx', 'receiver_no_response').code).toBe('no_answer');
    expect(normaliseFailure('mintfax', 'busy').code).toBe('busy');
    expect(normaliseFailure('mintfax', 'line_quality').code).toBe('line_problem');
    expect(normaliseFailure('mintfax', 'constructor')).toEqual({ code: 'other', sentence: 'The fax could not be delivered.' });
    expect(normaliseFailure('telnyx', undefined).code).toBe('other');
  });
});

describe('createPstnProvider', () => {
  it('builds each adapter by name and refuses an unknown one', () => {
    expect(createPstnProvider({ provider: 'telnyx', apiKey: 'k', connectionId: 'c' }, { fetch }).name).toBe('telnyx');
    expect(createPstnProvider({ provider: 'mintfax', apiKey: 'k' }, { fetch }).maxFileBytes).toBe(10_000_000);
    let error: unknown;
    try {
      createPstnProvider({ provider: 'faxmaster' } as unknown as PstnConfig, { fetch });
    } catch (e) {
      error = e;
    }
    expect(isPstnError(error, 'not_configured')).toBe(true);
  });

  it('keeps credentials out of the provider object as seen from outside', () => {
    const provider = createPstnProvider({ provider: 'mintfax', apiKey: 'mfx_live_supersecret', webhookSecret: 'whsec_x' }, { fetch });
    expect(JSON.stringify(provider)).not.toContain('supersecret');
    expect(Object.values(provider).join(' ')).not.toContain('supersecret');
  });
});
