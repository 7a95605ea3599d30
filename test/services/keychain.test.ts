// The OS keychain, for real: keytar against a Secret Service (a private gnome-keyring in its
// own D-Bus session), and keytar with no Secret Service at all. Each scenario runs in a child
// process so its D-Bus environment is its own, whatever session the test runner has.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { tempDir } from './helpers.ts';

const child = fileURLToPath(new URL('./fixtures/keytar-desk-child.ts', import.meta.url));

function run(mode: string, workDir: string, withKeyring: boolean): Record<string, unknown> {
  const node = process.execPath;
  const out = withKeyring
    ? execFileSync('dbus-run-session', ['--', 'sh', '-c', `echo -n fxe-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "${node}" --experimental-strip-types --no-warnings "${child}" ${mode} "${workDir}"`], {
        // A keyring of its own (XDG_DATA_HOME), so no state is shared with the user's or other runs.
        encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, XDG_DATA_HOME: join(workDir, 'xdg') },
      })
    : spawnSync(node, ['--experimental-strip-types', '--no-warnings', child, mode, workDir], {
        encoding: 'utf8', timeout: 90_000, env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/fxe-no-bus', DISPLAY: '' },
      }).stdout;
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('OS keychain', () => {
  it('runs import → send → receive with the vault key in a real Secret Service', () => {
    const dir = tempDir('keyring');
    try {
      const r = run('e2e', dir.path, true);
      expect(r['error']).toBeUndefined();
      expect(r['storedAtB']).toBe(1);
      expect(r['sameBytes']).toBe(true);
      expect(r['senderState']).toBe('delivered');
      expect(r['reopenedOrgs']).toBe(1);
    } finally {
      dir.remove();
    }
  });

  it('without a keychain: a clear error, and no key material on disk in plaintext', async () => {
    const dir = tempDir('nokeyring');
    try {
      const r = run('no-keychain', dir.path, false);
      const status = r['status'] as { ok: boolean; value: { keychainAvailable: boolean; keychainError: { code: string; message: string } } };
      expect(status.ok).toBe(true);
      expect(status.value.keychainAvailable).toBe(false);
      expect(status.value.keychainError.code).toBe('keychain.unavailable');
      expect(status.value.keychainError.message).toMatch(/keychain/i);
      const imported = r['import'] as { ok: boolean; error: { code: string } };
      expect(imported.ok).toBe(false);
      expect(imported.error.code).toBe('keychain.unavailable');

      // Scan everything the desk may have written for the org's secret key bytes.
      const keys = await readKeysZip(new Uint8Array(readFileSync((r['keysZipPaths'] as string[])[0]!)));
      const secrets = [keys.signingSeed, keys.bundleSeed, keys.x25519Secret, keys.mlkemSecret.subarray(0, 64)];
      const deskDir = join(dir.path, 'desk');
      const files = (() => { try { return filesUnder(deskDir); } catch { return []; } })();
      for (const f of files) {
        const bytes = readFileSync(f);
        for (const s of secrets) expect(bytes.indexOf(Buffer.from(s))).toBe(-1);
        expect(bytes.indexOf(Buffer.from('credentials.json'))).toBe(-1);
      }
    } finally {
      dir.remove();
    }
  });
});
