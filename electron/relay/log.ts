/**
 * The relay's log: one JSON line per event on stderr (or nowhere, for tests and the app's
 * embedded demo relay). Callers pass ids, codes and counts; never secrets, keys, tokens or
 * ciphertext (webhook secrets and invite tokens are deliberately absent from every call).
 */
export interface RelayLog {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

export const silentLog: RelayLog = { info: () => undefined, warn: () => undefined };

export function stderrLog(): RelayLog {
  const write = (level: string, event: string, fields?: Record<string, unknown>): void => {
    process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level, event, ...fields })}\n`);
  };
  return { info: (e, f) => write('info', e, f), warn: (e, f) => write('warn', e, f) };
}
