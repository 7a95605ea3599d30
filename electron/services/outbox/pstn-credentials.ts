/**
 * The PSTN provider's credentials: checked, merged with what is already saved, and kept in
 * the vault (encrypted under the keychain key). They are never read back to the renderer:
 * settings only say which provider is set up and the caller ID.
 *
 * What each provider needs (the Settings screen asks for exactly these):
 *   telnyx:  apiKey, connectionId (required); webhookPublicKey (Ed25519, base64),
 *            webhookHmacSecret (older HMAC scheme), baseUrl (optional)
 *   mintfax: apiKey (required); webhookSecret (whsec_…), baseUrl (optional)
 * `baseUrl` overrides the provider's public API address, for an on-premises proxy or a test
 * stand-in. Unlike the secrets it is shown back (Settings.pstn.baseUrl), so an empty value
 * sent means "the provider's public URL" and clears a saved one; left out, it is kept.
 */
import type { PstnProviderName, Settings } from '../../../shared/domain/types.ts';
import { DeskError } from '../errors.ts';
import type { PstnConfig } from '../pstn/provider.ts';
import type { SettingsStore } from '../settings.ts';
import type { Vault } from '../vault/vault.ts';

export const PSTN_CREDENTIALS_RECORD = 'pstn/credentials';

interface FieldSpec {
  required: boolean;
  label: string;
}

export const PSTN_CREDENTIAL_FIELDS: Record<PstnProviderName, Record<string, FieldSpec>> = {
  telnyx: {
    apiKey: { required: true, label: 'API key' },
    connectionId: { required: true, label: 'Connection ID' },
    webhookPublicKey: { required: false, label: 'Webhook public key' },
    webhookHmacSecret: { required: false, label: 'Webhook signing secret' },
    baseUrl: { required: false, label: 'API address' },
  },
  mintfax: {
    apiKey: { required: true, label: 'API key' },
    webhookSecret: { required: false, label: 'Webhook signing secret' },
    baseUrl: { required: false, label: 'API address' },
  },
};

/** mintfax keeps accepting the old signing secret this long after a change (seed 001: five minutes). */
const SECRET_ROTATION_OVERLAP_SECONDS = 300;

interface StoredCredentials {
  provider: PstnProviderName;
  credentials: Record<string, string>;
  /** mintfax rotation: the secret before the last change, and until when it is still tried. */
  previousWebhookSecret?: string;
  previousWebhookSecretExpiresAt?: number;
}

function readStored(vault: Vault): StoredCredentials | null {
  const raw = vault.get(PSTN_CREDENTIALS_RECORD);
  if (!raw) return null;
  const parsed = JSON.parse(new TextDecoder().decode(raw)) as StoredCredentials;
  return parsed && (parsed.provider === 'telnyx' || parsed.provider === 'mintfax') && typeof parsed.credentials === 'object' ? parsed : null;
}

/** Plain http only to this computer itself (a local proxy, the tests' provider stand-ins). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function checkBaseUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new DeskError('pstn.invalid_base_url', 'The API address is not a valid web address (it should start with https://).', { detail: 'baseUrl: not a URL' });
  }
  const secure = u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname));
  if (!secure || u.username !== '' || u.password !== '') {
    // The API key goes to this address in every request: never in clear over the network.
    throw new DeskError('pstn.invalid_base_url', 'The API address must start with https:// (plain http:// is only allowed for this computer itself).', {
      detail: `baseUrl: ${u.protocol} to ${u.hostname}${u.username ? ' with credentials' : ''}`,
    });
  }
  return value.replace(/\/+$/, '');
}

/**
 * Save (or, with provider null, remove) the provider settings. Fields left empty keep what is
 * saved for the same provider, so the Settings screen never needs to show a secret to let
 * someone change just the caller ID.
 */
export function configurePstn(
  vault: Vault,
  settings: SettingsStore,
  req: { provider: PstnProviderName | null; fromNumber: string; credentials: Record<string, string> },
  nowSeconds: number,
): Settings {
  if (req.provider === null) {
    vault.delete(PSTN_CREDENTIALS_RECORD);
    return settings.update({ pstn: { provider: null, configured: false, fromNumber: '', baseUrl: '' } });
  }
  const fields = PSTN_CREDENTIAL_FIELDS[req.provider];
  for (const key of Object.keys(req.credentials)) {
    if (!(key in fields)) {
      throw new DeskError('invalid_request', 'Some information is missing or not valid (credentials).', { detail: `credentials: ${req.provider} has no field ${key}` });
    }
  }
  const stored = readStored(vault);
  const previous = stored?.provider === req.provider ? stored.credentials : {};
  const merged: Record<string, string> = { ...previous };
  for (const [key, value] of Object.entries(req.credentials)) {
    const v = value.trim();
    if (key === 'baseUrl') {
      if (v === '') delete merged[key];
      else merged[key] = checkBaseUrl(v);
    } else if (v !== '') {
      merged[key] = v;
    }
  }
  // The API key goes with every request to the API address: a new address (or provider) must
  // come with the key typed again, or a compromised screen could send the saved key anywhere.
  if ((previous['baseUrl'] ?? '') !== (merged['baseUrl'] ?? '') && !req.credentials['apiKey']?.trim()) {
    throw new DeskError('pstn.api_key_required', `The API address changed: enter the API key for ${req.provider === 'telnyx' ? 'Telnyx' : 'mintfax'} again.`, {
      detail: 'baseUrl changed without a new apiKey',
    });
  }
  const missing = Object.entries(fields).filter(([key, spec]) => spec.required && !merged[key]).map(([, spec]) => spec.label);
  if (missing.length > 0) {
    throw new DeskError('pstn.credentials_missing', `Enter the ${missing.join(' and ')} for ${req.provider === 'telnyx' ? 'Telnyx' : 'mintfax'}.`, { detail: `missing: ${missing.join(', ')}` });
  }
  if (!req.fromNumber) {
    throw new DeskError('pstn.caller_id_missing', 'Enter the caller ID (your fax number at the provider) for phone-network faxes.', { detail: 'fromNumber empty' });
  }
  const next: StoredCredentials = { provider: req.provider, credentials: merged };
  // A changed mintfax signing secret: keep accepting the old one for five minutes, as
  // seed 001 says, so events signed just before the change are not refused.
  const oldSecret = previous['webhookSecret'];
  if (req.provider === 'mintfax' && oldSecret && merged['webhookSecret'] && oldSecret !== merged['webhookSecret']) {
    next.previousWebhookSecret = oldSecret;
    next.previousWebhookSecretExpiresAt = nowSeconds + SECRET_ROTATION_OVERLAP_SECONDS;
  } else if (stored?.provider === req.provider && stored.previousWebhookSecret) {
    next.previousWebhookSecret = stored.previousWebhookSecret;
    if (stored.previousWebhookSecretExpiresAt !== undefined) next.previousWebhookSecretExpiresAt = stored.previousWebhookSecretExpiresAt;
  }
  vault.put(PSTN_CREDENTIALS_RECORD, new TextEncoder().encode(JSON.stringify(next)));
  return settings.update({ pstn: { provider: req.provider, configured: true, fromNumber: req.fromNumber, baseUrl: merged['baseUrl'] ?? '' } });
}

/** The adapter configuration from the vault, or null when no provider is set up. */
export function loadPstnConfig(vault: Vault): PstnConfig | null {
  const stored = readStored(vault);
  if (!stored) return null;
  const c = stored.credentials;
  const opt = (key: string): string | undefined => (c[key] ? c[key] : undefined);
  if (stored.provider === 'telnyx') {
    const baseUrl = opt('baseUrl');
    const publicKey = opt('webhookPublicKey');
    const hmac = opt('webhookHmacSecret');
    return {
      provider: 'telnyx', apiKey: c['apiKey'] ?? '', connectionId: c['connectionId'] ?? '',
      ...(baseUrl ? { baseUrl } : {}), ...(publicKey ? { webhookPublicKey: publicKey } : {}), ...(hmac ? { webhookHmacSecret: hmac } : {}),
    };
  }
  const baseUrl = opt('baseUrl');
  const secret = opt('webhookSecret');
  return {
    provider: 'mintfax', apiKey: c['apiKey'] ?? '',
    ...(baseUrl ? { baseUrl } : {}), ...(secret ? { webhookSecret: secret } : {}),
    ...(stored.previousWebhookSecret ? { previousWebhookSecret: stored.previousWebhookSecret } : {}),
    ...(stored.previousWebhookSecretExpiresAt === undefined ? {} : { previousWebhookSecretExpiresAt: stored.previousWebhookSecretExpiresAt }),
  };
}
