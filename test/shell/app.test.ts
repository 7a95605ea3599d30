// The app as Electron runs it: the real built main bundle (out/main/index.js, built by
// test/run.sh) in a child process, under the Electron stand-in (test/electron) and with
// BoringSSL-shaped node:crypto, driven over the real IPC contract: requests from the app
// window's main frame through ipcMain and the shell's sender checks, events back through
// webContents.send. The keychain is the real one (keytar on a private gnome-keyring), the relay
// the app's own demo relay or a real local relay, the fax provider the PSTN stand-in.
import type { FaxId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FaxDetail } from '../../shared/domain/types.ts';
import { launchApp, MAIN_BUNDLE, type RunningApp } from '../electron/control.ts';
import { startPrivateKeyring, type PrivateKeyring } from '../electron/keyring.ts';
import { startMintfaxStandIn, type MintfaxStandIn } from '../pstn/standins/mintfax.ts';
import { makePdf, startTestRelay, tempDir, waitFor, type TestRelay } from '../services/helpers.ts';
import { UNCOVERED } from '../services/pstn-helpers.ts';

if (!existsSync(MAIN_BUNDLE)) throw new Error('out/main/index.js is missing: run `npx electron-vite build` (test/run.sh does)');

let dirs: { path: string; remove(): void };
let keyring: PrivateKeyring;
const running = new Set<RunningApp>();

function launch(userData: string, extra: Parameters<typeof launchApp>[0]['env'] = {}, platform?: 'linux' | 'win32' | 'darwin'): RunningApp {
  const app = launchApp({ userData, env: { DBUS_SESSION_BUS_ADDRESS: keyring.address, ...extra }, ...(platform ? { platform } : {}) });
  running.add(app);
  void app.exited.then(() => running.delete(app));
  return app;
}

async function faxState(app: RunningApp, id: FaxId, states: FaxDetail['state'][], timeoutMs = 90_000): Promise<FaxDetail> {
  return waitFor(`fax ${id} to reach ${states.join('/')}`, async () => {
    const f = await app.call('faxes.get', { id });
    return states.includes(f.state) ? f : null;
  }, timeoutMs);
}

beforeAll(() => {
  dirs = tempDir('shell');
  keyring = startPrivateKeyring(dirs.path);
});

afterAll(() => {
  for (const app of running) app.kill();
  keyring?.stop();
  dirs?.remove();
});

describe('the built app under the Electron stand-in', () => {
  it('first launch → Try the demo → send → the other org receives → print → quit → launch again → the demo still works', async () => {
    const userData = join(dirs.path, 'demo-user');
    let app = launch(userData);
    await app.loaded;
    const status = await app.call('app.status', {});
    expect(status).toMatchObject({ orgs: [], keychainAvailable: true });

    const orgs = await app.call('demo.start', {});
    expect(orgs.map((o) => o.name)).toEqual(['Northside Clinic', 'Harbor Pharmacy']);
    const [clinic, pharmacy] = orgs as [typeof orgs[0], typeof orgs[0]];
    await app.call('settings.update', { pollIntervalSeconds: 1 });

    const pdf = makePdf(3, 40_000);
    const { id } = await app.call('send.submit', { orgId: clinic.orgId, to: pharmacy.faxNumbers[0]!, from: clinic.faxNumbers[0]!, fileName: 'referral.pdf', pdf, coverPage: null, route: 'fxe' });
    const sent = await faxState(app, id, ['delivered', 'failed']);
    expect(sent.failureReason).toBeNull();
    expect(sent.state).toBe('delivered');
    // Upload progress reached the window as outbox events over webContents.send.
    expect(app.events.some((e) => e.type === 'outbox.changed' && e.id === id && e.state === 'uploading')).toBe(true);

    // The pharmacy (the same app, the other demo org) received it, with its page count.
    const inbox = await waitFor('the fax in the pharmacy inbox', async () => {
      const list = await app.call('faxes.list', { folder: 'inbox', offset: 0, limit: 50 });
      const hit = list.items.find((f) => f.orgId === pharmacy.orgId && f.fileName === 'referral.pdf');
      return hit && hit.pages !== null ? hit : null;
    }, 90_000);
    expect(inbox.pages).toBe(3);
    expect(app.events.some((e) => e.type === 'fax.received' && e.id === inbox.id)).toBe(true);

    // Print: the hidden print window draws the pages and the OS dialog is confirmed.
    expect(await app.call('faxes.print', { id: inbox.id })).toEqual({ printed: true });
    const state = (await app.control('state')) as { record: { printJobs: { pages: number }[] } };
    expect(state.record.printJobs.at(-1)?.pages).toBe(3);

    expect(await app.quit()).toBe(0);

    // Launch again on the same userData: the demo relay comes back, the orgs still send.
    app = launch(userData);
    await app.loaded;
    const again = await app.call('app.status', {});
    expect(again.orgs.map((o) => o.orgId).sort()).toEqual([clinic.orgId, pharmacy.orgId].sort());
    expect(again.demoRunning).toBe(true);
    const second = await app.call('send.submit', { orgId: clinic.orgId, to: pharmacy.faxNumbers[0]!, from: clinic.faxNumbers[0]!, fileName: 'second.pdf', pdf: makePdf(1, 500), coverPage: null, route: 'fxe' });
    const done = await faxState(app, second.id, ['delivered', 'failed']);
    expect(done.failureReason).toBeNull();
    expect(done.state).toBe('delivered');
    expect(await app.quit()).toBe(0);
  }, 240_000);

  it('imports a keys.zip through the open dialog (a cancel first changes nothing), then sends a PSTN fax through the provider', async () => {
    let relay: TestRelay | undefined;
    let mintfax: MintfaxStandIn | undefined;
    try {
      relay = await startTestRelay();
      mintfax = await startMintfaxStandIn({ apiKey: 'mfx_test_shell_4Jq9' });
      const app = launch(join(dirs.path, 'import-user'));
      await app.loaded;
      await app.answerDialogs({ canceled: true });
      expect(await app.call('orgs.importKeysZip', {})).toBeNull();
      await app.answerDialogs({ canceled: false, filePaths: [relay.orgs[0]!.keysZipPath] });
      const org = await app.call('orgs.importKeysZip', {});
      expect(org).toMatchObject({ orgId: relay.orgs[0]!.orgId, name: relay.orgs[0]!.name });

      await app.call('settings.configurePstn', { provider: 'mintfax', fromNumber: '+15551119999', credentials: { apiKey: mintfax.apiKey, baseUrl: mintfax.url } });
      const { id } = await app.call('send.submit', { orgId: org!.orgId, to: UNCOVERED.success, from: relay.orgs[0]!.faxNumbers[0]!, fileName: 'lab.pdf', pdf: makePdf(2, 3_000), coverPage: null, route: 'pstn' });
      const done = await faxState(app, id, ['delivered', 'failed']);
      expect(done).toMatchObject({ state: 'delivered', route: 'pstn', failureReason: null });
      expect([...mintfax.faxes.values()].some((f) => f.idempotency_key === id)).toBe(true);
      expect(await app.quit()).toBe(0);
    } finally {
      await mintfax?.close();
      await relay?.close();
    }
  }, 180_000);

  it('without a keychain: the window opens, the status says why, nothing is stored, and the app still quits cleanly', async () => {
    const app = launch(join(dirs.path, 'nokeychain-user'), { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/fxe-no-bus' });
    await app.loaded;
    const status = await app.call('app.status', {});
    expect(status.keychainAvailable).toBe(false);
    expect(status.keychainError?.code).toBe('keychain.unavailable');
    const demo = await app.invoke('demo.start', {});
    expect(!demo.ok && demo.error.code).toBe('keychain.unavailable');
    expect(await app.quit()).toBe(0);
  });

  it('refuses a request from an iframe of the app window (sender checks of the real ipcMain handler)', async () => {
    const app = launch(join(dirs.path, 'iframe-user'));
    await app.loaded;
    const fromFrame = await app.invoke('app.status', {}, 'sub');
    expect(!fromFrame.ok && fromFrame.error.code).toBe('ipc_refused');
    const unknown = (await app.control('invoke', { channel: 'fxe:invoke', args: ['fs.readFile', { path: '/etc/passwd' }] })) as { ok: boolean; error?: { code: string } };
    expect(unknown.ok).toBe(false);
    expect(await app.quit()).toBe(0);
  });

  it('a failed start shows an error dialog and exits with a failure status (no process left without a window)', async () => {
    const app = launch(join(dirs.path, 'failing-user'), { FXE_STANDIN_FAULT: 'protocol.handle' });
    expect(await app.exited).toBe(1);
    expect(app.errorBoxes).toHaveLength(1);
    expect(app.errorBoxes[0]!.title).toMatch(/could not start/);
  });

  it('Windows log-off: session-end closes the services and ends the app, though the window only hides on close', async () => {
    const app = launch(join(dirs.path, 'logoff-user'), {}, 'win32');
    await app.loaded;
    // Closing the window keeps the app in the tray.
    await app.control('closeWindow');
    expect(((await app.control('state')) as { windows: unknown[] }).windows).toHaveLength(1);
    // The app registers for Windows notifications (AppUserModelID = electron-builder's appId).
    expect(((await app.control('state')) as { record: { appUserModelId: string } }).record.appUserModelId).toBe('network.fxe.desk');
    expect(await app.control('windowEvent', { event: 'query-session-end', reasons: ['logoff'] })).toBe(false);
    await app.control('windowEvent', { event: 'session-end', reasons: ['logoff'] });
    expect(await app.exited).toBe(0);
  });
});
