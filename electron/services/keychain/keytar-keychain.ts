/**
 * The real OS keychain through keytar (libsecret on Linux, Keychain on macOS, Credential
 * Vault on Windows). keytar is loaded lazily so that a missing or unbuildable native module
 * is reported as KeychainUnavailable at first use, not as a crash at startup. Every failure
 * (no Secret Service on D-Bus, locked collection, user denied, module missing) becomes a
 * KeychainUnavailableError; the secret itself never appears in an error.
 */
import { createRequire } from 'node:module';
import { KeychainUnavailableError, type Keychain } from './keychain.ts';

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface KeytarKeychainOptions {
  /** Override how keytar is loaded (tests of the "module missing" path). */
  load?: () => KeytarModule;
  /** Give up on a keychain call that hangs (a locked keyring prompting nobody). */
  timeoutMs?: number;
}

export function createKeytarKeychain(opts: KeytarKeychainOptions = {}): Keychain {
  let keytar: KeytarModule | null = null;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const load = (): KeytarModule => {
    if (keytar) return keytar;
    try {
      keytar = opts.load ? opts.load() : (createRequire(import.meta.url)('keytar') as KeytarModule);
    } catch (e) {
      throw new KeychainUnavailableError(`keytar could not be loaded: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    return keytar;
  };
  const guarded = async <T>(what: string, call: (k: KeytarModule) => Promise<T>): Promise<T> => {
    const k = load();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(k),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`keychain did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      throw new KeychainUnavailableError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, e);
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
  return {
    get: (service, account) => guarded('reading from the keychain', (k) => k.getPassword(service, account)),
    set: (service, account, secret) => guarded('writing to the keychain', (k) => k.setPassword(service, account, secret)),
    delete: (service, account) => guarded('deleting from the keychain', (k) => k.deletePassword(service, account)),
  };
}
