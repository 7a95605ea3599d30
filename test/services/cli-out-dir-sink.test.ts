// The CLI's receive sink with a body larger than its write-back step (out-dir-sink.ts starts
// a background datasync every 8 MiB so the final fsync waits for the tail only): the PDF
// lands byte for byte, the temp file never outlives a commit or an abort (even one that comes
// while a datasync is still running), and nothing else is left in the folder.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outDirSink } from '../../electron/services/cli/out-dir-sink.ts';
import { asOrgId, type MessageId } from '../../shared/domain/ids.ts';
import type { Envelope } from '../../shared/protocol/index.ts';
import type { VerifiedFax } from '../../electron/services/receiver/receive-sink.ts';
import { tempDir } from './helpers.ts';

const MiB = 1024 * 1024;
const org = asOrgId('org_test');

function envelopeFor(id: string): Envelope {
  return {
    message_id: id, suite: 'fxe-v1-mlkem768-x25519-xchacha20', sender_org_id: 'org_sender', sender_key_bundle_id: 'b1', recipient_org_id: 'org_test',
    from_number: '+15551110001', from_name: null, to_number: '+15552220002', size: 0, ciphertext_sha256: '00'.repeat(32),
    metadata: { filename: 'a.pdf' }, created_at: 1_767_225_600, sender_sig: 'x', wrapped_keys: [],
  };
}

function verified(id: string, size: number): VerifiedFax {
  const envelope = envelopeFor(id);
  return {
    orgId: org, envelope, messageId: id as MessageId, senderOrgId: asOrgId('org_sender'), sizeBytes: size, metadata: envelope.metadata,
    receipt: { message_id: id, ciphertext_sha256: '00'.repeat(32), recipient_bundle_id: 'b1', signed_at: 1, recipient_sig: 'y' }, nowMs: 0,
  };
}

describe('outDirSink: bodies past the write-back step', () => {
  let dir: { path: string; remove(): void } | undefined;
  afterEach(() => dir?.remove());

  it('stores a 20 MiB fax byte for byte, with only its .pdf and .json left in the folder', async () => {
    dir = tempDir('out-dir-sink');
    const sink = outDirSink(dir.path, () => undefined);
    const id = '0f8e2c4a-1b2c-4d3e-8f90-a1b2c3d4e5f6';
    const body = randomBytes(20 * MiB + 123);
    const writer = sink.open(org, envelopeFor(id), id as MessageId);
    for (let at = 0; at < body.length; at += MiB) await writer.write(body.subarray(at, at + MiB));
    // Synchronous: the receive journal commits it inside its SQLite transaction.
    expect(typeof writer.commit(verified(id, body.length))).toBe('string');
    expect(readdirSync(dir.path).sort()).toEqual([`${id}.json`, `${id}.pdf`]);
    expect(readFileSync(join(dir.path, `${id}.pdf`)).equals(body)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir.path, `${id}.json`), 'utf8'))).toMatchObject({ message_id: id, file: `${id}.pdf`, receipt_sent: false });
  });

  it('an abort right after a datasync started removes the temp file and leaves nothing', async () => {
    dir = tempDir('out-dir-sink-abort');
    const sink = outDirSink(dir.path, () => undefined);
    const id = '1f8e2c4a-1b2c-4d3e-8f90-a1b2c3d4e5f6';
    const writer = sink.open(org, envelopeFor(id), id as MessageId);
    for (let i = 0; i < 9; i++) await writer.write(randomBytes(MiB)); // past 8 MiB: a datasync is under way
    await writer.abort();
    expect(readdirSync(dir.path)).toEqual([]);
  });
});
