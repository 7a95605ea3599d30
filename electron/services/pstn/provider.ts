/**
 * PSTN fallback: when the recipient is not on fxe, the fax goes out through a fax
 * provider over the ordinary phone network. This is the entry point the services use:
 *
 *   const provider = createPstnProvider(config, { fetch, idempotencyStore, deduper });
 *   const { providerFaxId } = await provider.send({ fileName, pdf }, to, from, { idempotencyKey });
 *   provider.status(providerFaxId)           // polling
 *   provider.verifyWebhook(headers, rawBody) // push (throws PstnError when not genuine)
 *   mapToOutboxState(status)                 // onto the outbox lifecycle
 *
 * Credentials arrive in `config` from the vault and stay inside the adapter (private fields,
 * never in errors or logs). Plain Node: never imports electron.
 */
import type { OutboxState } from '../../../shared/domain/types.ts';
import { PstnError } from './errors.ts';
import { MintfaxProvider } from './mintfax.ts';
import { TelnyxProvider } from './telnyx.ts';
import type { PstnConfig, PstnDeps, PstnProvider, PstnStatus } from './types.ts';

export type {
  FetchLike,
  MintfaxConfig,
  PstnConfig,
  PstnDeps,
  PstnFailureCode,
  PstnProvider,
  PstnProviderName,
  PstnSendFile,
  PstnSendOptions,
  PstnSendResult,
  PstnState,
  PstnStatus,
  PstnWebhookEvent,
  PstnWebhookScheme,
  TelnyxConfig,
  WebhookHeaders,
} from './types.ts';
export { PstnError, isPstnError, type PstnErrorReason } from './errors.ts';
export { WebhookDeduper } from './webhook-dedupe.ts';
export { FileKeyValueStore, MemoryKeyValueStore, type KeyValueStore } from './key-value-store.ts';

// The user-facing sentences live in shared/ so the renderer shows the very same words.
export { PSTN_NOT_E2E_NOTICE, PSTN_PROVIDER_LABELS, pstnRouteNotice } from '../../../shared/domain/pstn.ts';

/**
 * Provider status → outbox state. Once the provider holds the fax it has left the desk, so
 * both `queued` and `sending` at the provider are our `sent` (waiting for the outcome, as a
 * fxe fax waits for its receipt). Using our `queued` here would tell the outbox the fax is
 * still ours to submit, and it could be submitted twice.
 */
export function mapToOutboxState(status: PstnStatus): OutboxState {
  switch (status.state) {
    case 'queued':
    case 'sending':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'failed':
      return 'failed';
  }
}

export function createPstnProvider(config: PstnConfig, deps: PstnDeps): PstnProvider {
  switch (config.provider) {
    case 'telnyx':
      return new TelnyxProvider(config, deps);
    case 'mintfax':
      return new MintfaxProvider(config, deps);
    default:
      throw new PstnError('not_configured', { detail: `unknown PSTN provider ${JSON.stringify((config as { provider: unknown }).provider)}` });
  }
}
