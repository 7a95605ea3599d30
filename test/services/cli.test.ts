// The headless CLI as a user runs it: a child process (`node --experimental-strip-types
// electron/services/cli/main.ts …`) against a real relay, with keys.zip files and real PDFs.
// On both relay profiles: with our extensions `receive --once` polls; on a relay that offers
// only what the reference relay offers, `receive --listen` takes the operator-registered webhook.
import { asOrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { RELAY_PROFILES } from '../../electron/relay/index.ts';
import { cliArgv, freePort, makePdf, runCli, startTestRelay, waitFor, type TestRelay } from './helpers.ts';

const run = runCli;
/** Each CLI run is a fresh Node process that loads the services: slow on a busy machine. */
const CLI_TEST_TIMEOUT_MS = 180_000;

/**
 * `receive --listen` in the background: once it listens, `meanwhile` runs (the send), then it
 * runs until `until`, and is stopped as a service is (SIGTERM).
 */
async function receiveByWebhook(args: string[], meanwhile: () => Promise<void>, until: () => boolean): Promise<{ code: number; stderr: string }> {
  const child = spawn(process.execPath, cliArgv(args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  try {
    await waitFor('the CLI to listen', () => /listening on/.test(stderr) || child.exitCode !== null, 90_000);
    await meanwhile();
    await waitFor('the CLI to store the fax', () => until() || child.exitCode !== null, 90_000);
  } finally {
    child.kill('SIGTERM');
  }
  return { code: await exited, stderr };
}

describe.each(RELAY_PROFILES)('fxe-desk CLI (relay profile %s)', (profile) => {
  let relay: TestRelay;
  let northside: string;
  let harbor: string;

  beforeAll(async () => {
    relay = await startTestRelay({ profile });
    northside = relay.orgs[0]!.keysZipPath;
    harbor = relay.orgs[1]!.keysZipPath;
  });
  afterAll(async () => { await relay?.close(); });

  it('send prints the message id; receive stores PDF + verified JSON and sends the receipt; status shows the verified receipt', async () => {
    const pdf = makePdf(2, 20_000);
    const file = join(relay.dir.path, 'lab-results.pdf');
    writeFileSync(file, pdf);
    let id = '';
    const send = async (): Promise<void> => {
      const sent = await run(['send', '--keys', northside, '--to', '+15552220002', '--from', '+15551110001', '--name', 'Northside Clinic', file]);
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      id = sent.stdout.trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    };

    const out = join(relay.dir.path, 'inbox');
    if (profile === 'reference') {
      // The operator registers the gateway's webhook first (`npm run relay -- webhook`), then faxes come.
      const port = await freePort();
      const orgId = asOrgId((await readKeysZip(new Uint8Array(readFileSync(harbor)))).credentials.org_id);
      const secret = relay.registerWebhookAsOperator(orgId, `http://127.0.0.1:${port}/fxe-webhook/${orgId}`);
      const listened = await receiveByWebhook(['receive', '--keys', harbor, '--out', out, '--listen', String(port), '--webhook-secret', secret], send, () => {
        const meta = join(out, `${id}.json`);
        return existsSync(meta) && (JSON.parse(readFileSync(meta, 'utf8')) as { receipt_sent: boolean }).receipt_sent;
      });
      expect(listened.stderr).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/fxe-webhook\//);
      expect(listened.code).toBe(0);
    } else {
      await send();
      const received = await run(['receive', '--keys', harbor, '--out', out, '--once']);
      expect(received.code).toBe(0);
    }
    expect(readdirSync(out).sort()).toEqual([`${id}.json`, `${id}.pdf`]);
    expect(Buffer.from(readFileSync(join(out, `${id}.pdf`))).equals(Buffer.from(pdf))).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, `${id}.json`), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ message_id: id, from_number: '+15551110001', from_name: 'Northside Clinic', to_number: '+15552220002', receipt_sent: true, metadata: { filename: 'lab-results.pdf' } });

    if (profile === 'reference') {
      // No polling and no delivery status on this relay: each says so plainly.
      const once = await run(['receive', '--keys', harbor, '--out', out, '--once']);
      expect(once.code).toBe(6);
      expect(once.stderr).toMatch(/only by webhook: receive them with --listen/);
      expect(readdirSync(out)).toHaveLength(2);
      const st = await run(['status', '--keys', northside, id]);
      expect(st.code).toBe(6);
      expect(st.stderr).toMatch(/does not report delivery status/);
      return;
    }
    // Idempotent: a second pass stores nothing new.
    const again = await run(['receive', '--keys', harbor, '--out', out, '--once']);
    expect(again.code).toBe(0);
    expect(readdirSync(out)).toHaveLength(2);

    const st = await run(['status', '--keys', northside, id]);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ message_id: id, status: 'delivered', receipt_verified: true });
  }, CLI_TEST_TIMEOUT_MS);

  it('documents failures with exit codes: usage 2, not on fxe 3, not a PDF 4', async () => {
    expect((await run(['send', '--keys', northside])).code).toBe(2);
    // An id that is not a message id never reaches the relay's URL.
    const notAnId = await run(['status', '--keys', northside, '../orgs/me']);
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toMatch(/not a message id/);
    const pdfFile = join(relay.dir.path, 'one.pdf');
    writeFileSync(pdfFile, makePdf(1));
    const notOnFxe = await run(['send', '--keys', northside, '--to', '+15553334444', '--from', '+15551110001', pdfFile]);
    expect(notOnFxe.code).toBe(3);
    expect(notOnFxe.stderr).toMatch(/not on the fxe network/);
    const txt = join(relay.dir.path, 'notes.pdf');
    writeFileSync(txt, 'just text, named like a pdf');
    const bad = await run(['send', '--keys', northside, '--to', '+15552220002', '--from', '+15551110001', txt]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/not a PDF/);
  }, CLI_TEST_TIMEOUT_MS);
});
