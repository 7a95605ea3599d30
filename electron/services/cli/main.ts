/**
 * fxe-desk: the headless CLI on the same services, for scripting and fax gateways.
 *   npm run cli -- send --keys <keys.zip> --to <E.164> --from <E.164> [--name <from name>] <file.pdf>
 *   npm run cli -- receive --keys <keys.zip> --out <dir> [--once] [--interval <s>]
 *   npm run cli -- status --keys <keys.zip> <message id>
 * With --keys it reads keys.zip directly (like the reference client); no keychain, no vault.
 * Peer orgs' keys are pinned between runs (pins-file.ts): beside the keys.zip, or in --state.
 * A changed key is refused unless --accept-key-change.
 * Exit codes and messages: docs/cli.md.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  b64uDecode, envelopeToJson, isJsonObject, openEnvelope, parseEnvelope, parseJsonLossless, readKeysZip, sealEnvelope,
  signReceipt, verifyBundle, verifyReceipt, type OrgKeys, type Receipt,
} from '../../../shared/protocol/index.ts';
import { ProtocolError } from '../../../shared/protocol/errors.ts';
import { DeskError, toUserError } from '../errors.ts';
import { isE164 } from '../ipc/validate.ts';
import { verifyLookup } from '../outbox/key-pins.ts';
import { validatePdf } from '../outbox/pdf-check.ts';
import { RelayClient } from '../relay-client/relay-client.ts';
import { orgKeyFingerprint, PinsFile, pinsPathFor } from './pins-file.ts';
import { writeFileAtomicSync } from '../storage/atomic-file.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2, notOnFxe: 3, badFile: 4, unreachable: 5, refused: 6, verification: 7 } as const;

class UsageError extends Error {}

function parseArgs(argv: string[]): { command: string; flags: Map<string, string | true>; rest: string[] } {
  const [command = '', ...args] = argv;
  const flags = new Map<string, string | true>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--once') flags.set('once', true);
    else if (a === '--accept-key-change') flags.set('accept-key-change', true);
    else if (a.startsWith('--')) {
      const v = args[i + 1];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      flags.set(a.slice(2), v);
      i++;
    } else rest.push(a);
  }
  return { command, flags, rest };
}

function need(flags: Map<string, string | true>, name: string): string {
  const v = flags.get(name);
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required`);
  return v;
}

async function loadKeys(path: string): Promise<OrgKeys> {
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(readFileSync(path)); } catch { throw new DeskError('file.read_failed', `Cannot read ${path}.`); }
  try { return await readKeysZip(bytes); } catch (e) {
    throw new DeskError('org.keys_zip_invalid', `${path} is not a valid fxe keys.zip.`, { detail: e instanceof Error ? e.message : String(e) });
  }
}

function openPins(flags: Map<string, string | true>): PinsFile {
  const state = flags.get('state');
  return new PinsFile(pinsPathFor(need(flags, 'keys'), typeof state === 'string' ? state : null));
}

function pinCheck(flags: Map<string, string | true>, warn: (s: string) => void, what: string): { acceptChange: boolean; what: string; warn: (s: string) => void } {
  return { acceptChange: flags.get('accept-key-change') === true, what, warn };
}

function clientFor(keys: OrgKeys): RelayClient {
  return new RelayClient({ baseUrl: keys.credentials.relay, identity: { keyId: keys.credentials.key_id, signingSeed: keys.signingSeed }, fetch: (u, i) => fetch(u, i) });
}

async function send(flags: Map<string, string | true>, rest: string[], out: (s: string) => void, warn: (s: string) => void): Promise<void> {
  const keys = await loadKeys(need(flags, 'keys'));
  const pins = openPins(flags);
  const to = need(flags, 'to');
  const from = need(flags, 'from');
  const file = rest[0];
  if (!file) throw new UsageError('the PDF file to send is missing');
  if (!isE164(to) || !isE164(from)) throw new UsageError('--to and --from must be fax numbers in E.164 form, like +15551234567');
  let pdf: Uint8Array;
  try { pdf = new Uint8Array(readFileSync(file)); } catch { throw new DeskError('file.read_failed', `Cannot read ${file}.`); }
  await validatePdf(pdf);
  const client = clientFor(keys);
  const lookup = await client.lookup(to);
  const recipient = verifyLookup(lookup);
  pins.check(recipient.orgId, recipient.fingerprint, pinCheck(flags, warn, `${lookup.org_name ?? recipient.orgId} (${to})`));
  const name = flags.get('name');
  const { envelope, ciphertext } = await sealEnvelope({
    plaintext: pdf, senderOrgId: keys.credentials.org_id, senderBundleId: keys.credentials.bundle_id, senderBundleSeed: keys.bundleSeed,
    recipientOrgId: recipient.orgId, recipientBundles: recipient.bundles, fromNumber: from, fromName: typeof name === 'string' ? name : null, toNumber: to,
    metadata: { filename: basename(file), content_type: 'application/pdf' }, createdAt: Math.floor(Date.now() / 1000),
  });
  const res = await client.upload(envelopeToJson(envelope), envelope.message_id, ciphertext);
  out(res.message_id);
}

interface Stored {
  message_id: string;
  sender_org_id: string;
  from_number: string;
  from_name: string | null;
  to_number: string;
  ciphertext_sha256: string;
  created_at: string;
  metadata: unknown;
  file: string;
  receipt: Receipt;
  receipt_sent: boolean;
}

/** One receive pass. Files: <id>.pdf then <id>.json (the JSON is the commit marker). */
async function receivePass(keys: OrgKeys, client: RelayClient, outDir: string, pins: PinsFile, flags: Map<string, string | true>, log: (s: string) => void): Promise<{ stored: number; rejected: number; held: number }> {
  let stored = 0;
  let rejected = 0;
  let held = 0;
  // Owed receipts from an earlier run that stopped after storing.
  for (const f of readdirSync(outDir).filter((x) => x.endsWith('.json'))) {
    const meta = JSON.parse(readFileSync(join(outDir, f), 'utf8')) as Stored;
    if (!meta.receipt_sent) await postReceipt(client, outDir, meta);
  }
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const list = await client.pending(after, 100);
    for (const m of list.messages) {
      const metaPath = join(outDir, `${m.message_id}.json`);
      if (existsSync(metaPath) || existsSync(join(outDir, `${m.message_id}.rejected`))) continue;
      try {
        const fetched = await client.fetchMessage(m.message_id);
        const whole = parseJsonLossless(fetched.envelopeText);
        if (!isJsonObject(whole) || whole['envelope'] === undefined) throw new ProtocolError('malformed', 'no envelope', 'envelope');
        const envelope = parseEnvelope(whole['envelope']);
        if (envelope.message_id !== m.message_id || envelope.recipient_org_id !== keys.credentials.org_id) throw new ProtocolError('malformed', 'envelope is for another message or org', 'envelope');
        const bundle = await client.keyBundle(envelope.sender_key_bundle_id);
        if (bundle.org_id !== envelope.sender_org_id) throw new ProtocolError('bad_signature', 'sender bundle belongs to another org', 'bundle');
        verifyBundle({ bundle_id: bundle.bundle_id, ml_kem_pub: bundle.ml_kem_pub, x25519_pub: bundle.x25519_pub, ed25519_pub: bundle.ed25519_pub }, bundle.bundle_sig, b64uDecode(bundle.org_signing_pub));
        pins.check(envelope.sender_org_id, orgKeyFingerprint(b64uDecode(bundle.org_signing_pub)), pinCheck(flags, log, `the sender ${envelope.from_number}`));
        const opened = await openEnvelope({
          envelope, ciphertext: b64uDecode(fetched.ciphertextB64u, 'ciphertext'), senderBundleEd25519Pub: b64uDecode(bundle.ed25519_pub),
          recipient: { bundleId: keys.credentials.bundle_id, mlkemSecret: keys.mlkemSecret, mlkemPublic: keys.mlkemPublic, x25519Secret: keys.x25519Secret, x25519Public: keys.x25519Public },
        });
        const file = `${m.message_id}.pdf`;
        writeFileAtomicSync(join(outDir, file), opened.plaintext, 0o600);
        const receipt = signReceipt({ messageId: envelope.message_id, ciphertextSha256: envelope.ciphertext_sha256, recipientOrgId: keys.credentials.org_id, recipientBundleId: keys.credentials.bundle_id, bundleSeed: keys.bundleSeed, signedAt: Math.floor(Date.now() / 1000) });
        const meta: Stored = {
          message_id: envelope.message_id, sender_org_id: envelope.sender_org_id, from_number: envelope.from_number, from_name: envelope.from_name,
          to_number: envelope.to_number, ciphertext_sha256: envelope.ciphertext_sha256, created_at: String(typeof envelope.created_at === 'number' ? envelope.created_at : envelope.created_at.lexeme),
          metadata: JSON.parse(JSON.stringify(opened.metadata, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'lexeme' in v ? (v as { lexeme: string }).lexeme : v))),
          file, receipt, receipt_sent: false,
        };
        writeFileAtomicSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`, 0o600);
        stored++;
        log(`stored ${file} from ${envelope.from_number}`);
        await postReceipt(client, outDir, meta);
      } catch (e) {
        if (e instanceof DeskError && e.code === 'keys.peer_changed') {
          // Not stored and not rejected for good: it stays on the relay until the change is accepted.
          held++;
          log(`held ${m.message_id}: ${e.message}`);
          continue;
        }
        if (e instanceof ProtocolError || (e instanceof DeskError && e.code.startsWith('protocol'))) {
          rejected++;
          writeFileAtomicSync(join(outDir, `${m.message_id}.rejected`), `${toUserError(e).code}: ${e.message}\n`);
          log(`rejected ${m.message_id}: ${e.message}`);
        } else throw e;
      }
    }
    if (!list.next_cursor || list.messages.length === 0) break;
    after = list.next_cursor;
  }
  return { stored, rejected, held };
}

async function postReceipt(client: RelayClient, outDir: string, meta: Stored): Promise<void> {
  try {
    await client.postReceipt(meta.message_id, meta.receipt);
  } catch (e) {
    if (!(e instanceof DeskError && (e.code === 'relay.message_delivered' || e.code === 'relay.receipt_conflict'))) throw e;
  }
  writeFileAtomicSync(join(outDir, `${meta.message_id}.json`), `${JSON.stringify({ ...meta, receipt_sent: true }, null, 2)}\n`, 0o600);
}

async function receive(flags: Map<string, string | true>, log: (s: string) => void): Promise<void> {
  const keys = await loadKeys(need(flags, 'keys'));
  const outDir = need(flags, 'out');
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const client = clientFor(keys);
  const pins = openPins(flags);
  const interval = Number(flags.get('interval') ?? 10) * 1000;
  for (;;) {
    const r = await receivePass(keys, client, outDir, pins, flags, log);
    if (flags.get('once')) {
      log(`${r.stored} stored, ${r.rejected} rejected${r.held ? `, ${r.held} held (sender keys changed)` : ''}`);
      if (r.held > 0) {
        throw new DeskError('keys.peer_changed', `${r.held} fax(es) were not accepted because the sender's security keys changed. Confirm with the sender (by phone), then run again with --accept-key-change.`, {
          detail: `pins: ${pins.path}`,
        });
      }
      return;
    }
    await new Promise((res) => setTimeout(res, interval));
  }
}

async function status(flags: Map<string, string | true>, rest: string[], out: (s: string) => void, warn: (s: string) => void): Promise<void> {
  const keys = await loadKeys(need(flags, 'keys'));
  const pins = openPins(flags);
  const id = rest[0];
  if (!id) throw new UsageError('the message id is missing');
  const client = clientFor(keys);
  const st = await client.status(id);
  let receiptVerified = false;
  if (st.receipt) {
    const bundle = await client.keyBundle(st.receipt.recipient_bundle_id);
    if (bundle.org_id !== st.recipient_org_id) throw new ProtocolError('bad_signature', 'the receipt key belongs to another org', 'receipt');
    verifyBundle({ bundle_id: bundle.bundle_id, ml_kem_pub: bundle.ml_kem_pub, x25519_pub: bundle.x25519_pub, ed25519_pub: bundle.ed25519_pub }, bundle.bundle_sig, b64uDecode(bundle.org_signing_pub));
    pins.check(st.recipient_org_id, orgKeyFingerprint(b64uDecode(bundle.org_signing_pub)), pinCheck(flags, warn, `the recipient ${st.to_number}`));
    verifyReceipt(st.receipt, { recipientOrgId: st.recipient_org_id, recipientBundleEd25519Pub: b64uDecode(bundle.ed25519_pub) });
    receiptVerified = true;
  }
  out(JSON.stringify({ message_id: st.message_id, status: st.status, to_number: st.to_number, delivered_at: st.delivered_at, receipt_verified: receiptVerified, receipt: st.receipt }, null, 2));
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof ProtocolError) return EXIT.verification;
  if (e instanceof DeskError) {
    if (e.code === 'relay.not_on_fxe') return EXIT.notOnFxe;
    if (e.code.startsWith('pdf.') || e.code.startsWith('file.') || e.code === 'org.keys_zip_invalid') return EXIT.badFile;
    if (e.code === 'relay.unreachable' || e.code === 'relay.server_error' || e.code === 'relay.garbage') return EXIT.unreachable;
    if (e.code.startsWith('recipient.') || e.code.startsWith('keys.')) return EXIT.verification;
    if (e.code.startsWith('relay.')) return EXIT.refused;
  }
  return EXIT.failure;
}

const USAGE = `usage:
  fxe-desk send --keys <keys.zip> --to <E.164> --from <E.164> [--name <sender name>] <file.pdf>
  fxe-desk receive --keys <keys.zip> --out <dir> [--once] [--interval <seconds>]
  fxe-desk status --keys <keys.zip> <message id>
options for every command:
  --state <dir>          keep the remembered peer keys in <dir>/pins.json (default: beside the keys.zip)
  --accept-key-change    accept (and remember) a peer org's new keys after you confirmed them`;

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }): Promise<number> {
  try {
    const { command, flags, rest } = parseArgs(argv);
    if (command === 'send') await send(flags, rest, io.out, io.err);
    else if (command === 'receive') await receive(flags, io.err);
    else if (command === 'status') await status(flags, rest, io.out, io.err);
    else throw new UsageError(command ? `unknown command ${command}` : 'no command given');
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`fxe-desk: ${e.message}\n${USAGE}`);
      return EXIT.usage;
    }
    const u = toUserError(e);
    io.err(`fxe-desk: ${u.message}${u.detail ? `\n  (${u.code}: ${u.detail})` : ` (${u.code})`}`);
    return exitCodeFor(e);
  }
}

// Run only as the entry point (tests import main() directly).
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
