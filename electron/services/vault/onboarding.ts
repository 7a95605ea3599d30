/**
 * Getting an org into the desk: import a keys.zip (from a file the user picked), redeem an
 * invite (keys generated here, only public halves leave), and export an encrypted backup.
 */
import type { OrgId } from '../../../shared/domain/ids.ts';
import { readFileSync, statSync } from 'node:fs';
import type { OrgSummary } from '../../../shared/domain/types.ts';
import { buildRedeemRequest, credentialsFromRedeem, REDEEM_PATH, type RedeemResponse } from '../../../shared/fxe-api/index.ts';
import { generateKeyMaterial, KEYS_ZIP_MAX_BYTES, wipeOrgKeys, writeKeysZip } from '../../../shared/protocol/index.ts';
import type { FaxLaneDeps } from '../service-deps.ts';

/** What onboarding needs of an install: its orgs, their relay clients and the audit log. */
export type OnboardingDeps = Pick<FaxLaneDeps, 'orgs' | 'clients' | 'faxes'>;
import { DeskError, errorDetail } from '../errors.ts';
import { writeFileAtomicSync } from '../storage/atomic-file.ts';
import { checkPassphrase, decryptBackup, encryptBackup } from './backup.ts';

export interface SaveDialog {
  saveFile(opts: { title: string; defaultPath: string; filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
}

/** Import keys.zip bytes: validate, ask the relay who we are (name, numbers), keep encrypted. */
export async function importKeysZipBytes(
  s: OnboardingDeps, zip: Uint8Array,
  opts: { isDemo?: boolean; log?: (l: string) => void; known?: { name: string; faxNumbers: string[] } } = {},
): Promise<OrgSummary> {
  const keys = await s.orgs.validate(zip);
  // What the user typed at redeem stands until the relay says otherwise (a relay without orgs/me never does).
  let summary = s.orgs.store(zip, keys, { ...(opts.isDemo === undefined ? {} : { isDemo: opts.isDemo }), ...(opts.known ?? {}) });
  s.clients.forget(summary.orgId);
  try {
    const me = await (await s.clients.forOrg(summary.orgId)).me();
    summary = s.orgs.updateFacts(summary.orgId, { name: me.org_name, faxNumbers: me.fax_numbers });
  } catch (e) {
    // Offline import is fine: the name and numbers are filled in at the next successful call.
    opts.log?.(`org ${summary.orgId}: could not ask the relay for its details: ${errorDetail(e)}`);
    if (e instanceof DeskError && e.code.startsWith('relay.auth')) throw e;
  }
  s.faxes.audit('org-import', summary.orgId, null, `bundle ${summary.bundleId}`);
  return summary;
}

export function readKeysZipFile(path: string): Uint8Array {
  try {
    // A keys.zip is a few KiB: a far larger pick (a video, a disk image) is refused from its
    // size, before it is read into memory.
    const size = statSync(path).size;
    if (size > KEYS_ZIP_MAX_BYTES) {
      throw new DeskError('org.keys_zip_invalid', 'That file is not a valid fxe keys.zip. Use the keys.zip you downloaded when you joined fxe.', { detail: `${size} bytes, more than ${KEYS_ZIP_MAX_BYTES}` });
    }
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof DeskError) throw e;
    throw new DeskError('file.read_failed', 'fxe Desk could not read that file.', { detail: errorDetail(e), cause: e });
  }
}

/**
 * Redeem an invite. The save location is asked for FIRST: the relay cannot regenerate the
 * keys, so we never redeem before we know where the keys.zip backup goes.
 */
export async function redeemInvite(
  s: OnboardingDeps,
  dialogs: SaveDialog,
  req: { relayUrl: string; token: string; orgName: string; faxNumbers: string[] },
  log?: (l: string) => void,
): Promise<OrgSummary | null> {
  const path = await dialogs.saveFile({ title: 'Save your fxe keys (keep this file safe)', defaultPath: 'keys.zip', filters: [{ name: 'fxe keys', extensions: ['zip'] }] });
  if (!path) return null;
  const material = generateKeyMaterial();
  const body = buildRedeemRequest({ inviteToken: req.token, orgName: req.orgName, faxNumbers: req.faxNumbers, keys: material });
  const answer = await s.clients.unauthenticated(req.relayUrl).postUnsigned<RedeemResponse>(REDEEM_PATH, body);
  if (typeof answer.org_id !== 'string' || typeof answer.key_id !== 'string') {
    throw new DeskError('relay.garbage', 'The fxe relay sent an answer fxe Desk could not understand.', { detail: 'redeem: missing org_id/key_id' });
  }
  let zip: Uint8Array | null = null;
  try {
    zip = await writeKeysZip({ ...material, credentials: credentialsFromRedeem(answer) });
    try {
      writeFileAtomicSync(path, zip);
    } catch (e) {
      // The org exists on the relay now; the keys must not be lost. Keep them in the vault
      // anyway and tell the user to export a backup from Settings.
      log?.(`keys.zip could not be written to the chosen place: ${errorDetail(e)}`);
    }
    return await importKeysZipBytes(s, zip, { ...(log ? { log } : {}), known: { name: req.orgName, faxNumbers: req.faxNumbers } });
  } finally {
    // The vault holds its own encrypted copy now: no plaintext key stays in our memory.
    zip?.fill(0);
    wipeOrgKeys(material);
  }
}

/**
 * After a key rotation: offer to save the new keys.zip (the plain fxe format, like the one
 * the user got when joining). Cancelling is allowed (an encrypted backup can be exported from
 * Settings later); a failed write is logged, the rotation itself already succeeded.
 */
export async function offerKeysZipBackup(dialogs: SaveDialog, keysZip: Uint8Array, log?: (l: string) => void): Promise<string | null> {
  const path = await dialogs.saveFile({ title: 'Save your new fxe keys (keep this file safe; the old one no longer works)', defaultPath: 'keys.zip', filters: [{ name: 'fxe keys', extensions: ['zip'] }] });
  if (!path) return null;
  try {
    writeFileAtomicSync(path, keysZip, 0o600);
    return path;
  } catch (e) {
    log?.(`the new keys.zip could not be written to the chosen place: ${errorDetail(e)}`);
    return null;
  }
}

export async function exportBackup(s: OnboardingDeps, dialogs: SaveDialog, orgId: OrgId, passphrase: string | undefined): Promise<{ savedTo: string } | null> {
  const pass = checkPassphrase(passphrase);
  const org = s.orgs.get(orgId);
  const path = await dialogs.saveFile({ title: `Save an encrypted backup of ${org.name}'s keys`, defaultPath: `${org.name.replace(/[^A-Za-z0-9 _-]/g, '')} fxe keys backup.json` });
  if (!path) return null;
  const keysZip = s.orgs.keysZip(orgId);
  let text: string;
  try {
    text = await encryptBackup(orgId, keysZip, pass);
  } finally {
    keysZip.fill(0);
  }
  try {
    writeFileAtomicSync(path, text);
  } catch (e) {
    throw new DeskError('file.write_failed', 'fxe Desk could not save the backup there. Pick another place.', { detail: errorDetail(e), cause: e });
  }
  s.faxes.audit('backup-export', orgId, null, path);
  return { savedTo: path };
}

/** A backup is a few KiB of JSON; anything far larger is not one (and is not read into memory). */
const BACKUP_MAX_BYTES = 1024 * 1024;

/** Restore an org from an encrypted backup file made by exportBackup. */
export async function importBackupFile(s: OnboardingDeps, path: string, passphrase: string, log?: (l: string) => void): Promise<OrgSummary> {
  let text: string;
  try {
    if (statSync(path).size > BACKUP_MAX_BYTES) throw new DeskError('backup.invalid', 'That file is not an fxe Desk key backup.', { detail: 'larger than 1 MiB' });
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof DeskError) throw e;
    throw new DeskError('file.read_failed', 'fxe Desk could not read that file.', { detail: errorDetail(e), cause: e });
  }
  const { orgId, keysZip } = await decryptBackup(text, passphrase);
  try {
    const org = await importKeysZipBytes(s, keysZip, log ? { log } : {});
    if (org.orgId !== orgId) log?.(`backup labelled ${orgId} held the keys of ${org.orgId}`);
    s.faxes.audit('backup-import', org.orgId, null, path);
    return org;
  } finally {
    keysZip.fill(0);
  }
}
