// A download damaged on the way (a flaky proxy between the desk and the real relay) is not a
// forgery: the desk fetches the fax again a few times before it rejects it for good.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePdf, type TestDesk } from './helpers.ts';
import type { TamperProxy } from './tamper-proxy.ts';
import { openProxiedDesks, type ProxiedDesks } from './proxied-desks.ts';

describe('a damaged download', () => {
  let proxy: TamperProxy;
  let scene: ProxiedDesks;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let damaged = 0;

  beforeEach(async () => {
    scene = await openProxiedDesks('refetch', 'b');
    ({ proxy, a, b, aOrg } = scene);
    damaged = 0;
  });

  afterEach(async () => {
    await scene.close();
  });

  /** Flip one byte of the next `times` ciphertext downloads (raw or inside the JSON fetch). */
  function damage(times: number): void {
    proxy.rewrite = (req, status, body) => {
      if (req.method !== 'GET' || status !== 200 || damaged >= times) return null;
      if (/^\/v1\/messages\/[^/]+\/ciphertext$/.test(req.path)) {
        damaged++;
        const out = Buffer.from(body);
        out[out.length >> 1] = (out[out.length >> 1] ?? 0) ^ 0x01;
        return { body: out };
      }
      if (/^\/v1\/messages\/[0-9a-f-]+$/.test(req.path)) {
        damaged++;
        const v = JSON.parse(body.toString('utf8')) as { ciphertext: string };
        const i = v.ciphertext.length >> 1;
        v.ciphertext = `${v.ciphertext.slice(0, i)}${v.ciphertext[i] === 'A' ? 'B' : 'A'}${v.ciphertext.slice(i + 1)}`;
        return { body: JSON.stringify(v) };
      }
      return null;
    };
  }

  async function send(): Promise<Uint8Array> {
    const pdf = makePdf(1, 4_000);
    await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'lab.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    return pdf;
  }

  it('is fetched again and stored when a later download is intact', async () => {
    const pdf = await send();
    damage(2);
    expect(await b.desk.pollNow()).toBe(1);
    expect(damaged).toBe(2);
    const [fax] = (await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 1 })).items;
    expect(Buffer.from((await b.call('faxes.document', { id: fax!.id })).pdf).equals(Buffer.from(pdf))).toBe(true);
    expect(b.events.filter((e) => e.type === 'receive.error')).toEqual([]);
  });

  it('is rejected only after three damaged downloads', async () => {
    await send();
    damage(1_000);
    expect(await b.desk.pollNow()).toBe(0);
    expect(damaged).toBe(3);
    const err = b.events.find((e) => e.type === 'receive.error');
    expect(err?.type === 'receive.error' ? err.error.code : '').toBe('protocol.hash_mismatch');
  });
});
