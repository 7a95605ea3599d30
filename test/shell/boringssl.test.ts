// The app's crypto as Electron's main process runs it: BoringSSL's node:crypto has no
// chacha20-poly1305 cipher and no ML-KEM (test/electron/boringssl-crypto.ts). Under the
// stand-in's loader, the app's own backend selection runs in the main thread and in worker
// threads, and what it seals still opens with the independent noble implementation.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const register = fileURLToPath(new URL('../electron/register.cjs', import.meta.url));
const probe = fileURLToPath(new URL('./fixtures/crypto-probe.ts', import.meta.url));

function runProbe(withStandIn: boolean): Record<string, unknown> {
  const args = [...(withStandIn ? ['--require', register] : []), '--no-warnings', probe];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, FXE_STANDIN_USER_DATA: '/nonexistent' } }).trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('BoringSSL-shaped node:crypto', () => {
  it('main thread and workers lack chacha20-poly1305 and ML-KEM; the app falls back to noble for those and stays compatible', () => {
    const r = runProbe(true);
    expect(r).toMatchObject({ chachaMain: false, chachaWorker: false, mlkem: false, backend: 'node-sha+noble-chacha', nativeChacha: false, interop: 'a fax page' });
    expect(r['asymmetric']).not.toContain('mlkem768Encapsulate');
  });

  it('is the stand-in that removes them (plain Node has both)', () => {
    expect(runProbe(false)).toMatchObject({ chachaMain: true, mlkem: true, nativeChacha: true });
  });
});
