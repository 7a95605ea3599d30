// A desk joining an office, through the same IPC calls the window makes (createDesk over a
// real private PostgreSQL and the real local relay's org keys): every way a join goes wrong
// gets its own plain sentence and leaves the desk as it was; a join keeps the database
// password in the vault only; two desks then share reads, assignments, notes and an audit
// trail naming desk and person, live; a desk that loses the database says so, keeps working
// from what it has, and catches up; a desk can leave.
import { asFaxId, type OrgId } from '../../shared/domain/ids.ts';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcEvent, OfficeJoinRequest } from '../../shared/ipc/contract.ts';
import type { Office } from '../../electron/services/office/office.ts';
import { OFFICE_URL_RECORD } from '../../electron/services/office-link/office-link.ts';
import { freePort, importOrg, makePdf, openTestDesk, startTestRelay, tempDir, waitFor, type TestDesk, type TestRelay } from '../services/helpers.ts';
import { webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { WEBHOOK_HEADERS } from '../../shared/fxe-api/types.ts';
import { addFax, openDesk, pinOtherKeysForTest } from './helpers.ts';
import { makePng } from '../e2e/fixtures/pictures.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';
import { readKeysZip } from '../../shared/protocol/index.ts';

/** Where the vault keeps a record (its file name is a hash of the record's name: vault.ts). */
const vaultFile = (t: TestDesk, record: string): string => join(t.dataDir, 'vault', `${createHash('sha256').update(record).digest('hex').slice(0, 32)}.fxv`);

describe('a desk in an office', () => {
  let pg: PrivatePostgres;
  let relay: TestRelay;
  const dirs = tempDir('desk-office');
  let a: TestDesk;
  let b: TestDesk;
  let orgId: OrgId;
  let core: Office;
  const logs: string[] = [];

  const join_ = (t: TestDesk, over: Partial<OfficeJoinRequest>) => t.desk.invoke('office.join', {
    url: pg.url, personName: 'Ann', deskName: 'Front desk', create: false, importKeysZip: false, ...over,
  });
  const errorOf = async (t: TestDesk, over: Partial<OfficeJoinRequest>): Promise<string> => {
    const r = await join_(t, over);
    return r.ok ? 'ok' : r.error.code;
  };
  const changedSince = (t: TestDesk, n: number) => t.events.slice(n).some((e: IpcEvent) => e.type === 'faxes.changed');

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    relay = await startTestRelay();
    const log = (l: string) => logs.push(l);
    a = await openTestDesk(join(dirs.path, 'a'), { autoStart: false, log, timings: { officeReconnectMs: 200 } });
    b = await openTestDesk(join(dirs.path, 'b'), { autoStart: false, log, timings: { officeReconnectMs: 200 } });
    orgId = await importOrg(a, relay.orgs[0]!.keysZipPath);
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await core?.close();
    await relay?.close();
    pg?.destroy();
    dirs.remove();
  });

  it('explains each failed join plainly and changes nothing', async () => {
    expect(await errorOf(a, { url: 'https://office.example/fxe' })).toBe('office.url_invalid');
    expect(await errorOf(a, { url: pg.url.replace(/:[^:@/]+@/, ':not-the-password@') })).toBe('office.auth_failed');
    expect(await errorOf(a, { url: pg.url.replace(/:\d+\//, ':9/') })).toBe('office.unreachable');
    expect(await errorOf(a, { url: `${pg.url}?sslmode=require` })).toBe('office.tls');
    expect(await errorOf(a, { create: false })).toBe('office.not_created');
    const st = await a.call('office.status', {});
    expect(st).toMatchObject({ joined: false, connection: 'off' });
    expect(existsSync(vaultFile(a, OFFICE_URL_RECORD))).toBe(false);
    expect((await a.call('app.status', {})).office?.joined).toBe(false);
  });

  it('creates the office from the first desk; the password is only in the vault', async () => {
    const r = await join_(a, { create: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({ joined: true, connection: 'connected', personName: 'Ann', deskName: 'Front desk', orgId });
    expect(r.value?.server).toBe(`127.0.0.1:${pg.port}/office`);
    expect(existsSync(vaultFile(a, OFFICE_URL_RECORD))).toBe(true);
    const password = decodeURIComponent(new URL(pg.url).password);
    expect(readFileSync(join(a.dataDir, 'desk.sqlite')).includes(Buffer.from(password))).toBe(false);
    expect(logs.join('\n')).not.toContain(password);
    expect(JSON.stringify(await a.call('app.status', {}))).not.toContain(password);
  });

  it('a second desk joins with the keys.zip picked in the same step (first run)', async () => {
    b.nextOpen = relay.orgs[0]!.keysZipPath;
    const r = await join_(b, { personName: 'Ben', deskName: 'Back office', importKeysZip: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({ joined: true, connection: 'connected', orgId });
    expect((await b.call('app.status', {})).orgs.map((o) => o.orgId)).toEqual([orgId]);
    expect((await b.call('office.status', {})).people).toEqual(['Ann', 'Ben']);
    // The first desk learns of the second one live (its "Assign to" list grows).
    await waitFor('Ben listed on the first desk', async () => (await a.call('office.status', {})).people.join() === 'Ann,Ben');
  }, 60_000);

  it('shares a read, an assignment and a note, live, with desk and person in the history', async () => {
    const keys = await readKeysZip(new Uint8Array(readFileSync(relay.orgs[0]!.keysZipPath)));
    core = await openDesk(pg.url, { orgId, signingSeed: keys.signingSeed }, 'receiver', '');
    const before = b.events.length;
    const id = await addFax(core, { fileName: 'lab-results.pdf', peerNumber: '+15557770001' });
    await waitFor('desk B told of the new fax', () => changedSince(b, before));
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).items.map((f) => f.id)).toEqual([id]);
    expect((await a.call('app.status', {})).unreadCount).toBe(1);

    const doc = await a.call('faxes.document', { id });
    expect(new TextDecoder().decode(doc.pdf)).toContain('%PDF-1.4');
    let mark = b.events.length;
    await a.call('faxes.markRead', { ids: [id], read: true });
    await waitFor('B sees the read', () => changedSince(b, mark));
    expect((await b.call('faxes.get', { id })).readBy).toEqual([{ person: 'Ann', desk: 'Front desk', at: expect.any(Number) }]);
    expect((await b.call('app.status', {})).unreadCount).toBe(1); // Ben has not read it
    expect((await a.call('app.status', {})).unreadCount).toBe(0);

    mark = b.events.length;
    await a.call('faxes.assign', { id, assignee: 'Ben' });
    await a.call('faxes.setNote', { id, note: 'Call the lab back' });
    await waitFor('B sees the assignment and note', async () => changedSince(b, mark) && (await b.call('faxes.get', { id })).note === 'Call the lab back');
    const seen = await b.call('faxes.get', { id });
    expect(seen.assignee).toBe('Ben');
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).items[0]?.assignee).toBe('Ben');

    const trail = await b.call('faxes.audit', { id });
    const who = (action: string) => trail.filter((e) => e.action === action).map((e) => `${e.person} at ${e.desk}`);
    expect(who('view')).toEqual(['Ann at Front desk']);
    expect(who('assign')).toEqual(['Ann at Front desk']);
    expect(who('note')).toEqual(['Ann at Front desk']);
  }, 60_000);

  it('office-wide settings changed on one desk hold on the other, live; a desk\'s own stay its own', async () => {
    await b.call('settings.update', { theme: 'dark', defaultCountry: 'US' });
    await a.call('settings.update', { defaultCountry: 'GB', retention: { enabled: true, days: 45, action: 'delete' }, theme: 'light' });
    await waitFor('B applies the office\'s default country', async () => (await b.call('settings.get', {})).defaultCountry === 'GB');
    const seen = await b.call('settings.get', {});
    expect(seen.retention).toEqual({ enabled: true, days: 45, action: 'delete' });
    expect(seen.theme).toBe('dark');
    expect((await a.call('settings.get', {})).theme).toBe('light');
    expect((await b.call('trash.list', { orgId, offset: 0, limit: 10 })).removeAfterDays).toBe(45);
    const trail = await core.query<{ detail: string; person: string }>("SELECT detail, person FROM fxe.audit_log WHERE action = 'setting' ORDER BY seq");
    // B's default country went to the office too (it is office-wide); A's came later.
    expect(trail.rows.map((r) => `${r.detail} by ${r.person}`).sort()).toEqual(['defaultCountry by Ann', 'defaultCountry by Ben', 'retention by Ann']);
    expect(trail.rows[0]?.person).toBe('Ben');
  }, 60_000);

  it('the phone book\'s groups are the office\'s: made on one desk, used and changed on the other', async () => {
    const lab = await a.call('contacts.save', { name: 'Harbor Lab', organisation: '', faxNumber: '+15557770011' });
    const pharmacy = await a.call('contacts.save', { name: 'Bay Pharmacy', organisation: '', faxNumber: '+15557770012' });
    const g = await a.call('groups.save', { name: 'Partners' });
    await a.call('groups.setMembers', { id: g.id, contactIds: [lab.id, pharmacy.id] });
    await waitFor('B lists the group', async () => (await b.call('groups.list', {})).some((x) => x.id === g.id && x.members.length === 2));
    const dup = await b.desk.invoke('groups.save', { name: 'partners' });
    expect(dup.ok ? 'ok' : dup.error.code).toBe('group.duplicate_name');
    await b.call('groups.save', { id: g.id, name: 'Lab and pharmacy' });
    await b.call('contacts.delete', { id: pharmacy.id });
    expect((await a.call('groups.list', {})).map((x) => [x.name, x.members.map((m) => m.name)])).toEqual([['Lab and pharmacy', ['Harbor Lab']]]);
    await a.call('groups.delete', { id: g.id });
    await a.call('contacts.delete', { id: lab.id });
    expect(await b.call('groups.list', {})).toEqual([]);
  }, 60_000);

  it('cover templates, the logo and the fax lines\' names are the office\'s: made on one desk, live on the other, audited', async () => {
    const fields = { officeName: 'Northside Clinic', fromNumber: '', replyFax: '+15551110001', replyPhone: '', notice: 'Confidential', message: '' };
    // The office starts with no templates: a desk's own stay behind in its own database.
    expect((await b.call('covers.list', {})).templates).toEqual([]);
    let seen = b.events.length;
    const standard = await a.call('covers.save', { ...fields, name: 'Standard', isDefault: true });
    await waitFor('B lists A\'s template', async () => changedSince(b, seen) && (await b.call('covers.list', {})).templates.some((t) => t.id === standard.id));
    expect((await b.call('covers.list', {})).templates).toEqual([standard]);
    // The same rules on the office's templates: a name is one template, whatever its case.
    const twin = await b.desk.invoke('covers.save', { ...fields, name: 'standard', isDefault: false });
    expect(twin.ok ? 'ok' : twin.error.code).toBe('cover.template_duplicate_name');
    const labs = await b.call('covers.save', { ...fields, name: 'Labs', notice: 'Patient records', isDefault: true });
    expect((await a.call('covers.list', {})).templates.map((t) => [t.name, t.isDefault])).toEqual([['Labs', true], ['Standard', false]]);

    // The logo, chosen at B, checked there before it is stored; A draws it.
    seen = a.events.length;
    await b.call('covers.setLogo', { fileName: 'logo.png', data: makePng(240, 80) });
    await waitFor('A hears of the logo', async () => changedSince(a, seen));
    expect((await a.call('covers.list', {})).logo).toMatchObject({ fileName: 'logo.png', format: 'png', width: 240, height: 80 });
    const refused = await a.desk.invoke('covers.setLogo', { fileName: 'notes.png', data: new TextEncoder().encode('just text') });
    expect(refused.ok ? 'ok' : refused.error.code).toBe('cover.logo_not_picture');
    expect((await b.call('covers.list', {})).logo?.fileName).toBe('logo.png');
    const withCover = await a.call('compose.build', {
      files: [{ fileName: 'order.pdf', data: makePdf(1), removePages: [] }], paper: 'a4',
      cover: { to: '+15557770012', toName: '', from: '+15551110001', fromName: 'Ann', subject: 'Order', message: '', templateId: labs.id },
    });
    expect(withCover.coverPages).toBe(1);

    // Fax lines' names: an office setting like the others.
    const line = (await a.call('app.status', {})).orgs.find((o) => o.orgId === orgId)!.faxNumbers[0]!;
    await a.call('settings.update', { lineNames: { [line]: 'Front desk' } });
    await waitFor('B names the line', async () => (await b.call('settings.get', {})).lineNames[line] === 'Front desk');
    expect((await b.call('faxes.lines', { orgId })).find((l) => l.number === line)?.name).toBe('Front desk');

    await b.call('covers.delete', { id: standard.id });
    await b.call('covers.removeLogo', {});
    expect(await a.call('covers.list', {})).toEqual({ templates: [labs], logo: null });
    const trail = await core.query<{ action: string; detail: string; person: string }>(
      "SELECT action, detail, person FROM fxe.audit_log WHERE action IN ('cover-template', 'cover-logo') OR (action = 'setting' AND detail = 'lineNames') ORDER BY seq");
    expect(trail.rows.map((r) => `${r.action}: ${r.detail} (${r.person})`)).toEqual([
      'cover-template: created Standard (Ann)', 'cover-template: created Labs (Ben)', 'cover-logo: logo.png (240×80 png) (Ben)',
      'setting: lineNames (Ann)', 'cover-template: deleted Standard (Ben)', 'cover-logo: removed (Ben)',
    ]);
  }, 60_000);

  it('a page turned on one desk is turned on the other, live, and printed that way', async () => {
    const body = makePdf(2);
    const id = await addFax(core, { fileName: 'sideways-scan.pdf', peerNumber: '+15557770003', body, sizeBytes: body.length, pages: 2 });
    const seen = b.events.length;
    await a.call('faxes.setPageRotation', { id, page: 2, degrees: 90 });
    await waitFor('B hears of the turn', async () => changedSince(b, seen));
    expect((await b.call('faxes.document', { id })).rotations).toEqual([{ page: 2, degrees: 90 }]);
    await b.call('faxes.print', { id });
    const printed = await PDFDocument.load(b.printed.at(-1)!.pdf);
    expect(printed.getPages().map((p) => p.getRotation().angle)).toEqual([0, 90]);
    await b.call('faxes.setPageRotation', { id, page: 2, degrees: 0 });
    expect((await a.call('faxes.document', { id })).rotations).toEqual([]);
    const gone = await a.desk.invoke('faxes.setPageRotation', { id: asFaxId('00000000-0000-4000-8000-00000000dead'), page: 1, degrees: 90 });
    expect(gone.ok ? 'ok' : gone.error.code).toBe('fax.not_found');
    await a.call('faxes.delete', { ids: [id] }); // the inbox as the tests below expect it
  }, 60_000);

  it('sends through the shared outbox and receives into the office, through the real relay', async () => {
    const c = await openTestDesk(join(dirs.path, 'c'), { autoStart: false });
    try {
      const pharmacyOrg = await importOrg(c, relay.orgs[1]!.keysZipPath);
      // Out: queued in the office (sealed once), uploaded by whichever desk claims it, on both desks' Sent.
      const pdf = makePdf(1, 500);
      const { id } = await a.call('send.submit', { orgId, to: '+15552220002', from: '+15551110001', fileName: 'referral.pdf', pdf, coverPage: null, route: 'fxe' });
      await waitFor('the fax sent from the office', async () => (await b.call('faxes.list', { folder: 'sent', offset: 0, limit: 10 })).items.some((f) => f.id === id), 30_000);
      expect(await c.desk.pollNow()).toBe(1);
      expect((await c.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).items.map((f) => f.fileName)).toEqual(['referral.pdf']);
      // In: the office's leader receives it into the office database; both desks list it; no desk keeps a private copy.
      await c.call('send.submit', { orgId: pharmacyOrg, to: '+15551110001', from: '+15552220002', fileName: 'reply.pdf', pdf: makePdf(1, 300), coverPage: null, route: 'fxe' });
      await c.desk.flushOutbox();
      for (const t of [a, b]) {
        await waitFor('the reply in the office inbox', async () => (await t.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10, query: 'reply' })).total === 1, 30_000);
      }
      expect(await a.desk.pollNow()).toBe(0); // the desk's own poller leaves the office's org to the office
    } finally {
      await c.close();
    }
  }, 120_000);

  it('a desk in webhook mode takes the office\'s deliveries only while it receives for the office', async () => {
    const ports = [await freePort(), await freePort()];
    const secret = 'whsec_desk_office';
    for (const [i, t] of [a, b].entries()) {
      await t.call('receiving.setWebhookSecret', { orgId, secret });
      await t.call('settings.update', { receiveMode: 'webhook', webhookListenPort: ports[i]!, webhookTunnelUrl: '' });
    }
    const deliver = async (port: number, eventId: string): Promise<number> => {
      const body = new TextEncoder().encode(JSON.stringify({ event_id: eventId, type: 'message.received', message_id: '00000000-0000-4000-8000-00000000abcd' }));
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`http://127.0.0.1:${port}/fxe-webhook/${orgId}`, {
        method: 'POST', body,
        headers: { [WEBHOOK_HEADERS.timestamp]: ts, [WEBHOOK_HEADERS.signature]: webhookSignatureHeader({ secrets: [new TextEncoder().encode(secret)], timestamp: ts, body }), [WEBHOOK_HEADERS.eventId]: eventId, [WEBHOOK_HEADERS.eventType]: 'message.received' },
      });
      await res.arrayBuffer();
      return res.status;
    };
    // One of the two desks leads the office's receiving: it takes the delivery, the other refuses it for a retry.
    const statuses = await waitFor('one desk leading', async () => {
      const got = [await deliver(ports[0]!, `evt_a_${Date.now()}`), await deliver(ports[1]!, `evt_b_${Date.now()}`)];
      return got.sort().join() === '200,503' ? got : null;
    }, 30_000);
    expect(statuses).toEqual([200, 503]);
    for (const t of [a, b]) await t.call('settings.update', { receiveMode: 'poll' });
  }, 60_000);

  it('pins are the office\'s: a key change shows on both desks, and one desk\'s acceptance holds for the other', async () => {
    // The send above pinned the pharmacy's keys in the office database, so B knows them too.
    const pinned = (await core.query<{ peer_org_id: string; fingerprint: string }>('SELECT peer_org_id, fingerprint FROM fxe.key_pins')).rows;
    const pharmacyOrg = relay.orgs[1]!.orgId;
    expect(pinned.map((r) => r.peer_org_id)).toContain(pharmacyOrg);
    expect((await b.call('send.check', { orgId, to: '+15552220002' }))).toMatchObject({ kind: 'fxe', recipientOrgId: pharmacyOrg, keyChange: null });
    // As if the pharmacy's keys had changed: the office's pin names another key.
    await pinOtherKeysForTest(core, pharmacyOrg, 'ab'.repeat(32));
    const atA = await a.call('send.check', { orgId, to: '+15552220002' });
    if (atA.kind !== 'fxe' || !atA.keyChange) throw new Error('A did not see the key change');
    expect(atA.keyChange.previousFingerprint).toBe('ab'.repeat(32));
    const atB = await b.call('send.check', { orgId, to: '+15552220002' });
    expect(atB).toMatchObject({ keyChange: { newFingerprint: atA.keyChange.newFingerprint } });
    await b.call('send.acceptKeyChange', { orgId, recipientOrgId: atA.keyChange.recipientOrgId, newFingerprint: atA.keyChange.newFingerprint });
    expect(await a.call('send.check', { orgId, to: '+15552220002' })).toMatchObject({ keyChange: null });
  }, 60_000);

  it('loses the database plainly, keeps working from what it has, and catches up when it returns', async () => {
    let mark = a.events.length;
    pg.stop();
    const down = await waitFor('A says the office is unreachable', () => {
      const st = a.events.slice(mark).filter((e): e is Extract<IpcEvent, { type: 'status.changed' }> => e.type === 'status.changed').at(-1)?.status;
      return st?.office?.connection === 'reconnecting' ? st : null;
    }, 30_000);
    expect(down.office?.error?.message).toBe('Office database unreachable — showing what was loaded; reconnecting…');
    const r = await a.desk.invoke('faxes.list', { folder: 'inbox', offset: 0, limit: 10 });
    expect(r.ok ? 'ok' : r.error.code).toBe('office.unreachable');
    mark = a.events.length;
    pg.start();
    await waitFor('A reconnected', async () => (await a.call('office.status', {})).connection === 'connected', 30_000);
    await waitFor('A told the window to reload', () => changedSince(a, mark));
    expect((await a.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(2);
  }, 90_000);

  it('a desk leaves: its own inbox again, the password gone from the vault; the office keeps working', async () => {
    const st = await b.call('office.leave', {});
    expect(st).toMatchObject({ joined: false, connection: 'off' });
    expect((await b.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(0);
    expect(existsSync(vaultFile(b, OFFICE_URL_RECORD))).toBe(false);
    expect((await a.call('faxes.list', { folder: 'inbox', offset: 0, limit: 10 })).total).toBe(2);
    await waitFor('Ben is no longer listed', async () => (await a.call('office.status', {})).people.join() === 'Ann');
  }, 60_000);
});
