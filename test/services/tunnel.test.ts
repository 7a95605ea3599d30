// The built-in tunnel (ngrok agent library) for a desk behind NAT. The ngrok service cannot be
// reached from here, so the real library is driven up to the network boundary: starting it
// gives a clear error (no network, or a token the service refuses), never a hang or a crash;
// the authtoken stays in the vault, never on disk in plaintext, never in an answer.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tunnelError } from '../../electron/services/receiver/tunnel.ts';
import { freePort, openTwoDesks, type TwoDeskScene } from './helpers.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

describe('the built-in tunnel', () => {
  let scene: TwoDeskScene;
  const token = '2abcDEFghiJKLmnoPQRstuVWXyz_0123456789abcdefGHIJK';

  beforeAll(async () => {
    scene = await openTwoDesks('tunnel', {}, { profile: 'reference' });
  });
  afterAll(async () => { await scene?.close(); });

  it('without an authtoken, says what to do', async () => {
    const st = await scene.b.call('receiving.configureTunnel', { enabled: true });
    expect(st.tunnel).toMatchObject({ state: 'error', hasAuthtoken: false, error: { code: 'tunnel.no_authtoken' } });
  });

  it('starts the real ngrok library with the desk and reports a clear error at the network boundary', async () => {
    const port = await freePort();
    await scene.b.call('settings.update', { receiveMode: 'webhook', webhookListenPort: port, webhookTunnelUrl: '' });
    const st = await scene.b.call('receiving.configureTunnel', { enabled: true, authtoken: token });
    expect(st.tunnel.hasAuthtoken).toBe(true);
    expect(st.tunnel.state).toBe('error');
    // No network here: "cannot be reached"; with one, the service would refuse this made-up token.
    expect(['tunnel.unreachable', 'tunnel.bad_authtoken']).toContain(st.tunnel.error?.code);
    expect(st.tunnel.error?.message).toMatch(/tunnel/);
    expect(st.publicUrl).toBeNull();
    // Turned off: no tunnel, and the office's own address is used instead.
    const off = await scene.b.call('receiving.configureTunnel', { enabled: false });
    expect(off.tunnel.state).toBe('off');
    await scene.b.call('settings.update', { webhookTunnelUrl: `http://127.0.0.1:${port}` });
    expect((await scene.b.call('receiving.status', {})).publicUrl).toBe(`http://127.0.0.1:${port}`);
  });

  it('keeps the authtoken only in the vault: not on disk in plaintext, not in any answer', async () => {
    const needle = Buffer.from(token);
    for (const f of filesUnder(scene.b.dataDir)) expect(readFileSync(f).includes(needle), f).toBe(false);
    const answers = JSON.stringify([await scene.b.call('settings.get', {}), await scene.b.call('receiving.status', {}), scene.b.events]);
    expect(answers).not.toContain(token);
    const forgotten = await scene.b.call('receiving.configureTunnel', { enabled: false, authtoken: null });
    expect(forgotten.tunnel.hasAuthtoken).toBe(false);
  });

  it('maps the errors ngrok documents to sentences a receptionist understands', () => {
    expect(tunnelError(new Error('failed to connect session: failed to establish tcp connection')).code).toBe('tunnel.unreachable');
    expect(tunnelError(new Error('authentication failed: The authtoken you specified is properly formed, but it is invalid. ERR_NGROK_107')).code).toBe('tunnel.bad_authtoken');
    expect(tunnelError(new Error('something else')).code).toBe('tunnel.failed');
  });
});
