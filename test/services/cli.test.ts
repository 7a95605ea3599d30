// The headless CLI as a user runs it: a child process (`node --experimental-strip-types
// electron/services/cli/main.ts …`) against a real relay, with keys.zip files and real PDFs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePdf, runCli, startTestRelay, type TestRelay } from './helpers.ts';

const run = runCli;

describe('fxe-desk CLI', () => {
  let relay: TestRelay;
  let northside: string;
  let harbor: string;

  beforeAll(async () => {
    relay = await startTestRelay();
    northside = relay.orgs[0]!.keysZipPath;
    harbor = relay.orgs[1]!.keysZipPath;
  });
  afterAll(async () => { await relay?.close(); });

  it('send prints the message id; receive --once stores PDF + verified JSON and sends the receipt; status shows the verified receipt', async () => {
    const pdf = makePdf(2, 20_000);
    const file = join(relay.dir.path, 'lab-results.pdf');
    writeFileSync(file, pdf);
    const sent = await run(['send', '--keys', northside, '--to', '+15552220002', '--from', '+15551110001', '--name', 'Northside Clinic', file]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const id = sent.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const out = join(relay.dir.path, 'inbox');
    const received = await run(['receive', '--keys', harbor, '--out', out, '--once']);
    expect(received.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([`${id}.json`, `${id}.pdf`]);
    expect(Buffer.from(readFileSync(join(out, `${id}.pdf`))).equals(Buffer.from(pdf))).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, `${id}.json`), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ message_id: id, from_number: '+15551110001', from_name: 'Northside Clinic', to_number: '+15552220002', receipt_sent: true, metadata: { filename: 'lab-results.pdf' } });

    // Idempotent: a second pass stores nothing new.
    const again = await run(['receive', '--keys', harbor, '--out', out, '--once']);
    expect(again.code).toBe(0);
    expect(readdirSync(out)).toHaveLength(2);

    const st = await run(['status', '--keys', northside, id]);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ message_id: id, status: 'delivered', receipt_verified: true });
  });

  it('documents failures with exit codes: usage 2, not on fxe 3, not a PDF 4', async () => {
    expect((await run(['send', '--keys', northside])).code).toBe(2);
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
  });
});
