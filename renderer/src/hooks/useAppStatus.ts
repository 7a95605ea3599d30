// The app's status (orgs, unread count, relay reachability, keychain): asked once at start,
// then kept by main's status.changed, which follows every change; nothing polls it.
// `refresh` asks again where asking has an effect of its own: app.status retries the keychain.
import { useCallback, useEffect, useState } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';
import type { AppStatus } from '../../../shared/ipc/contract.ts';
import { call, fxe, toUserError } from '../api.ts';
import { takeEarlyStatus } from '../startup.ts';

export function useAppStatus(): { status: AppStatus | null; bootError: UserError | null; refresh: () => void } {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [bootError, setBootError] = useState<UserError | null>(null);
  const refresh = useCallback(() => {
    // The first time, the answer to the request sent at start (startup.ts).
    (takeEarlyStatus() ?? call('app.status', {})).then(
      (s) => (setStatus(s), setBootError(null)),
      (err: unknown) => setBootError(toUserError(err)),
    );
  }, []);
  useEffect(refresh, [refresh]);
  useEffect(() => {
    try {
      return fxe().onEvent((e) => e.type === 'status.changed' && setStatus(e.status));
    } catch (err) {
      setBootError(toUserError(err));
      return undefined;
    }
  }, []);
  return { status, bootError, refresh };
}
