// A key backup file is untrusted input: its scrypt cost must be the one we write (not up to
// 256 MiB chosen by whoever made the file), and the derivation must not block the main
// thread, where the whole desk (and its window) runs.
import { asOrgId } from '../../shared/domain/ids.ts';
import { describe, expect, it } from 'vitest';
import { decryptBackup, encryptBackup } from '../../electron/services/vault/backup.ts';
import { DeskError } from '../../electron/services/errors.ts';

const PASS = 'correct horse battery staple';
const ZIP = new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3, 4, 5]);

async function codeOf(p: unknown): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof DeskError ? e.code : `not a DeskError: ${String(e)}`;
  }
}

describe('backup passphrase derivation', () => {
  it('round-trips, and refuses any scrypt cost other than the one it writes', async () => {
    const text = await encryptBackup(asOrgId('org_x'), ZIP, PASS);
    expect(Array.from((await decryptBackup(text, PASS)).keysZip)).toEqual(Array.from(ZIP));
    expect(await codeOf(decryptBackup(text, 'wrong passphrase!'))).toBe('backup.wrong_passphrase');
    for (const kdf of [{ N: 1 << 17 }, { r: 16 }, { p: 2 }, { N: 1 << 14 }, { N: '32768' }]) {
      const f = JSON.parse(text) as { kdf: Record<string, unknown> };
      Object.assign(f.kdf, kdf);
      expect(await codeOf(decryptBackup(JSON.stringify(f), PASS)), JSON.stringify(kdf)).toBe('backup.unsupported_kdf');
    }
  });

  it('derives the key off the main thread: the event loop keeps turning meanwhile', async () => {
    const text = await encryptBackup(asOrgId('org_x'), ZIP, PASS);
    let turns = 0;
    let running = true;
    const spin = (): void => { if (running) { turns += 1; setImmediate(spin); } };
    setImmediate(spin);
    const opened = decryptBackup(text, PASS);
    expect(opened).toBeInstanceOf(Promise);
    await opened;
    running = false;
    expect(turns).toBeGreaterThan(0);
  });
});
