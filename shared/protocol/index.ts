/** The fxe protocol core: import everything from here. See docs/protocol-api.md. */
export * from './errors.ts';
export * from './encoding.ts';
export * from './canonical-json.ts';
export * from './crypto-backend.ts';
export * from './body-cipher.ts';
export * from './ed25519-domain.ts';
export * from './wrap.ts';
export * from './envelope.ts';
export * from './keys-zip.ts';
export * from './request-auth.ts';
export * from './receipt.ts';
export * from './bundle.ts';
export * from './webhook.ts';
export * from './primitives.ts';
