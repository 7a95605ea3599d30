// The vertical slice, end to end in Node against a real local relay: A (Northside Clinic)
// sends a PDF to B (Harbor Pharmacy); B receives it, stores it encrypted, sends a receipt; A
// verifies the receipt against B's pinned keys and shows "delivered". Twice: on a relay with
// our extensions (B polls), and on one that offers only what the reference relay offers (B
// receives by webhook, registered by the relay's operator; A is told no delivery proof comes).
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELAY_PROFILES } from '../../electron/relay/index.ts';
import { importOrg, makePdf, openTestDesk, openTwoDesks, tempDir, waitFor, type TestDesk, type TestRelay, type TwoDeskScene } from './helpers.ts';

describe.each(RELAY_PROFILES)('send and receive between two demo orgs (relay profile %s)', (profile) => {
  const reference = profile === 'reference';
  let scene: TwoDeskScene;
  let relay: TestRelay;
  let a: TestDesk;
  let b: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;

  beforeAll(async () => {
    scene = await openTwoDesks('desks', { a: { autoStart: false }, b: { autoStart: false } }, { profile });
    ({ relay, a, b, aOrg, bOrg } = scene);
  });

  afterAll(async () => {
    await scene?.close();
  });

  it('imports keys.zip with the names and numbers the relay knows', async () => {
    const st = await a.call('app.status', {});
    expect(st.keychainAvailable).toBe(true);
    expect(st.orgs).toHaveLength(1);
    // The reference relay does not tell an org its name and numbers: the org id stands in.
    expect(st.orgs[0]).toMatchObject(reference ? { orgId: aOrg, name: aOrg, faxNumbers: [] } : { orgId: aOrg, name: 'Northside Clinic', faxNumbers: ['+15551110001'] });
    expect(st.orgs[0]!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sends, receives, stores the same bytes, and proves delivery', async () => {
    const pdf = makePdf(3, 200_000);
    const check = await a.call('send.check', { orgId: aOrg, to: '+15552220002' });
    expect(check).toEqual({ kind: 'fxe', recipientOrgId: bOrg, keyChange: null });

    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'rx-4411.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    const sent = await a.call('faxes.get', { id });
    expect(sent.state).toBe('sent');
    expect(sent.pages).toBe(3);
    expect(a.events.filter((e) => e.type === 'outbox.changed').map((e) => (e.type === 'outbox.changed' ? e.state : ''))).toEqual(
      expect.arrayContaining(['queued', 'encrypting', 'uploading', 'sent']),
    );

    expect(await scene.receive(b, 1)).toBe(1);
    const inbox = await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 50 });
    expect(inbox.total).toBe(1);
    const got = inbox.items[0]!;
    expect(got).toMatchObject({ id, direction: 'in', peerNumber: '+15551110001', peerName: reference ? null : 'Northside Clinic', fileName: 'rx-4411.pdf', read: false, state: 'received' });
    const doc = await b.call('faxes.document', { id });
    expect(Buffer.from(doc.pdf).equals(Buffer.from(pdf))).toBe(true);
    // Reading the document changes nothing; the window marks an opened fax read itself.
    expect((await b.call('faxes.get', { id })).read).toBe(false);
    await b.call('faxes.markRead', { ids: [id], read: true });
    expect((await b.call('faxes.get', { id })).read).toBe(true);
    expect(b.events.some((e) => e.type === 'fax.received' && e.id === id)).toBe(true);

    // Nothing more arrives: the receipt made the relay drop it.
    expect(await scene.receive(b, 0)).toBe(0);

    await a.desk.pollNow(); // the tick also checks delivery of sent faxes
    if (reference) {
      // No status, no delivery event: the fax stays "sent" and says why no proof will come.
      const f = await a.call('faxes.get', { id });
      expect(f.state).toBe('sent');
      expect(f.failureReason?.code).toBe('relay.no_delivery_proof');
      // Nothing failed; the only notice was the one before A had a public address (import).
      expect(a.events.filter((e) => e.type === 'receive.error' && e.error.code !== 'receive.webhook_only')).toEqual([]);
      return;
    }
    const delivered = await waitFor('delivered', async () => {
      const f = await a.call('faxes.get', { id });
      return f.state === 'delivered' ? f : null;
    });
    expect(delivered.receipt).toMatchObject({ messageId: id, recipientOrgId: bOrg, verified: true, ciphertextSha256: delivered.ciphertextSha256 });
    const sentFolder = await a.call('faxes.list', { folder: 'sent', offset: 0, limit: 10 });
    expect(sentFolder.items.map((x) => x.id)).toEqual([id]);
  });

  it('organises the inbox: search, tags, notes, archive, delete with undo, print, input validation', async () => {
    const pdf = makePdf(1, 1_000);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'invoice-7731.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect(await scene.receive(b, 1)).toBe(1);
    await b.call('faxes.setTags', { id, tags: ['billing', 'urgent'] });
    await b.call('faxes.setNote', { id, note: 'call back about the copay' });
    expect(await b.call('faxes.tags', {})).toEqual(['billing', 'urgent']);
    const search = async (query: string): Promise<string[]> => (await b.call('faxes.list', { folder: 'inbox', query, offset: 0, limit: 10 })).items.map((x) => x.id);
    expect(await search('copay')).toEqual([id]);
    expect(await search('7731')).toEqual([id]);
    expect(await search(reference ? '5551110001' : 'Northside')).toContain(id);
    expect(await search('nothing-like-this')).toEqual([]);
    expect((await b.call('faxes.list', { folder: 'inbox', tag: 'urgent', offset: 0, limit: 10 })).items.map((x) => x.id)).toEqual([id]);

    await b.call('faxes.archive', { ids: [id], archived: true });
    expect((await b.call('faxes.list', { folder: 'archive', offset: 0, limit: 10 })).items.map((x) => x.id)).toEqual([id]);
    const { undoToken } = await b.call('faxes.delete', { ids: [id] });
    expect((await b.call('faxes.list', { folder: 'archive', offset: 0, limit: 10 })).total).toBe(0);
    expect((await b.desk.invoke('faxes.get', { id })).ok).toBe(false);
    await b.call('faxes.undoDelete', { undoToken });
    expect((await b.call('faxes.get', { id })).note).toBe('call back about the copay');

    expect((await b.call('faxes.print', { id })).printed).toBe(true);
    expect(Buffer.from(b.printed.at(-1)!.pdf).equals(Buffer.from(pdf))).toBe(true);

    const bad = await b.desk.invoke('faxes.list', { folder: 'junk' as 'inbox', offset: 0, limit: 10 });
    expect(bad.ok).toBe(false);
    const badNumber = await b.desk.invoke('send.check', { orgId: bOrg, to: '555-1234' });
    expect(badNumber.ok ? '' : badNumber.error.code).toBe('invalid_fax_number');
  });

  it("tells the user their clock is off, with the number of seconds", async () => {
    const dir = tempDir('skew');
    const skewed = await openTestDesk(dir.path, { autoStart: false, nowMs: () => Date.now() - 1000_000 });
    try {
      await importOrg(skewed, relay.orgs[0]!.keysZipPath).catch(() => undefined);
      const r = await skewed.desk.invoke('send.check', { orgId: aOrg, to: '+15552220002' });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('relay.clock_skew');
        expect(r.error.message).toMatch(/clock is off by (99\d|100\d) seconds/);
      }
    } finally {
      await skewed.close();
      dir.remove();
    }
  });

  it('refuses a file that is not a PDF with a clear error', async () => {
    const r = await a.desk.invoke('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'x.pdf', pdf: new TextEncoder().encode('hello, not a pdf'), coverPage: null, route: 'fxe' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('pdf.invalid');
  });

  it('offers the phone network for a number that is not on fxe', async () => {
    const check = await a.call('send.check', { orgId: aOrg, to: '+15559990000' });
    expect(check).toEqual({ kind: 'not-on-fxe', pstnProvider: null });
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15559990000', from: '+15551110001', fileName: 'x.pdf', pdf: makePdf(1), coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    const f = await a.call('faxes.get', { id });
    expect(f.state).toBe('needs-pstn');
    expect(f.failureReason?.code).toBe('relay.not_on_fxe');
  });
});
