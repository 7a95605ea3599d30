/** The one trust model of the desk: send, receive and receipts all check keys here. */
export { orgFingerprint, type OrgIdentity } from './fingerprint.ts';
export { keysFromBundle, keysFromLookup, type BadKeys, type ObservedKeys } from './observed-keys.ts';
export { driveAsync, numbersOf, type KeyPin, type NumberRow, type PendingKeyChange, type PinOp, type PinSteps, type PinStorage } from './pin-storage.ts';
export { TrustStore, type TrustDecision } from './trust-store.ts';
