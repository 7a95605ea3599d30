/**
 * The desk's services for one CLI run: the same vault, database, trust store, outbox and
 * receive pipeline as the app, opened in a state folder with a vault key derived from the
 * keys.zip (state-keychain.ts), and the org of that keys.zip imported into it.
 *
 * State folder: `--state <dir>`, or beside the keys.zip (`/path/keys.zip` → `/path/keys.fxe-state/`).
 * One state folder belongs to one keys.zip.
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import type { TrustStore } from '../trust/index.ts';
import { basename, dirname, join } from 'node:path';
import type { IpcEvent } from '../../../shared/ipc/contract.ts';
import { readKeysZip, type KeysZipCrypto, type OrgKeys } from '../../../shared/protocol/index.ts';
import { createNodeBackend } from '../crypto/node-backend.ts';
import { openServices, type DeskServices } from '../desk-services.ts';
import { DeskError, errorDetail, isDeskError } from '../errors.ts';
import type { ReceiveSink } from '../receiver/receive-sink.ts';
import type { RelayFetch } from '../relay-client/relay-client.ts';
import { nodeHttpTransport } from './http-transport.ts';
import { importKeysZipBytes, readKeysZipFile } from '../vault/onboarding.ts';
import { orgIdOf } from '../vault/org-registry.ts';
import { keysZipKeychain } from './state-keychain.ts';

export function stateDirFor(keysPath: string, stateDir: string | null): string {
  return stateDir ?? join(dirname(keysPath), `${basename(keysPath).replace(/\.zip$/i, '')}.fxe-state`);
}

export interface CliServices {
  s: DeskServices;
  orgId: OrgId;
  stateDir: string;
  close(): Promise<void>;
}

export interface CliServiceOptions {
  keysPath: string;
  stateDir: string | null;
  log: (line: string) => void;
  emit?: (e: IpcEvent) => void;
  receiveSink?: ReceiveSink;
  /** The pins every check uses (default: the state folder's own; `serve` passes the office's). */
  pins?: TrustStore;
  /** The relay client's transport (default: node:http, http-transport.ts). */
  fetch?: RelayFetch;
}

async function readKeys(path: string, crypto: KeysZipCrypto): Promise<{ zip: Uint8Array; keys: OrgKeys }> {
  const zip = readKeysZipFile(path);
  try {
    return { zip, keys: await readKeysZip(zip, crypto) };
  } catch (e) {
    if (isDeskError(e)) throw e;
    throw new DeskError('org.keys_zip_invalid', `${path} is not a valid fxe keys.zip.`, { detail: errorDetail(e) });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export async function openCliServices(o: CliServiceOptions): Promise<CliServices> {
  const backend = createNodeBackend();
  const { zip, keys } = await readKeys(o.keysPath, backend);
  const stateDir = stateDirFor(o.keysPath, o.stateDir);
  const orgId = orgIdOf(keys);
  const s = await openServices({
    dataDir: stateDir, keychain: keysZipKeychain(keys), nowMs: Date.now,
    // fetch only for a PSTN provider (the CLI sends none); the relay over node:http.
    fetch: (u, i) => fetch(u, i), relayFetch: o.fetch ?? nodeHttpTransport,
    emit: o.emit ?? (() => undefined), log: o.log, backend,
    ...(o.receiveSink ? { receiveSink: o.receiveSink } : {}),
    ...(o.pins ? { pins: o.pins } : {}),
  });
  try {
    let known: Uint8Array | null = null;
    if (s.orgs.list().some((x) => x.orgId === orgId)) {
      try {
        known = s.orgs.keysZip(orgId);
      } catch (e) {
        throw new DeskError('file.state_other_keys', `The state folder ${stateDir} belongs to another keys.zip. Use --state to pick another folder.`, { detail: errorDetail(e) });
      }
    } else if (s.orgs.list().length > 0) {
      throw new DeskError('file.state_other_keys', `The state folder ${stateDir} belongs to another organisation's keys.zip. Use --state to pick another folder.`, { detail: `holds ${s.orgs.list().map((x) => x.orgId).join(', ')}` });
    }
    // First run, or a new keys.zip for the same org (a key rotation, another relay address).
    if (!known || !sameBytes(known, zip)) await importKeysZipBytes(s, zip, { log: o.log });
  } catch (e) {
    await s.close();
    throw e;
  }
  return { s, orgId, stateDir, close: () => s.close() };
}
