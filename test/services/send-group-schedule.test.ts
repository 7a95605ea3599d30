// Several recipients in one send, contact groups, and "Send later", through the real services
// and the real local relay. Each recipient gets a fax (and an envelope) of its own; one refused
// never holds up the others; a scheduled fax waits (through a restart) and is sealed only when
// it goes, so a key rotation in between is honoured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { asMessageId, type FaxId, type OrgId } from '../../shared/domain/ids.ts';
import { RelayClient } from '../../electron/services/relay-client/relay-client.ts';
import { makePdf, openTestDesk, openTwoDesks, waitFor, type TestDesk, type TwoDeskScene } from './helpers.ts';

const PHARMACY = '+15552220002';
const NOT_ON_FXE = '+15559990009';
const CLINIC = '+15551110001';

describe('sending to several recipients, and later', () => {
  let scene: TwoDeskScene;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;

  beforeAll(async () => {
    scene = await openTwoDesks('send-group', { b: { autoStart: false, timings: { relayRetries: 1, keyRotationGraceMs: 60_000 } } });
    ({ a, b, aOrg, bOrg } = scene);
  });

  afterAll(async () => {
    await a?.close(); // the desk reopened after the restart (the scene closes the first one)
    await scene?.close();
  });

  const state = async (t: TestDesk, id: FaxId) => (await t.call('faxes.get', { id })).state;

  it('gives each recipient its own fax and status; one not on fxe does not hold up the other', async () => {
    const pdf = makePdf(2, 2_000);
    const res = await a.call('send.submitGroup', {
      orgId: aOrg, from: CLINIC, fileName: 'rota.pdf', pdf, coverPage: { toName: '', fromName: 'Northside', subject: 'Weekend rota', message: '' },
      recipients: [{ to: PHARMACY, route: 'fxe', name: 'Harbor Pharmacy' }, { to: NOT_ON_FXE, route: 'fxe' }], sendAt: null,
    });
    expect(res.sendGroup).toMatch(/^s_/);
    expect(res.items.map((i) => [i.to, i.error])).toEqual([[PHARMACY, null], [NOT_ON_FXE, null]]);
    const [toPharmacy, toNobody] = res.items.map((i) => i.id!);
    await waitFor('both recipients settled', async () => {
      await a.desk.flushOutbox();
      return (await state(a, toPharmacy!)) === 'sent' && (await state(a, toNobody!)) === 'needs-pstn';
    });
    const detail = await a.call('faxes.get', { id: toPharmacy! });
    expect(detail.sendGroup).toBe(res.sendGroup);
    expect(detail.subject).toBe('Weekend rota');
    expect(detail.group?.map((m) => [m.id, m.peerNumber, m.state])).toEqual([[toPharmacy, PHARMACY, 'sent'], [toNobody, NOT_ON_FXE, 'needs-pstn']]);
    // Two outbox rows, two envelopes: the pharmacy's fax is its own message, readable there.
    expect(await b.desk.pollNow()).toBe(1);
    const inbox = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(inbox.items.map((f) => [f.id, f.subject])).toEqual([[toPharmacy, 'Weekend rota']]);
  });

  it('refuses the same number twice, and an empty list, in plain words', async () => {
    const base = { orgId: aOrg, from: CLINIC, fileName: 'x.pdf', pdf: makePdf(1), coverPage: null, sendAt: null };
    const twice = await a.desk.invoke('send.submitGroup', { ...base, recipients: [{ to: PHARMACY, route: 'fxe' }, { to: PHARMACY, route: 'fxe' }] });
    expect(twice.ok === false && twice.error).toMatchObject({ code: 'send.duplicate_recipient' });
    const none = await a.desk.invoke('send.submitGroup', { ...base, recipients: [] });
    expect(none.ok === false && none.error).toMatchObject({ code: 'send.no_recipient', message: 'Add at least one recipient in "To".' });
  });

  it('keeps contact groups: create, rename, members, and members leave with their contact', async () => {
    const ph = await a.call('contacts.save', { name: 'Harbor Pharmacy', organisation: 'Harbor', faxNumber: PHARMACY });
    const other = await a.call('contacts.save', { name: 'Bayview Dental', organisation: 'Bayview', faxNumber: '+15553330003' });
    const g = await a.call('groups.save', { name: 'Pharmacies' });
    expect(g.members).toEqual([]);
    expect((await a.call('groups.setMembers', { id: g.id, contactIds: [ph.id, other.id] })).members.map((m) => m.name)).toEqual(['Bayview Dental', 'Harbor Pharmacy']);
    const dup = await a.desk.invoke('groups.save', { name: 'pharmacies' });
    expect(dup.ok === false && dup.error.code).toBe('group.duplicate_name');
    expect((await a.call('groups.save', { id: g.id, name: 'Partners' })).name).toBe('Partners');
    await a.call('contacts.delete', { id: other.id });
    expect((await a.call('groups.list', {})).map((x) => [x.name, x.members.map((m) => m.faxNumber)])).toEqual([['Partners', [PHARMACY]]]);
    await a.call('groups.delete', { id: g.id });
    expect(await a.call('groups.list', {})).toEqual([]);
    expect((await a.call('contacts.list', {})).map((c) => c.name)).toEqual(['Harbor Pharmacy']);
  });

  it('a scheduled fax waits in the Outbox through a restart, and is sealed when it goes, to the keys of then', async () => {
    const pdf = makePdf(1, 1_000);
    const sendAt = Date.now() + 60 * 60_000;
    const res = await a.call('send.submitGroup', { orgId: aOrg, from: CLINIC, fileName: 'later.pdf', pdf, coverPage: null, recipients: [{ to: PHARMACY, route: 'fxe' }], sendAt });
    const id = res.items[0]!.id!;
    expect(res.sendGroup).toBeNull();
    await a.desk.flushOutbox();
    const waiting = await a.call('faxes.get', { id });
    expect([waiting.state, waiting.sendAt, waiting.folder]).toEqual(['scheduled', sendAt, 'outbox']);
    expect(waiting.ciphertextSha256).toBeNull(); // nothing sealed yet

    // The desk is closed and opened again: still waiting for its time.
    const keychain = a.keychain;
    await a.close();
    a = await openTestDesk(a.dataDir, { keychain });
    await a.desk.flushOutbox();
    expect(await state(a, id)).toBe('scheduled');

    // Meanwhile the pharmacy rotates its keys.
    b.nextSave = join(scene.dirs.path, 'harbor-rotated.zip');
    const rotated = await b.call('orgs.rotateKeys', { orgId: bOrg });

    await a.call('outbox.sendNow', { id });
    await waitFor('the scheduled fax to go', async () => {
      await a.desk.flushOutbox();
      return (await state(a, id)) === 'sent';
    });
    // Sealed now, so wrapped for the pharmacy's new bundle too.
    const newKeys = await readKeysZip(new Uint8Array(readFileSync(b.nextSave)));
    const client = new RelayClient({ baseUrl: newKeys.credentials.relay, identity: { keyId: newKeys.credentials.key_id, signingSeed: newKeys.signingSeed }, fetch: (u, i) => fetch(u, i), retries: 0 });
    const fetched = await client.fetchMessage(asMessageId(id));
    const wrappedFor = (JSON.parse(fetched.envelopeText) as { envelope: { wrapped_keys: { recipient_key_bundle_id: string }[] } }).envelope.wrapped_keys.map((w) => w.recipient_key_bundle_id);
    expect(wrappedFor).toContain(rotated.bundleId);
    expect(await b.desk.pollNow()).toBe(1);
    expect(Buffer.from((await b.call('faxes.document', { id })).pdf).equals(Buffer.from(pdf))).toBe(true);
  });

  it('goes by itself when its time comes', async () => {
    // Far enough ahead that even a slow, busy machine stores it before its time.
    const sendAt = Date.now() + 12_000;
    const res = await a.call('send.submitGroup', {
      orgId: aOrg, from: CLINIC, fileName: 'soon.pdf', pdf: makePdf(1), coverPage: null, recipients: [{ to: PHARMACY, route: 'fxe' }], sendAt,
    });
    const id = res.items[0]!.id!;
    // No kick from the test: the outbox's own timer wakes it.
    await waitFor('the scheduled time to pass and the fax to go', async () => (await state(a, id)) === 'sent', 60_000);
    // The audit log says when it was due and when the outbox took it up.
    const raw = new Database(join(a.dataDir, 'desk.sqlite'), { readonly: true });
    try {
      const steps = raw.prepare("SELECT at, detail FROM audit_log WHERE fax_id = ? AND action = 'send' ORDER BY seq").all(id) as { at: number; detail: string }[];
      expect(steps[0]!.detail).toMatch(/^scheduled for /);
      const reached = steps.find((x) => x.detail === 'scheduled time reached');
      expect(reached!.at).toBeGreaterThanOrEqual(sendAt);
    } finally {
      raw.close();
    }
  }, 90_000);

  it('a cancelled scheduled fax is never sent and goes to the Trash', async () => {
    const res = await a.call('send.submitGroup', {
      orgId: aOrg, from: CLINIC, fileName: 'cancel-me.pdf', pdf: makePdf(1), coverPage: null, recipients: [{ to: PHARMACY, route: 'fxe' }], sendAt: Date.now() + 60 * 60_000,
    });
    const id = res.items[0]!.id!;
    await a.call('outbox.cancelScheduled', { id });
    const trash = await a.call('trash.list', { offset: 0, limit: 10 });
    expect(trash.items.find((f) => f.id === id)).toMatchObject({ state: 'failed' });
    // Restored, it stays unsent (and says why) instead of going out by surprise.
    await a.call('trash.restore', { ids: [id] });
    await a.desk.flushOutbox();
    const back = await a.call('faxes.get', { id });
    expect([back.state, back.failureReason?.code]).toEqual(['failed', 'send.cancelled']);
    const again = await a.desk.invoke('outbox.sendNow', { id });
    expect(again.ok === false && again.error.code).toBe('send.not_scheduled');
    const tooFar = await a.desk.invoke('send.submitGroup', {
      orgId: aOrg, from: CLINIC, fileName: 'x.pdf', pdf: makePdf(1), coverPage: null, recipients: [{ to: PHARMACY, route: 'fxe' }], sendAt: Date.now() + 400 * 24 * 60 * 60_000,
    });
    expect(tooFar.ok === false && tooFar.error.code).toBe('send.too_far_ahead');
  });
});
