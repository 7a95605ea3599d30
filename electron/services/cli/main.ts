/**
 * fxe-desk: the headless CLI, a thin shell over the desk's own services, for scripting and
 * fax gateways.
 *   npm run cli -- send --keys <keys.zip> --to <E.164> --from <E.164> [--name <from name>] <file.pdf>
 *   npm run cli -- receive --keys <keys.zip> --out <dir> [--once] [--interval <s>]
 *   npm run cli -- receive --keys <keys.zip> --out <dir> --listen <port> [--webhook-secret <s>] [--public-url <u>]
 *   npm run cli -- status --keys <keys.zip> <message id>
 *   npm run cli -- serve --office <postgres-url> --keys <keys.zip> [--listen <port> …]
 * With --keys it reads keys.zip directly (like the reference client); no keychain. Sending
 * goes through the outbox, receiving through the receive pipeline (with a sink that writes
 * files into --out), and peers' keys are pinned in the same trust store as the app's, kept in
 * a state folder (cli-services.ts). A changed key is refused unless --accept-key-change.
 * Exit codes and messages: docs/cli.md.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { faxIdForMessage, type Fingerprint, type OrgId } from '../../../shared/domain/ids.ts';
import { isMessageId } from '../../../shared/protocol/index.ts';
import { fileURLToPath } from 'node:url';
import type { UserError } from '../../../shared/domain/types.ts';
import { ProtocolError } from '../../../shared/protocol/errors.ts';
import { DeskError, toUserError } from '../errors.ts';
import { isE164 } from '../../../shared/domain/fax-number.ts';
import { NO_DELIVERY_PROOF } from '../outbox/outbox.ts';
import { RelayErrorCodes } from '../relay-client/relay-errors.ts';
import { openOffice } from '../office/office.ts';
import { OfficeOutboxSender } from '../office/office-outbox.ts';
import { officePinStorage, pinSealMemoryIn } from '../office/office-pins.ts';
import { kvGet, kvSet } from '../storage/database.ts';
import { TrustStore } from '../trust/index.ts';
import { officeReceiveSink } from '../office/office-receive-sink.ts';
import { OfficeReceiver } from '../office/office-receiver.ts';
import { readKeysZip } from '../../../shared/protocol/index.ts';
import { readKeysZipFile } from '../vault/onboarding.ts';
import { orgIdOf } from '../vault/org-registry.ts';
import { openCliServices, stateDirFor, type CliServices } from './cli-services.ts';
import { outDirSink } from './out-dir-sink.ts';
import { warmPdfCheckWorker } from '../inbox/pdf-parse.ts';
import { INLINE_HASH_MAX_BYTES, ringHasher } from '../crypto/ring-hasher.ts';
import { loadSodium } from '../crypto/stream-cipher.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2, notOnFxe: 3, badFile: 4, unreachable: 5, refused: 6, verification: 7 } as const;

class UsageError extends Error {}

type Flags = Map<string, string | true>;

function parseArgs(argv: string[]): { command: string; flags: Flags; rest: string[] } {
  const [command = '', ...args] = argv;
  const flags: Flags = new Map();
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

function need(flags: Flags, name: string): string {
  const v = flags.get(name);
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required`);
  return v;
}

function optional(flags: Flags, name: string): string | null {
  const v = flags.get(name);
  return typeof v === 'string' ? v : null;
}

function errorFrom(u: UserError): DeskError {
  return new DeskError(u.code, u.message, u.detail === undefined ? {} : { detail: u.detail });
}

/** Accept (pin) a peer org's new keys the way the app's "accept new keys" button does. */
async function acceptNewKeys(c: CliServices, peerOrgId: OrgId, newFingerprint: Fingerprint, what: string, warn: (s: string) => void): Promise<void> {
  const previous = await c.s.pins.pinned(peerOrgId);
  await c.s.outbox.acceptKeyChange(peerOrgId, newFingerprint);
  c.s.pipeline.forgetKeyChangeRejections(peerOrgId);
  warn(`fxe-desk: warning: accepted new keys for ${what} (${peerOrgId}): ${(previous ?? '?').slice(0, 16)}… → ${newFingerprint.slice(0, 16)}…`);
}

function keysChanged(what: string, detail: string): DeskError {
  return new DeskError('keys.peer_changed', `The security keys of ${what} changed since the last time. Confirm the change with them (by phone), then run again with --accept-key-change.`, { detail });
}

async function send(flags: Flags, rest: string[], out: (s: string) => void, warn: (s: string) => void): Promise<void> {
  const keysPath = need(flags, 'keys');
  const to = need(flags, 'to');
  const from = need(flags, 'from');
  const file = rest[0];
  if (!file) throw new UsageError('the PDF file to send is missing');
  if (!isE164(to) || !isE164(from)) throw new UsageError('--to and --from must be fax numbers in E.164 form, like +15551234567');
  let size: number;
  try { size = statSync(file).size; accessSync(file, constants.R_OK); } catch { throw new DeskError('file.read_failed', `Cannot read ${file}.`); }
  // pdf.js loads for the PDF check, and the hashing thread starts, on the other core while
  // this one opens the keys and the state folder: ~0.4 s of a 1 MiB send was waiting for them.
  // A small file is hashed on this thread (INLINE_HASH_MAX_BYTES): no hashing thread at all.
  warmPdfCheckWorker({ oneCheck: true });
  if (size > INLINE_HASH_MAX_BYTES) ringHasher.warmUp();
  const c = await openCliServices({ keysPath, stateDir: optional(flags, 'state'), log: () => undefined });
  try {
    const checking = c.s.outbox.check(c.orgId, to);
    // What the relay offers (asked once the upload is done: whether it proves deliveries) is
    // asked now, beside the lookup: one round trip fewer in a row after the upload.
    void c.s.clients.forOrg(c.orgId).then((client) => client.hasExtension('message-status')).catch(() => undefined);
    // The body cipher's native library loads while the lookup is on the wire.
    loadSodium();
    const check = await checking;
    if (check.kind === 'not-on-fxe') throw new DeskError(RelayErrorCodes.notOnFxe, 'This fax number is not on the fxe network. You can send it over the phone network instead.', { detail: `lookup ${to}` });
    if (check.keyChange) {
      const lookup = await (await c.s.clients.forOrg(c.orgId)).lookup(to).catch(() => null);
      const what = `${lookup?.org_name ?? check.recipientOrgId} (${to})`;
      const { recipientOrgId, previousFingerprint, newFingerprint } = check.keyChange;
      if (flags.get('accept-key-change') !== true) throw keysChanged(what, `org ${recipientOrgId}: pinned ${previousFingerprint}, now ${newFingerprint} (${c.stateDir})`);
      await acceptNewKeys(c, recipientOrgId, newFingerprint, what, warn);
    }
    const name = optional(flags, 'name');
    // Sealed straight from the file, and checked in what was sealed (outbox.submitFileSealed):
    // never whole in memory, no stored copy (this run sends it or leaves nothing behind).
    const { id } = await c.s.outbox.submitFileSealed({ orgId: c.orgId, to, from, fileName: basename(file), pdfPath: file, ...(name === null ? {} : { fromName: name }) });
    await c.s.outbox.kick();
    const fax = c.s.faxes.row(id, true);
    if (fax.state === 'sent' || fax.state === 'delivered') {
      out(id);
      return;
    }
    // Not sent now: this run reports why and leaves nothing queued behind for a later run.
    c.s.faxes.softDelete([id], 'cli: not sent');
    const failure = fax.failure_json ? (JSON.parse(fax.failure_json) as UserError) : null;
    if (fax.state === 'held-key-change') throw keysChanged(to, failure?.detail ?? '');
    throw failure ? errorFrom(failure) : new DeskError('send.failed', 'The fax could not be sent.', { detail: `state ${fax.state}` });
  } finally {
    await c.close();
  }
}

/**
 * Webhook mode, for relays without polling (the reference relay): the desk's webhook listener
 * on 127.0.0.1:<port>, behind the operator's reverse proxy or tunnel, feeding the same
 * pipeline. Runs until SIGINT/SIGTERM. The secret comes from the relay's operator
 * (--webhook-secret), or from registering --public-url where the relay offers registration.
 * `office`: serving an office, whose OfficeReceiver polls while it leads and sends the
 * receipts still owed; the listener then takes deliveries only while this process leads.
 */
async function listen(flags: Flags, c: CliServices, log: (s: string) => void, office: { leading: () => boolean } | null = null): Promise<void> {
  const port = Number(flags.get('listen'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--listen must be a port number (1-65535)');
  const secret = optional(flags, 'webhook-secret');
  const publicUrl = optional(flags, 'public-url');
  if (publicUrl !== null && !/^https?:\/\/[^\s]+$/.test(publicUrl)) throw new UsageError('--public-url must start with http:// or https://');
  if (secret !== null) c.s.webhookSecrets.set(c.orgId, secret);
  c.s.settings.update({ receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: publicUrl ?? '' });
  if (office) c.s.acceptsWebhooks = () => office.leading();
  else await c.s.pipeline.resumeOwedReceipts();
  await c.s.applyReceiveMode();
  // The office receiver is the one poller (while leading): not this desk's own safety poll.
  if (office) await c.s.poller.stop();
  if (c.s.webhookSecrets.secrets(c.orgId).length === 0) {
    throw new UsageError('--webhook-secret is required: this relay cannot register webhooks (or no --public-url was given); the relay operator registers the URL and gives you its secret');
  }
  const path = c.s.webhook?.pathFor(c.orgId) ?? '';
  log(`listening on ${c.s.webhook?.url ?? ''}${path}${publicUrl ? ` (public: ${publicUrl.replace(/\/+$/, '')}${path})` : ''}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping');
}

async function receive(flags: Flags, log: (s: string) => void): Promise<void> {
  const keysPath = need(flags, 'keys');
  const outDir = need(flags, 'out');
  if (flags.has('listen') && flags.get('once')) throw new UsageError('--once and --listen do not go together');
  const interval = Number(flags.get('interval') ?? 10);
  if (!Number.isFinite(interval) || interval <= 0) throw new UsageError('--interval must be a number of seconds');
  const sink = outDirSink(outDir, log);
  let lastFailure: UserError | null = null;
  const c = await openCliServices({
    keysPath, stateDir: optional(flags, 'state'), log: () => undefined, receiveSink: sink,
    emit: (e) => {
      // Verification failures are the sink's (.rejected); these are "try again later" ones.
      if (e.type !== 'receive.error' || e.error.code.startsWith('receive.verify') || e.error.code.startsWith('protocol')) return;
      lastFailure = e.error.code === 'receive.webhook_only'
        ? { code: 'relay.no_polling', message: 'This fxe relay delivers faxes only by webhook: receive them with --listen <port> (see docs/cli.md).', ...(e.error.detail ? { detail: e.error.detail } : {}) }
        : e.error;
    },
  });
  try {
    if (flags.get('accept-key-change') === true) {
      for (const r of c.s.pipeline.keyChangeRejections()) await acceptNewKeys(c, r.senderOrgId, r.newFingerprint, `the sender org ${r.senderOrgId}`, log);
    }
    if (flags.has('listen')) return await listen(flags, c, log);
    for (;;) {
      lastFailure = null;
      const before = { ...sink.counts };
      const polling = c.s.poller.pollOnce();
      // The body cipher's native library (~40 ms to load) loads while the list of faxes is on the wire.
      loadSodium();
      await polling;
      const listError = c.s.poller.lastError;
      if (flags.get('once')) {
        if (listError) throw listError;
        if (lastFailure) throw errorFrom(lastFailure);
        const held = sink.counts.held;
        log(`${sink.counts.stored} stored, ${sink.counts.rejected} rejected${held ? `, ${held} held (sender keys changed)` : ''}`);
        if (held > 0) {
          throw new DeskError('keys.peer_changed', `${held} fax(es) were not accepted because the sender's security keys changed. Confirm with the sender (by phone), then run again with --accept-key-change.`, {
            detail: `state: ${c.stateDir}`,
          });
        }
        return;
      }
      if (listError) log(`fxe-desk: ${toUserError(listError).message}`);
      if (sink.counts.stored === before.stored && lastFailure) log(`fxe-desk: ${(lastFailure as UserError).message}`);
      await new Promise((res) => setTimeout(res, interval * 1000));
    }
  } finally {
    await c.close();
  }
}

/** This state folder's desk id in the office (its audit lines and leases name it). */
function officeDeskId(stateDir: string): string {
  const file = join(stateDir, 'office-desk-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch { /* first run */ }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const id = `receiver-${randomUUID()}`;
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/**
 * The always-on office receiver: the same receive pipeline as the app, storing into the
 * office database (docs/office.md), while it leads; it also sends from the shared outbox.
 * Runs until SIGINT/SIGTERM. The database address is a secret (it holds the password): pass
 * it in FXE_OFFICE_URL rather than on the command line, where other users can see it.
 */
async function serve(flags: Flags, log: (s: string) => void): Promise<void> {
  const keysPath = need(flags, 'keys');
  const flagUrl = optional(flags, 'office');
  const url = flagUrl ?? process.env['FXE_OFFICE_URL'] ?? '';
  if (!url) throw new UsageError('--office <postgres-url> (or the FXE_OFFICE_URL environment variable) is required');
  const interval = Number(flags.get('interval') ?? 2);
  if (!Number.isFinite(interval) || interval <= 0) throw new UsageError('--interval must be a number of seconds');
  const caPath = optional(flags, 'ca');
  let caPem: string | null = null;
  if (caPath !== null) {
    try { caPem = readFileSync(caPath, 'utf8'); } catch { throw new DeskError('file.read_failed', `Cannot read the CA certificate ${caPath}.`); }
  }
  let keys;
  try {
    keys = await readKeysZip(readKeysZipFile(keysPath));
  } catch (e) {
    if (e instanceof DeskError) throw e;
    throw new DeskError('org.keys_zip_invalid', `${keysPath} is not a valid fxe keys.zip.`, { detail: e instanceof Error ? e.message : String(e) });
  }
  const stateDir = stateDirFor(keysPath, optional(flags, 'state'));
  const deskName = optional(flags, 'desk-name') ?? `office receiver (${hostname()})`;
  const office = await openOffice({
    url, caPem, orgId: orgIdOf(keys), signingSeed: keys.signingSeed, log,
    desk: { deskId: officeDeskId(stateDir), deskName, person: deskName },
  });
  keys.signingSeed.fill(0);
  log(`serving the office at ${office.where} as "${deskName}"`);
  let c: CliServices | null = null;
  let receiver: OfficeReceiver | null = null;
  let sender: OfficeOutboxSender | null = null;
  const heartbeat = setInterval(() => { office.heartbeat().catch(() => undefined); }, 30_000);
  try {
    c = await openCliServices({
      keysPath, stateDir, log: () => undefined,
      // The office's pins, shared with its desks: a key change accepted at a desk holds here too.
      // The seal's last version is remembered in the state folder's database.
      pins: new TrustStore(officePinStorage(office, pinSealMemoryIn({ get: (k) => (c ? kvGet(c.s.db, k) : null), set: (k, v) => { if (c) kvSet(c.s.db, k, v); } }, office.officeId)), Date.now),
      receiveSink: officeReceiveSink(office, { onStored: (fax, id) => log(`stored ${id} from ${fax.envelope.from_number}`), onReceipted: (id) => log(`receipted ${id}`) }),
    });
    const services = c;
    sender = new OfficeOutboxSender(office, { clients: services.s.clients, pins: services.s.pins });
    sender.start();
    const leader = new OfficeReceiver(office, {
      pollOnce: () => services.s.poller.pollOnce(), intervalMs: interval * 1000,
      onLeadership: (leading) => log(leading ? 'receiving for the office' : 'another desk receives for the office now'),
    });
    receiver = leader;
    // Webhooks too are taken only by whoever leads (the others answer 503: the relay retries).
    if (flags.has('listen')) {
      leader.start();
      await listen(flags, services, log, { leading: () => leader.isLeader });
      return;
    }
    leader.start();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log('stopping');
  } finally {
    clearInterval(heartbeat);
    await receiver?.stop();
    await sender?.stop();
    await c?.close();
    await office.close();
  }
}

async function status(flags: Flags, rest: string[], out: (s: string) => void): Promise<void> {
  const keysPath = need(flags, 'keys');
  const id = rest[0];
  if (!id) throw new UsageError('the message id is missing');
  if (!isMessageId(id)) throw new UsageError(`${id} is not a message id (fxe-desk send prints it: a UUID like 0f8e…)`);
  const c = await openCliServices({ keysPath, stateDir: optional(flags, 'state'), log: () => undefined });
  try {
    const client = await c.s.clients.forOrg(c.orgId);
    if (!(await client.hasExtension('message-status'))) throw new DeskError(NO_DELIVERY_PROOF.code, 'This fxe relay does not report delivery status, so there is no proof of delivery to show.', { detail: `status ${id}` });
    const st = await client.status(id);
    // The outbox checks the receipt against the recipient's pinned keys, as in the app: only
    // for a fax this state folder sent (it knows what was sent, and to whom).
    const receiptVerified = st.receipt !== null && st.receipt !== undefined && c.s.faxes.exists(faxIdForMessage(id)) && (await c.s.outbox.acceptReceipt(faxIdForMessage(id), st.receipt));
    out(JSON.stringify({ message_id: st.message_id, status: st.status, to_number: st.to_number, delivered_at: st.delivered_at, receipt_verified: receiptVerified, receipt: st.receipt }, null, 2));
  } finally {
    await c.close();
  }
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof ProtocolError) return EXIT.verification;
  if (e instanceof DeskError) {
    if (e.code === RelayErrorCodes.notOnFxe) return EXIT.notOnFxe;
    if (e.code.startsWith('pdf.') || e.code.startsWith('file.') || e.code === 'org.keys_zip_invalid') return EXIT.badFile;
    if (e.code === 'relay.unreachable' || e.code === 'relay.server_error' || e.code === 'relay.garbage') return EXIT.unreachable;
    if (e.code.startsWith('recipient.') || e.code.startsWith('keys.') || e.code.startsWith('receive.verify')) return EXIT.verification;
    if (e.code.startsWith('relay.') || e.code === 'send.from_not_yours') return EXIT.refused;
  }
  return EXIT.failure;
}

const USAGE = `usage:
  fxe-desk send --keys <keys.zip> --to <E.164> --from <E.164> [--name <sender name>] <file.pdf>
  fxe-desk receive --keys <keys.zip> --out <dir> [--once] [--interval <seconds>]
  fxe-desk receive --keys <keys.zip> --out <dir> --listen <port> [--webhook-secret <secret>] [--public-url <url>]
  fxe-desk status --keys <keys.zip> <message id>
  fxe-desk serve --office <postgres-url> --keys <keys.zip> [--desk-name <name>] [--interval <seconds>] [--ca <ca.pem>]
                 [--listen <port> [--webhook-secret <secret>] [--public-url <url>]]
                         the office receiver (docs/office.md); the URL may come from FXE_OFFICE_URL instead
options for every command:
  --state <dir>          keep this CLI's state (remembered peer keys, receive progress) in <dir>
                         (default: beside the keys.zip, keys.zip → keys.fxe-state/)
  --accept-key-change    accept (and remember) a peer org's new keys after you confirmed them`;

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }): Promise<number> {
  try {
    const { command, flags, rest } = parseArgs(argv);
    if (command === 'send') await send(flags, rest, io.out, io.err);
    else if (command === 'receive') await receive(flags, io.err);
    else if (command === 'status') await status(flags, rest, io.out);
    else if (command === 'serve') await serve(flags, io.err);
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
