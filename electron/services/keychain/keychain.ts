/**
 * The OS keychain seam. The vault keeps exactly one secret here (its 256-bit key); the
 * desktop shell and tests inject an implementation. Implementations throw
 * KeychainUnavailableError for every "the keychain cannot be used" situation so the app can
 * show one clear message instead of silently falling back to plaintext.
 */
import { DeskError } from '../errors.ts';

export interface Keychain {
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, secret: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
}

export const KEYCHAIN_UNAVAILABLE = 'keychain.unavailable';

export class KeychainUnavailableError extends DeskError {
  constructor(detail: string, cause?: unknown) {
    super(
      KEYCHAIN_UNAVAILABLE,
      "fxe Desk cannot use this computer's password keychain, so it cannot keep your fax keys safe. " +
        'Unlock the keychain (on Linux: start GNOME Keyring or KWallet and log in again) and restart fxe Desk.',
      { detail, cause },
    );
    this.name = 'KeychainUnavailableError';
  }
}

/** An in-process keychain: for tests and for the CLI's throwaway sessions (`--keys`). */
export function createMemoryKeychain(): Keychain {
  const items = new Map<string, string>();
  const k = (service: string, account: string): string => `${service}\u0000${account}`;
  return {
    async get(service, account) { return items.get(k(service, account)) ?? null; },
    async set(service, account, secret) { items.set(k(service, account), secret); },
    async delete(service, account) { return items.delete(k(service, account)); },
  };
}
