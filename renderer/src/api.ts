// The renderer's only door to the main process: `window.fxe` (see shared/ipc/contract.ts).
// This module adds nothing but types and two small conveniences: `call`, which turns a
// failed Result into a thrown FxeError (so components can use try/catch around a sequence of
// calls), and a guard that explains what happened when the preload is missing.
import type { FxeApi, RequestChannel, RequestOf, ResponseOf } from '../../shared/ipc/contract.ts';
import type { UserError } from '../../shared/domain/types.ts';

declare global {
  interface Window {
    fxe?: FxeApi;
  }
}

/** A failure from main, carried as-is: code, receptionist sentence, technical detail. */
export class FxeError extends Error {
  readonly userError: UserError;
  constructor(userError: UserError) {
    super(userError.message);
    this.name = 'FxeError';
    this.userError = userError;
  }
}

const MISSING_BRIDGE: UserError = {
  code: 'app_bridge_missing',
  message: 'fxe Desk could not start properly. Please close it and open it again.',
  detail: 'window.fxe is undefined: the preload script did not run (was the page opened outside the app?).',
};

export function fxe(): FxeApi {
  const api = window.fxe;
  if (!api) throw new FxeError(MISSING_BRIDGE);
  return api;
}

/** Invoke a channel; resolves with the value or throws FxeError with the user-facing error. */
export async function call<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  let result;
  try {
    result = await fxe().invoke(channel, request);
  } catch (err) {
    // The bridge itself failed (not a service error): still give the receptionist a sentence.
    if (err instanceof FxeError) throw err;
    throw new FxeError({
      code: 'app_ipc_failed',
      message: 'Something went wrong inside fxe Desk. Please try again.',
      detail: `${channel}: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
  if (!result.ok) throw new FxeError(result.error);
  return result.value;
}

/** Turn anything caught into a UserError for display. */
export function toUserError(err: unknown): UserError {
  if (err instanceof FxeError) return err.userError;
  return {
    code: 'app_unexpected',
    message: 'Something unexpected happened. Please try again.',
    detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
}
