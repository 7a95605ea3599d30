// IPC fuzz: the renderer is untrusted input. For every request channel, a table of malformed
// payloads (wrong types, missing fields, huge strings, prototype-pollution keys, NaN, negative
// and huge numbers, non-E.164 numbers, path traversal in ids) goes through desk.invoke, the
// very function the Electron shell hands to ipcMain. Every call must resolve to a Result, a
// refusal must carry a stable code and a plain sentence, nothing may throw, hang or pollute
// Object.prototype, and the refused calls must change nothing.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REQUEST_CHANNELS, type RequestChannel } from '../../shared/ipc/contract.ts';
import type { Result } from '../../shared/domain/types.ts';
import { importOrg, makePdf, openTestDesk, startTestRelay, tempDir, type TestDesk, type TestRelay } from '../services/helpers.ts';

const HUGE = 'x'.repeat(2 * 1024 * 1024);
const TRAVERSAL = ['../../etc/passwd', '..\\..\\windows\\system32', '/etc/passwd', 'a/../../b', '%2e%2e%2f', 'id\u0000.pdf', ''];
/** Payload values no field of any channel accepts as-is (per field, they replace a valid value). */
const BAD_VALUES: unknown[] = [
  undefined, null, true, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e308, -1e308, 2 ** 53 + 1,
  '', HUGE, '+1', '555-1234', '+1555123456789012345', '0015551234567', [], [HUGE], {}, { __proto__: { polluted: true } },
  ...TRAVERSAL,
];
/** Whole payloads that are not even objects. */
const NOT_OBJECTS: unknown[] = ['x', 42, Number.NaN, true, [], [1, 2], HUGE];

const UNKNOWN_ORG = 'org_does_not_exist';
const FAX = '00000000-0000-4000-8000-000000000000';

/** A payload per channel that passes validation (with an org/fax that does not exist, so nothing happens). */
function baseline(pdf: Uint8Array): Record<RequestChannel, Record<string, unknown>> {
  return {
    'app.status': {}, 'demo.start': {}, 'orgs.importKeysZip': {},
    'orgs.redeemInvite': { relayUrl: 'http://127.0.0.1:9', token: 'tok_abcdef', orgName: 'Clinic', faxNumbers: ['+15551234567'] },
    'orgs.setActive': { orgId: UNKNOWN_ORG }, 'orgs.remove': { orgId: UNKNOWN_ORG },
    'orgs.exportBackup': { orgId: UNKNOWN_ORG, passphrase: 'a long enough passphrase' }, 'orgs.rotateKeys': { orgId: UNKNOWN_ORG },
    'orgs.importBackup': { passphrase: 'a long enough passphrase' },
    'faxes.list': { folder: 'inbox', offset: 0, limit: 10, query: 'x', tag: 't', orgId: UNKNOWN_ORG },
    'faxes.get': { id: FAX }, 'faxes.document': { id: FAX }, 'faxes.markRead': { ids: [FAX], read: true },
    'faxes.archive': { ids: [FAX], archived: true }, 'faxes.delete': { ids: [FAX] }, 'faxes.undoDelete': { undoToken: 'deadbeefdeadbeef' },
    'trash.list': { offset: 0, limit: 10 }, 'trash.restore': { ids: [FAX] }, 'trash.deleteForever': { ids: [FAX] }, 'trash.empty': {},
    'faxes.setTags': { id: FAX, tags: ['a'] }, 'faxes.setNote': { id: FAX, note: 'n' }, 'faxes.print': { id: FAX }, 'faxes.saveAs': { id: FAX },
    'faxes.printDeliveryConfirmation': { id: FAX }, 'faxes.resend': { id: FAX }, 'faxes.sendViaPstn': { id: FAX },
    'faxes.forward': { id: FAX, to: '+15551234567', from: '+15551110001' }, 'faxes.tags': {}, 'faxes.lines': { orgId: UNKNOWN_ORG },
    'faxes.assign': { id: FAX, assignee: 'Dana' }, 'faxes.audit': { id: FAX },
    'office.status': {}, 'office.leave': {},
    'office.join': { url: 'postgresql://desk:pw@127.0.0.1:9/office', personName: 'Dana', deskName: 'Front desk', create: false, importKeysZip: false },
    'send.check': { orgId: UNKNOWN_ORG, to: '+15551234567' },
    'send.acceptKeyChange': { orgId: UNKNOWN_ORG, recipientOrgId: UNKNOWN_ORG, newFingerprint: 'a'.repeat(64) },
    'send.submit': { orgId: UNKNOWN_ORG, to: '+15551234567', from: '+15551110001', fileName: 'a.pdf', pdf, coverPage: null, route: 'fxe' },
    'compose.build': { files: [{ fileName: 'a.pdf', data: pdf, removePages: [] }], paper: 'a4', cover: null },
    'faxes.setPageRotation': { id: FAX, page: 1, degrees: 90 }, 'faxes.pageTurns': { id: FAX },
    'contacts.list': { query: 'x' }, 'contacts.save': { name: 'N', organisation: 'O', faxNumber: '+15551234567', id: 'c_does_not_exist' },
    'contacts.delete': { id: 'c_does_not_exist' }, 'contacts.importCsv': { csv: 'name,fax\n' }, 'contacts.exportCsv': {},
    'send.submitGroup': { orgId: UNKNOWN_ORG, recipients: [{ to: '+15551234567', route: 'fxe', name: 'N' }], sendAt: null, from: '+15551110001', fileName: 'a.pdf', pdf, coverPage: null },
    'outbox.cancelScheduled': { id: FAX }, 'outbox.sendNow': { id: FAX },
    'faxes.transmissionReport': { id: FAX, thumbnailPng: null, timeZone: 'Europe/Paris', action: 'print' },
    'reports.activity': { direction: 'all', fromMs: 0, toMs: 1, format: 'csv', timeZone: 'UTC', orgId: UNKNOWN_ORG },
    'groups.list': {}, 'groups.save': { id: 'g_does_not_exist', name: 'G' }, 'groups.delete': { id: 'g_does_not_exist' },
    'groups.setMembers': { id: 'g_does_not_exist', contactIds: ['c_does_not_exist'] },
    'keys.changes': { orgId: UNKNOWN_ORG }, 'keys.keepBlocked': { orgId: UNKNOWN_ORG, peerOrgId: UNKNOWN_ORG },
    'covers.list': {}, 'covers.delete': { id: 'ct_does_not_exist' }, 'covers.removeLogo': {},
    'covers.save': { id: 'ct_does_not_exist', name: 'T', officeName: '', fromNumber: '', replyFax: '', replyPhone: '', notice: '', message: '', isDefault: false },
    'covers.setLogo': { fileName: 'logo.png', data: new Uint8Array([1, 2, 3]) },
    'settings.get': {}, 'settings.update': { theme: 'dark' },
    'settings.configurePstn': { provider: null, fromNumber: '', credentials: {} },
    'orgs.setFacts': { orgId: 'org_x', faxNumbers: ['+15551110001'] },
    'receiving.status': {}, 'receiving.configureTunnel': { enabled: false }, 'receiving.setWebhookSecret': { orgId: 'org_x', secret: 'whsec_0123456789abcdef' },
  };
}

/** Never hang: a call that takes longer than this is reported as a hang (not a speed check). */
const HANG_MS = 15_000;

async function invokeBounded(t: TestDesk, channel: string, payload: unknown): Promise<Result<unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${channel} hung`)), HANG_MS); });
  try {
    return await Promise.race([t.desk.invoke(channel as RequestChannel, payload as never), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A refusal a receptionist can read: stable code, one or more plain sentences, no stack. */
function expectPlainRefusal(r: Result<unknown>, where: string): void {
  expect(r.ok, where).toBe(false);
  if (r.ok) return;
  expect(r.error.code, where).toMatch(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/);
  // Words ending in a full stop (messages may start with "fxe Desk" or the number refused).
  expect(r.error.message, where).toMatch(/^\S.* .*[.!?)]$/s);
  expect(r.error.message.length, where).toBeLessThan(400);
  expect(r.error.message, where).not.toMatch(/\bat .*\(.*:\d+:\d+\)|TypeError|ReferenceError|SqliteError|undefined|\[object Object\]/);
}

describe('IPC fuzz: malformed payloads on every channel', () => {
  let relay: TestRelay;
  let dirs: { path: string; remove(): void };
  let t: TestDesk;
  let orgId: OrgId;
  const pdf = makePdf(1);

  beforeAll(async () => {
    relay = await startTestRelay();
    dirs = tempDir('ipc-fuzz');
    t = await openTestDesk(join(dirs.path, 'desk'), { timings: { relayRetries: 0, relayTimeoutMs: 3_000 } });
    orgId = await importOrg(t, relay.orgs[0]!.keysZipPath);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await relay?.close();
    dirs?.remove();
  });

  it('covers every channel of the contract', () => {
    expect(Object.keys(baseline(pdf)).sort()).toEqual([...REQUEST_CHANNELS].sort());
  });

  it('refuses a payload that is not an object, on every channel', async () => {
    for (const channel of REQUEST_CHANNELS) {
      for (const payload of NOT_OBJECTS) expectPlainRefusal(await invokeBounded(t, channel, payload), `${channel} ← ${typeof payload}`);
    }
  }, 120_000);

  it('answers every field mutation with a Result, never a throw, a hang or a polluted prototype', async () => {
    const base = baseline(pdf);
    let calls = 0;
    let refused = 0;
    for (const channel of REQUEST_CHANNELS) {
      const fields = Object.keys(base[channel]);
      const variants: unknown[] = [
        // Every field missing in turn, then each replaced by each bad value.
        ...fields.map((f) => { const o = { ...base[channel] }; delete o[f]; return o; }),
        ...fields.flatMap((f) => BAD_VALUES.map((v) => ({ ...base[channel], [f]: v }))),
        // Prototype-pollution keys as they arrive from JSON (own properties named __proto__).
        JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}`),
        Object.assign(JSON.parse('{"__proto__": {"polluted": true}}') as object, base[channel]),
      ];
      for (const payload of variants) {
        const r = await invokeBounded(t, channel, payload);
        calls++;
        expect(typeof r.ok, channel).toBe('boolean');
        if (!r.ok) { refused++; expectPlainRefusal(r, `${channel} ← ${JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'string' && v.length > 50 ? `${v.slice(0, 20)}…` : v))?.slice(0, 200)}`); }
      }
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    console.info(`ipc fuzz: ${calls} field mutations over ${REQUEST_CHANNELS.length} channels, ${refused} refused`);
    expect(calls).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(calls * 0.8);
    // The process is fine and the desk still answers.
    expect((await t.desk.invoke('app.status', {})).ok).toBe(true);
  }, 300_000);

  it('refuses ids with path traversal, NaN and out-of-range numbers, and non-E.164 numbers, by name', async () => {
    for (const id of TRAVERSAL) {
      for (const channel of ['faxes.get', 'faxes.document', 'faxes.saveAs', 'faxes.print'] as const) {
        const r = await invokeBounded(t, channel, { id });
        expectPlainRefusal(r, `${channel} ${id}`);
        expect(!r.ok && r.error.code).toBe('invalid_request');
      }
      const del = await invokeBounded(t, 'faxes.delete', { ids: [FAX, id] });
      expect(!del.ok && del.error.code).toBe('invalid_request');
    }
    for (const n of [Number.NaN, -1, 501, 1.5, 1e308]) {
      const r = await invokeBounded(t, 'faxes.list', { folder: 'inbox', offset: 0, limit: n });
      expect(!r.ok && r.error.code, String(n)).toBe('invalid_request');
    }
    for (const to of ['+1', '15551234567', '+1 555 123 4567', '+999999999999999', `+1555${'1'.repeat(20)}`]) {
      const r = await invokeBounded(t, 'send.check', { orgId, to });
      expectPlainRefusal(r, to);
      expect(!r.ok && r.error.code, to).toMatch(/^invalid_(fax_number|request)$/);
    }
  }, 60_000);

  it('refuses a 101 MiB file and a non-PDF with a clear sentence, and stores nothing', async () => {
    const big = new Uint8Array(101 * 1024 * 1024);
    big.set(pdf);
    const tooBig = await invokeBounded(t, 'send.submit', { orgId, to: '+15552220002', from: '+15551110001', fileName: 'big.pdf', pdf: big, coverPage: null, route: 'fxe' });
    expectPlainRefusal(tooBig, '101 MiB');
    expect(!tooBig.ok && tooBig.error.code).toBe('pdf.too_large');
    for (const bytes of [new TextEncoder().encode('GIF89a not a pdf at all'), new Uint8Array(0), pdf.subarray(0, pdf.length - 20), new TextEncoder().encode('<html><script>alert(1)</script></html>')]) {
      const r = await invokeBounded(t, 'send.submit', { orgId, to: '+15552220002', from: '+15551110001', fileName: 'x.pdf', pdf: bytes, coverPage: null, route: 'fxe' });
      expectPlainRefusal(r, 'non-PDF');
      expect(!r.ok && r.error.code).toMatch(/^pdf\.(invalid|empty)$/);
    }
    for (const folder of ['outbox', 'sent'] as const) expect((await t.call('faxes.list', { folder, offset: 0, limit: 10 })).total).toBe(0);
  }, 120_000);

  it('refuses a broken keys.zip with a clear sentence and keeps the org it already has', async () => {
    const good = readFileSync(relay.orgs[1]!.keysZipPath);
    const cases: [string, Uint8Array][] = [
      ['junk', new TextEncoder().encode('this is not a zip file')],
      ['truncated', good.subarray(0, Math.floor(good.length / 2))],
      ['bit-flipped', (() => { const c = Buffer.from(good); c[Math.floor(c.length / 3)]! ^= 0xff; return c; })()],
      ['empty', new Uint8Array(0)],
      ['oversized', new Uint8Array(3 * 1024 * 1024)],
    ];
    for (const [name, bytes] of cases) {
      const path = join(dirs.path, `${name}.zip`);
      writeFileSync(path, bytes);
      t.nextOpen = path;
      const r = await invokeBounded(t, 'orgs.importKeysZip', {});
      expectPlainRefusal(r, name);
      expect(!r.ok && r.error.code, name).toMatch(/keys_zip_invalid|file\.read_failed/);
    }
    t.nextOpen = join(dirs.path, 'no-such-file.zip');
    expectPlainRefusal(await invokeBounded(t, 'orgs.importKeysZip', {}), 'missing file');
    t.nextOpen = null;
    const status = await t.call('app.status', {});
    expect(status.orgs.map((o) => o.orgId)).toEqual([orgId]);
  }, 60_000);

  it('refuses unknown channels with a Result too', async () => {
    for (const channel of ['__proto__', 'constructor', 'toString', 'faxes.list ', '', 'x'.repeat(10_000)]) {
      expectPlainRefusal(await invokeBounded(t, channel, {}), channel.slice(0, 20));
    }
  });
});
