// Deleting an outgoing fax while its upload is running stops the upload, against the real
// local relay: the desk's transport (the injected fetch) holds the upload's body after its
// first bytes until the test has deleted the fax, so the delete always lands mid-upload.
// The relay's own records then say whether the fax arrived.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { relayMessages } from '../office/office-scene.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from './helpers.ts';

describe('deleting a fax while it uploads', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let a: TestDesk;
  let aOrg: OrgId;
  /** The held upload: its first bytes went out, the rest waits for `release`. */
  let uploadHeld: Promise<void>;
  let release: () => void;

  beforeEach(async () => {
    relay = await startTestRelay();
    dirs = tempDir('delete-upload');
    let held: () => void = () => undefined;
    uploadHeld = new Promise<void>((resolve) => { held = resolve; });
    let gate: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => { gate = resolve; });
    release = gate;
    let first = true;
    a = await openTestDesk(join(dirs.path, 'a'), {
      autoStart: false,
      timings: { relayRetries: 0 },
      fetch: (input, init) => {
        const isUpload = init?.method === 'POST' && new URL(String(input)).pathname === '/v1/messages' && init.body instanceof ReadableStream;
        if (!isUpload || !first) return fetch(input, init);
        first = false;
        const source = (init.body as ReadableStream<Uint8Array>).getReader();
        let sentFirst = false;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (sentFirst) await opened;
            const step = await source.read();
            if (step.done) { controller.close(); return; }
            controller.enqueue(step.value);
            if (!sentFirst) { sentFirst = true; held(); }
          },
          async cancel(reason) { await source.cancel(reason); },
        });
        return fetch(input, { ...init, body });
      },
    });
    aOrg = await importOrg(a, relay.orgs[0]!.keysZipPath);
  });

  afterEach(async () => {
    release();
    await a.close();
    await relay.close();
    dirs.remove();
  });

  it('stops the upload: the fax does not arrive; restored from the Trash, it is sent once', async () => {
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'wrong-patient.pdf', pdf: makePdf(3, 400_000), coverPage: null, route: 'fxe' });
    const sending = a.desk.flushOutbox();
    await uploadHeld;
    const { undoToken } = await a.call('faxes.delete', { ids: [id] });
    release();
    await sending;
    const arrived = (): number => relayMessages(join(relay.dir.path, 'data')).filter((m) => m.message_id === id).length;
    expect(arrived()).toBe(0);
    const trash = await a.call('trash.list', { offset: 0, limit: 10 });
    expect(trash.items.map((f) => f.id)).toEqual([id]);
    expect(trash.items[0]!.state).not.toBe('sent');
    // Nothing sends it from the Trash.
    await a.desk.flushOutbox();
    expect(arrived()).toBe(0);

    // "Undo": it is sent after all, once, as the same message.
    await a.call('faxes.undoDelete', { undoToken });
    await waitFor('the restored fax sent', async () => { await a.desk.flushOutbox(); return (await a.call('faxes.get', { id })).state === 'sent'; });
    expect(arrived()).toBe(1);
  });
});
