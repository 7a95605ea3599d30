/**
 * Demo organisations, made exactly the way a real org joins: an invite, keys generated on
 * "the client" side, POST /v1/redeem over HTTP, and keys.zip written by the client from its
 * own private keys plus the relay's answer. Used by the CLI's `demo` command and the app's
 * demo mode.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyMaterial, readKeysZip, writeKeysZip } from '../../shared/protocol/index.ts';
import {
  buildRedeemRequest,
  credentialsFromRedeem,
  DEV_INVITES_PATH,
  ORG_ME_PATH,
  REDEEM_PATH,
  type ErrorBody,
  type InviteResponse,
  type OrgResponse,
  type RedeemResponse,
} from '../../shared/fxe-api/index.ts';
import { signedFetch } from './signed-fetch.ts';

export interface DemoOrg {
  name: string;
  orgId: string;
  faxNumbers: string[];
  keysZipPath: string;
}

/** The two demo orgs: a clinic and the pharmacy it faxes prescriptions to. */
export const DEMO_ORG_SPECS = [
  { slug: 'northside-clinic', name: 'Northside Clinic', faxNumbers: ['+15551110001'] },
  { slug: 'harbor-pharmacy', name: 'Harbor Pharmacy', faxNumbers: ['+15552220002'] },
] as const;

export async function createDemoOrgs(p: {
  relayUrl: string;
  outDir: string;
  /** How to get invite tokens; defaults to the local relay's POST /v1/dev/invites. */
  mintInvite?: () => Promise<string>;
}): Promise<DemoOrg[]> {
  const relayUrl = p.relayUrl.replace(/\/$/, '');
  const mint = p.mintInvite ?? (() => devInvite(relayUrl));
  const orgs: DemoOrg[] = [];
  for (const spec of DEMO_ORG_SPECS) {
    const dir = join(p.outDir, spec.slug);
    const keysZipPath = join(dir, 'keys.zip');
    const existing = existsSync(keysZipPath) ? await existingOrg(relayUrl, keysZipPath) : undefined;
    if (existing) {
      orgs.push({ name: existing.org_name, orgId: existing.org_id, faxNumbers: existing.fax_numbers, keysZipPath });
      continue;
    }
    const keys = generateKeyMaterial();
    const request = buildRedeemRequest({ inviteToken: await mint(), orgName: spec.name, faxNumbers: [...spec.faxNumbers], keys });
    const res = await fetch(relayUrl + REDEEM_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (res.status !== 201) throw await relayFailure(res, `redeeming the invite for ${spec.name}`);
    const answer = (await res.json()) as RedeemResponse;
    const zip = await writeKeysZip({ ...keys, credentials: credentialsFromRedeem(answer) });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Write then rename, so an interrupted demo never leaves half a keys.zip behind.
    await writeFile(`${keysZipPath}.tmp`, zip, { mode: 0o600 });
    await rename(`${keysZipPath}.tmp`, keysZipPath);
    orgs.push({ name: answer.org_name, orgId: answer.org_id, faxNumbers: answer.fax_numbers, keysZipPath });
  }
  return orgs;
}

/** The org of an existing keys.zip, if this relay still knows it. */
async function existingOrg(relayUrl: string, keysZipPath: string): Promise<OrgResponse | undefined> {
  const keys = await readKeysZip(new Uint8Array(await readFile(keysZipPath)));
  const res = await signedFetch({
    relayUrl,
    creds: { keyId: keys.credentials.key_id, signingSeed: keys.signingSeed },
    method: 'GET',
    target: ORG_ME_PATH,
  });
  if (res.status === 200) return (await res.json()) as OrgResponse;
  await res.arrayBuffer();
  return undefined;
}

async function devInvite(relayUrl: string): Promise<string> {
  const res = await fetch(relayUrl + DEV_INVITES_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (res.status !== 201) throw await relayFailure(res, 'minting a demo invite');
  return ((await res.json()) as InviteResponse).invite_token;
}

async function relayFailure(res: Response, doing: string): Promise<Error> {
  const text = await res.text();
  let code = `HTTP ${res.status}`;
  let message = text;
  try {
    const body = JSON.parse(text) as ErrorBody;
    code = body.error;
    message = body.message;
  } catch {
    // not JSON: keep the raw text
  }
  return new Error(`The relay refused ${doing}: ${message} (${code})`);
}
