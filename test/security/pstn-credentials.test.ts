// A compromised renderer must not be able to send the saved PSTN API key anywhere: a new API
// address needs the key typed again, and the address must be https (plain http only to this
// computer, where the tests' provider stand-ins run).
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDesk, tempDir, type TestDesk } from '../services/helpers.ts';

const CALLER_ID = '+15551119999';
const KEY = 'mfx_live_secret_4Jd9';

describe('PSTN API address and key', () => {
  let dirs: { path: string; remove(): void };
  let desk: TestDesk;
  let thief: Server;
  let thiefUrl: string;
  const seenAuth: string[] = [];

  beforeAll(async () => {
    dirs = tempDir('pstn-key');
    desk = await openTestDesk(join(dirs.path, 'desk'), { autoStart: false });
    thief = createServer((req, res) => { seenAuth.push(req.headers.authorization ?? ''); res.end('{}'); });
    await new Promise<void>((r) => thief.listen(0, '127.0.0.1', r));
    const addr = thief.address();
    thiefUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    await desk.call('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: KEY, baseUrl: 'https://api.mintfax.example' } });
  });

  afterAll(async () => {
    await desk.close();
    await new Promise((r) => thief.close(r));
    dirs.remove();
  });

  it('a new API address without the key typed again is refused, and the saved address stays', async () => {
    for (const baseUrl of [thiefUrl, 'https://collector.example', '']) {
      const r = await desk.desk.invoke('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { baseUrl } });
      expect(r.ok, baseUrl).toBe(false);
      expect(!r.ok && r.error).toMatchObject({ code: 'pstn.api_key_required', message: 'The API address changed: enter the API key for mintfax again.' });
    }
    expect((await desk.call('settings.get', {})).pstn.baseUrl).toBe('https://api.mintfax.example');
    expect(seenAuth).toEqual([]);
    // Same address, key left empty: still fine (changing only the caller ID).
    await desk.call('settings.configurePstn', { provider: 'mintfax', fromNumber: '+15551118888', credentials: { baseUrl: 'https://api.mintfax.example' } });
    // A new address together with the key: the user typed it, so it is theirs to send.
    const moved = await desk.call('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: 'mfx_other', baseUrl: 'https://eu.mintfax.example' } });
    expect(moved.pstn.baseUrl).toBe('https://eu.mintfax.example');
  });

  it('only https, or http to this computer itself', async () => {
    for (const baseUrl of ['http://api.mintfax.example', 'http://10.0.0.7:8080', 'ftp://api.mintfax.example', 'https://user:pw@api.mintfax.example', 'not a url']) {
      const r = await desk.desk.invoke('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: KEY, baseUrl } });
      expect(!r.ok && r.error.code, baseUrl).toBe('pstn.invalid_base_url');
    }
    for (const baseUrl of ['http://127.0.0.1:9', 'http://localhost:9', 'https://api.mintfax.example']) {
      expect((await desk.call('settings.configurePstn', { provider: 'mintfax', fromNumber: CALLER_ID, credentials: { apiKey: KEY, baseUrl } })).pstn.baseUrl).toBe(baseUrl);
    }
  });
});
