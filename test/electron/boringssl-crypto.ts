// node:crypto as Electron's main process has it: Electron builds Node against Chromium's
// BoringSSL, not OpenSSL, so some of Node's algorithms are missing. Only what the app can
// meet is modelled; everything else is Node's own implementation.
//
//  - No `chacha20-poly1305` cipher: absent from getCiphers(), and createCipheriv /
//    createDecipheriv throw "Unknown cipher" (electron/electron#24024; BoringSSL exposes
//    ChaCha20-Poly1305 only as an EVP_AEAD, never as an EVP_CIPHER, see oven-sh/bun#33305).
//    The same holds for the other ciphers BoringSSL lacks (ccm, ocb, aria, chacha20 alone).
//  - No ML-KEM: BoringSSL's ML-KEM is not wired to Node's KeyObject, so ML-KEM keys can be
//    neither generated nor imported, and encapsulate/decapsulate fail. (Electron 45 embeds
//    Node 24, whose API has the functions: they exist and throw, as an unsupported key does.)
import type * as NodeCrypto from 'node:crypto';

const MISSING_CIPHER = /chacha20|-ccm|-ocb|^aria|^id-aes|wrap|^sm4|^camellia|^cast|^seed|^rc5|^idea/i;

function unknownCipher(name: string): Error {
  const e = new Error(`Unknown cipher: ${name}`) as Error & { code: string };
  e.code = 'ERR_CRYPTO_UNKNOWN_CIPHER';
  return e;
}

function unsupportedKey(what: string): Error {
  const e = new Error(`Unsupported key type: ${what} (this build of node:crypto uses BoringSSL)`) as Error & { code: string };
  e.code = 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE';
  return e;
}

const isMlKem = (name: unknown): boolean => typeof name === 'string' && /^ml-kem/i.test(name);

export function boringSslOverrides(real: typeof NodeCrypto): Partial<typeof NodeCrypto> {
  const guardKey = <K extends NodeCrypto.KeyObject>(key: K): K => {
    if (isMlKem(key.asymmetricKeyType)) throw unsupportedKey(String(key.asymmetricKeyType));
    return key;
  };
  const overrides = {
    getCiphers: () => real.getCiphers().filter((n) => !MISSING_CIPHER.test(n)),
    createCipheriv: ((algorithm: string, ...rest: unknown[]) => {
      if (MISSING_CIPHER.test(algorithm)) throw unknownCipher(algorithm);
      return (real.createCipheriv as (...a: unknown[]) => unknown)(algorithm, ...rest);
    }) as typeof real.createCipheriv,
    createDecipheriv: ((algorithm: string, ...rest: unknown[]) => {
      if (MISSING_CIPHER.test(algorithm)) throw unknownCipher(algorithm);
      return (real.createDecipheriv as (...a: unknown[]) => unknown)(algorithm, ...rest);
    }) as typeof real.createDecipheriv,
    getCipherInfo: ((name: string, options?: NodeCrypto.CipherInfoOptions) =>
      (MISSING_CIPHER.test(String(name)) ? undefined : real.getCipherInfo(name, options))) as typeof real.getCipherInfo,
    createPublicKey: ((key: Parameters<typeof real.createPublicKey>[0]) => guardKey(real.createPublicKey(key))) as typeof real.createPublicKey,
    createPrivateKey: ((key: Parameters<typeof real.createPrivateKey>[0]) => guardKey(real.createPrivateKey(key))) as typeof real.createPrivateKey,
    generateKeyPairSync: ((type: string, ...rest: unknown[]) => {
      if (isMlKem(type)) throw unsupportedKey(type);
      return (real.generateKeyPairSync as (...a: unknown[]) => unknown)(type, ...rest);
    }) as typeof real.generateKeyPairSync,
    generateKeyPair: ((type: string, ...rest: unknown[]) => {
      if (isMlKem(type)) throw unsupportedKey(type);
      return (real.generateKeyPair as (...a: unknown[]) => unknown)(type, ...rest);
    }) as typeof real.generateKeyPair,
    encapsulate: (() => { throw unsupportedKey('ml-kem'); }) as unknown as typeof real.encapsulate,
    decapsulate: (() => { throw unsupportedKey('ml-kem'); }) as unknown as typeof real.decapsulate,
  };
  return overrides;
}
