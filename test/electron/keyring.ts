// A private Secret Service for the app under the stand-in: its own D-Bus session bus and an
// unlocked gnome-keyring in a folder of its own, so keytar (the app's real keychain) works
// exactly as on a Linux desktop, with no state shared with other runs. Needs dbus-daemon and
// gnome-keyring-daemon (test/run.sh checks for them).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivateKeyring {
  /** DBUS_SESSION_BUS_ADDRESS for the app's process. */
  address: string;
  stop(): void;
}

export function startPrivateKeyring(dir: string): PrivateKeyring {
  mkdirSync(join(dir, 'xdg'), { recursive: true });
  const out = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1', '--nopidfile'], { encoding: 'utf8' });
  const [address, pidText] = out.trim().split('\n');
  const pid = Number(pidText);
  if (!address || !Number.isInteger(pid)) throw new Error(`dbus-daemon did not start: ${out}`);
  const unlocked = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
    input: 'fxe-test', encoding: 'utf8', timeout: 30_000,
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: join(dir, 'xdg') },
  });
  if (unlocked.status !== 0) {
    process.kill(pid);
    throw new Error(`gnome-keyring-daemon did not start: ${unlocked.stderr}`);
  }
  // The keyring daemon leaves when its bus goes away.
  return { address, stop: () => { try { process.kill(pid); } catch { /* already gone */ } } };
}
