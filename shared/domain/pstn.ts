/**
 * What the app says about the phone-network (PSTN) route, in one place for the services and
 * the renderer: the two must tell the user the same thing, word for word, that such a fax is
 * not end-to-end encrypted. Plain data and string functions only (this folder runs anywhere).
 */
import type { PstnProviderName } from './types.ts';

/** The providers the desk can send through, in the order Settings lists them. */
export const PSTN_PROVIDERS: readonly PstnProviderName[] = ['telnyx', 'mintfax'];

export const PSTN_PROVIDER_LABELS: Record<PstnProviderName, string> = { telnyx: 'Telnyx', mintfax: 'mintfax' };

export function isPstnProviderName(value: unknown): value is PstnProviderName {
  return typeof value === 'string' && (PSTN_PROVIDERS as readonly string[]).includes(value);
}

/**
 * What a sent item must say when it went over the phone network. Shown on the send prompt,
 * in the sent item's detail and on its delivery confirmation.
 */
export const PSTN_NOT_E2E_NOTICE =
  'Sent over the ordinary phone network (PSTN), not end-to-end encrypted: the fax provider and the phone network can read this fax.';

/** The notice naming the provider, e.g. for the sent item's detail view. */
export function pstnRouteNotice(provider: PstnProviderName): string {
  return `Sent through ${PSTN_PROVIDER_LABELS[provider]} over the ordinary phone network (PSTN), not end-to-end encrypted: ${PSTN_PROVIDER_LABELS[provider]} and the phone network can read this fax.`;
}
