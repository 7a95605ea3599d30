/**
 * Transitional: the trust model moved to services/trust. Only the old CLI still imports this
 * name; delete this file once the CLI runs on the app's services.
 */
export { keysFromLookup as verifyLookup } from '../trust/index.ts';
