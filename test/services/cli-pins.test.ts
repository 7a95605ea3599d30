// The CLI remembers each peer org's keys between runs (a child process per run, a real relay)
// in the app's own trust store, kept in its state folder: first use pins them, an unchanged
// key passes silently, a changed one is refused (exit 7, nothing sent or stored) until the run
// says --accept-key-change. The change is simulated the only way a peer's identity can differ
// for us: the pin in the state folder names another key.
import { asOrgId, type OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openCliServices } from '../../electron/services/cli/cli-services.ts';
import { makePdf, runCli, startTestRelay, type TestRelay } from './helpers.ts';

const run = runCli;
/** Each CLI run is a fresh Node process that loads the services: slow on a busy machine. */
const CLI_TEST_TIMEOUT_MS = 180_000;

/** The pins of a CLI state folder, read through the services the CLI runs on. */
async function withState<T>(keysPath: string, stateDir: string | null, use: (pins: import('../../electron/services/desk-services.ts').DeskServices['pins'], orgIds: () => string[]) => T | Promise<T>): Promise<T> {
  const c = await openCliServices({ keysPath, stateDir, log: () => undefined });
  try {
    return await use(c.s.pins, () => c.s.db.prepare('SELECT peer_org_id FROM key_pins').all().map((r) => (r as { peer_org_id: string }).peer_org_id));
  } finally {
    await c.close();
  }
}

/** Makes the state folder's pin name another key for `orgId`, as if the peer's keys had changed. */
async function tamperPin(keysPath: string, stateDir: string | null, orgId: OrgId): Promise<string> {
  const c = await openCliServices({ keysPath, stateDir, log: () => undefined });
  try {
    const real = (await c.s.pins.pinned(asOrgId(orgId)))!;
    c.s.db.prepare("UPDATE key_pins SET fingerprint = ?, bundle_fingerprints = '[]' WHERE peer_org_id = ?").run('ab'.repeat(32), orgId);
    return real;
  } finally {
    await c.close();
  }
}

describe('fxe-desk CLI key pinning', () => {
  let relay: TestRelay;
  let northside: string;
  let harbor: string;
  let pdfFile: string;

  beforeAll(async () => {
    relay = await startTestRelay();
    northside = relay.orgs[0]!.keysZipPath;
    harbor = relay.orgs[1]!.keysZipPath;
    pdfFile = join(relay.dir.path, 'pinned.pdf');
    writeFileSync(pdfFile, makePdf(1, 2_000));
  });
  afterAll(async () => { await relay?.close(); });

  it('send pins the recipient beside the keys.zip and refuses a changed key unless accepted', async () => {
    const sendArgs = ['send', '--keys', northside, '--to', '+15552220002', '--from', '+15551110001', pdfFile];
    const first = await run(sendArgs);
    expect(first.code).toBe(0);
    expect(existsSync(join(dirname(northside), 'keys.fxe-state'))).toBe(true);
    const harborOrg = relay.orgs[1]!.orgId;
    expect(await withState(northside, null, (pins) => pins.pinned(asOrgId(harborOrg)))).toMatch(/^[0-9a-f]{64}$/);

    expect((await run(sendArgs)).code).toBe(0); // unchanged: silent

    const real = await tamperPin(northside, null, harborOrg);
    const refused = await run(sendArgs);
    expect(refused.code).toBe(7);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/security keys of Harbor Pharmacy .* changed/);
    expect(refused.stderr).toMatch(/--accept-key-change/);

    const accepted = await run([...sendArgs.slice(0, -1), '--accept-key-change', pdfFile]);
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toMatch(/warning: accepted new keys/);
    expect(await withState(northside, null, (pins) => pins.pinned(asOrgId(harborOrg)))).toBe(real);

    // Three faxes went out (the refused one never left): the receiver sees exactly three.
    const out = join(relay.dir.path, 'harbor-inbox');
    const state = join(relay.dir.path, 'harbor-state');
    const received = await run(['receive', '--keys', harbor, '--out', out, '--once', '--state', state]);
    expect(received.code).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.pdf'))).toHaveLength(3);
    expect(await withState(harbor, state, (_pins, orgIds) => orgIds())).toEqual([relay.orgs[0]!.orgId]);
  }, CLI_TEST_TIMEOUT_MS);

  it('receive holds faxes from a sender whose key changed (left on the relay) until accepted', async () => {
    const state = join(relay.dir.path, 'harbor-state');
    const out = join(relay.dir.path, 'harbor-inbox-2');
    await tamperPin(harbor, state, relay.orgs[0]!.orgId);
    const sent = await run(['send', '--keys', northside, '--to', '+15552220002', '--from', '+15551110001', pdfFile]);
    expect(sent.code).toBe(0);
    const id = sent.stdout.trim();

    const held = await run(['receive', '--keys', harbor, '--out', out, '--once', '--state', state]);
    expect(held.code).toBe(7);
    expect(held.stderr).toMatch(/sender's security keys changed/);
    expect(existsSync(join(out, `${id}.pdf`))).toBe(false);
    expect(existsSync(join(out, `${id}.rejected`))).toBe(false);

    const ok = await run(['receive', '--keys', harbor, '--out', out, '--once', '--state', state, '--accept-key-change']);
    expect(ok.code).toBe(0);
    expect(existsSync(join(out, `${id}.pdf`))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, `${id}.json`), 'utf8'))).toMatchObject({ message_id: id, receipt_sent: true });

    // status checks the recipient's receipt key against the sender's pins too.
    const st = await run(['status', '--keys', northside, id]);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ status: 'delivered', receipt_verified: true });
  }, CLI_TEST_TIMEOUT_MS);
});
