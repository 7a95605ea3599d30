// The app's status (orgs, unread count, relay reachability, keychain): asked once at start,
// then kept by main's status.changed, which follows every change; nothing polls it.
// `refresh` asks again where asking has an effect of its own: app.status retries the keychain.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { UserError } from '../../../shared/domain/types.ts';
import type { AppStatus } from '../../../shared/ipc/contract.ts';
import { call, fxe, toUserError } from '../api.ts';
import { latestEarlyStatus, takeEarlyStatus, takeEarlyStatusNow } from '../startup.ts';

export function useAppStatus(): { status: AppStatus | null; bootError: UserError | null; refresh: () => void } {
  // Already here when the window drew its first screen before the app's script ran: the first
  // render is then the workspace itself, drawn over that screen without a "Starting…" between.
  const [status, setStatus] = useState<AppStatus | null>(takeEarlyStatusNow);
  const [bootError, setBootError] = useState<UserError | null>(null);
  const refresh = useCallback(() => {
    // The first time, the answer to the request sent at start (startup.ts).
    (takeEarlyStatus() ?? call('app.status', {})).then(
      (s) => (setStatus(s), setBootError(null)),
      (err: unknown) => setBootError(toUserError(err)),
    );
  }, []);
  const first = useRef(status !== null);
  useEffect(() => {
    if (first.current) first.current = false;
    else refresh();
  }, [refresh]);
  useEffect(() => {
    try {
      const stop = fxe().onEvent((e) => e.type === 'status.changed' && setStatus(e.status));
      // One that changed while the window was loading, before this listened.
      const latest = latestEarlyStatus();
      if (latest) setStatus((s) => (s ? latest : s));
      return stop;
    } catch (err) {
      setBootError(toUserError(err));
      return undefined;
    }
  }, []);
  return { status, bootError, refresh };
}
