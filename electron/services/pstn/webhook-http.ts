/**
 * How the webhook listener answers a provider, given what verifyWebhook decided. Kept here so
 * every listener (the services' one, the tests' receivers) answers the same way:
 *  - accepted → 200, act on the event;
 *  - duplicate → 200 without acting: the provider re-delivers until it gets a 2xx, and the
 *    copy is genuine (its signature checked out), so refusing it only causes more retries;
 *  - stale → 403 (seed 001, step 2), bad signature → 401 (step 3), malformed → 400.
 */
import { isPstnError } from './errors.ts';
import type { PstnProvider, PstnWebhookEvent, WebhookHeaders } from './types.ts';

export type WebhookOutcome =
  | { kind: 'accepted'; httpStatus: 200; event: PstnWebhookEvent }
  | { kind: 'duplicate'; httpStatus: 200; detail: string }
  | { kind: 'rejected'; httpStatus: 400 | 401 | 403; code: string; detail: string };

export function handlePstnWebhook(provider: PstnProvider, headers: WebhookHeaders, rawBody: Uint8Array): WebhookOutcome {
  try {
    return { kind: 'accepted', httpStatus: 200, event: provider.verifyWebhook(headers, rawBody) };
  } catch (e) {
    if (!isPstnError(e)) throw e;
    const detail = e.detail ?? e.message;
    switch (e.reason) {
      case 'webhook_duplicate':
        return { kind: 'duplicate', httpStatus: 200, detail };
      case 'webhook_stale':
        return { kind: 'rejected', httpStatus: 403, code: e.code, detail };
      case 'webhook_malformed':
        return { kind: 'rejected', httpStatus: 400, code: e.code, detail };
      default:
        return { kind: 'rejected', httpStatus: 401, code: e.code, detail };
    }
  }
}
