/**
 * Demo organisations, made exactly the way a real org joins: an invite, keys generated on
 * "the client" side, POST /v1/redeem over HTTP, and keys.zip written by the client from its
 * own private keys plus the relay's answer. Used by the CLI's `demo` command and the app's
 * demo mode.
 */
import { asOrgId, type OrgId } from '../../shared/domain/ids.ts';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyMaterial, readKeysZip, wipeOrgKeys, writeKeysZip } from '../../shared/protocol/index.ts';
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
  orgId: OrgId;
  faxNumbers: string[];
  keysZipPath: string;
}

/** The two demo orgs: a clinic and the pharmacy it faxes prescriptions to. */
export const DEMO_ORG_SPECS = [
  { slug: 'northside-clinic', name: 'Northside Clinic', faxNumbers: ['+15551110001'] },
  { slug: 'harbor-pharmacy', name: 'Harbor Pharmacy', faxNumbers: ['+15552220002'] },
] as const;

/** Where the demo orgs' keys.zip live between runs: files (the CLI) or the desk's vault (the app). */
export interface DemoKeyStore {
  get(slug: string): Uint8Array | null | Promise<Uint8Array | null>;
  put(slug: string, keysZip: Uint8Array): void | Promise<void>;
}

export interface DemoOrgKeys {
  name: string;
  orgId: OrgId;
  faxNumbers: string[];
  keysZip: Uint8Array;
}

/** Redeem the demo orgs on this relay, or find the ones `store` already holds keys for. */
export async function ensureDemoOrgs(relayUrl: string, store: DemoKeyStore, mint: () => Promise<string>): Promise<DemoOrgKeys[]> {
  const orgs: DemoOrgKeys[] = [];
  for (const spec of DEMO_ORG_SPECS) {
    const stored = await store.get(spec.slug);
    const existing = stored ? await existingOrg(relayUrl, stored) : undefined;
    if (stored && existing) {
      orgs.push({ name: existing.org_name, orgId: asOrgId(existing.org_id), faxNumbers: existing.fax_numbers, keysZip: stored });
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
    wipeOrgKeys(keys);
    await store.put(spec.slug, zip);
    orgs.push({ name: answer.org_name, orgId: asOrgId(answer.org_id), faxNumbers: answer.fax_numbers, keysZip: zip });
  }
  return orgs;
}

/** keys.zip files under `outDir/<slug>/keys.zip`: what the CLI's `demo` command hands the user. */
export function demoKeyFiles(outDir: string): DemoKeyStore & { pathOf(slug: string): string } {
  const pathOf = (slug: string): string => join(outDir, slug, 'keys.zip');
  return {
    pathOf,
    get: async (slug) => (existsSync(pathOf(slug)) ? new Uint8Array(await readFile(pathOf(slug))) : null),
    put: async (slug, zip) => {
      await mkdir(join(outDir, slug), { recursive: true, mode: 0o700 });
      // Write then rename, so an interrupted demo never leaves half a keys.zip behind.
      await writeFile(`${pathOf(slug)}.tmp`, zip, { mode: 0o600 });
      await rename(`${pathOf(slug)}.tmp`, pathOf(slug));
    },
  };
}

export async function createDemoOrgs(p: {
  relayUrl: string;
  outDir: string;
  /** How to get invite tokens; defaults to the local relay's POST /v1/dev/invites. */
  mintInvite?: () => Promise<string>;
}): Promise<DemoOrg[]> {
  const relayUrl = p.relayUrl.replace(/\/$/, '');
  const files = demoKeyFiles(p.outDir);
  const orgs = await ensureDemoOrgs(relayUrl, files, p.mintInvite ?? (() => devInvite(relayUrl)));
  return orgs.map((o, i) => ({ name: o.name, orgId: o.orgId, faxNumbers: o.faxNumbers, keysZipPath: files.pathOf(DEMO_ORG_SPECS[i]!.slug) }));
}

/** The org of an existing keys.zip, if this relay still knows it. */
async function existingOrg(relayUrl: string, keysZip: Uint8Array): Promise<OrgResponse | undefined> {
  const keys = await readKeysZip(keysZip);
  try {
    const res = await signedFetch({
      relayUrl,
      creds: { keyId: keys.credentials.key_id, signingSeed: keys.signingSeed },
      method: 'GET',
      target: ORG_ME_PATH,
    });
    if (res.status === 200) return (await res.json()) as OrgResponse;
    await res.arrayBuffer();
    return undefined;
  } finally {
    wipeOrgKeys(keys);
  }
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
