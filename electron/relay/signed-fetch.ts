/**
 * A minimal FXE1-signing HTTP call, for the relay's own demo helper and its tests. (The app's
 * full relay client lives in electron/services/; this one stays small on purpose.) The
 * target string is signed and sent unchanged: fetch would keep a raw '+', and we never
 * re-encode it.
 */
import { signRequest } from '../../shared/protocol/index.ts';

export interface SignedCredentials {
  keyId: string;
  signingSeed: Uint8Array;
}

export async function signedFetch(p: {
  relayUrl: string;
  creds: SignedCredentials;
  method: string;
  target: string;
  body?: Uint8Array;
  contentType?: string;
  nowSeconds?: number;
}): Promise<Response> {
  const body = p.body ?? new Uint8Array(0);
  const authorization = signRequest({
    method: p.method,
    path: p.target,
    body,
    keyId: p.creds.keyId,
    signingSeed: p.creds.signingSeed,
    nowSeconds: p.nowSeconds ?? Date.now() / 1000,
  });
  const headers: Record<string, string> = { authorization };
  if (p.contentType) headers['content-type'] = p.contentType;
  return fetch(p.relayUrl.replace(/\/$/, '') + p.target, {
    method: p.method,
    headers,
    ...(p.method === 'GET' || p.method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
  });
}
