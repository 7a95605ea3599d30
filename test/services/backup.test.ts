// Encrypted key backups end to end: export from one desk (passphrase required), restore on
// a fresh install through the 'orgs.importBackup' channel (file dialog in main, passphrase
// from the renderer), then that install receives a fax from the real local relay.
import type { OrgId } from '../../shared/domain/ids.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKeysZip } from '../../shared/protocol/index.ts';
import { makePdf, openTestDesk, openTwoDesks, type TestDesk, type TestRelay, type TwoDeskScene } from './helpers.ts';

const PASSPHRASE = 'correct horse battery staple';

describe('encrypted key backup and restore', () => {
  let scene: TwoDeskScene;
  let relay: TestRelay;
  let dirs: TwoDeskScene['dirs'];
  let a: TestDesk;
  let b: TestDesk;
  let restored: TestDesk;
  let aOrg: OrgId;
  let bOrg: OrgId;

  beforeAll(async () => {
    scene = await openTwoDesks('backup', { a: { autoStart: false }, b: { autoStart: false } });
    ({ relay, dirs, a, b, aOrg, bOrg } = scene);
    restored = await openTestDesk(join(dirs.path, 'restored'), { autoStart: false });
  });

  afterAll(async () => {
    await restored?.close();
    await scene?.close();
  });

  it('exports only with a passphrase of 10+ characters, and the file reveals no key', async () => {
    b.nextSave = join(dirs.path, 'harbor-backup.json');
    const weak = await b.desk.invoke('orgs.exportBackup', { orgId: bOrg, passphrase: 'short' });
    expect(weak.ok ? null : weak.error.code).toBe('backup.weak_passphrase');
    const missing = await b.desk.invoke('orgs.exportBackup', { orgId: bOrg });
    expect(missing.ok ? null : missing.error.code).toBe('backup.weak_passphrase');
    expect(await b.call('orgs.exportBackup', { orgId: bOrg, passphrase: PASSPHRASE })).toEqual({ savedTo: b.nextSave });
    const text = readFileSync(b.nextSave, 'utf8');
    const keys = await readKeysZip(new Uint8Array(readFileSync(relay.orgs[1]!.keysZipPath)));
    for (const secret of [keys.signingSeed, keys.bundleSeed, keys.x25519Secret]) {
      expect(text.includes(Buffer.from(secret).toString('base64'))).toBe(false);
      expect(text.includes(Buffer.from(secret).toString('hex'))).toBe(false);
    }
    expect(JSON.parse(text)).toMatchObject({ format: 'fxe-desk-keys-backup-v1', org_id: bOrg });
  });

  it('restores on a fresh install: wrong passphrase and wrong files are refused in plain words', async () => {
    restored.nextOpen = null;
    expect(await restored.call('orgs.importBackup', { passphrase: PASSPHRASE })).toBeNull(); // dialog cancelled
    restored.nextOpen = join(dirs.path, 'harbor-backup.json');
    const wrong = await restored.desk.invoke('orgs.importBackup', { passphrase: 'not the passphrase' });
    expect(wrong.ok ? null : wrong.error).toMatchObject({ code: 'backup.wrong_passphrase', message: 'The passphrase does not open this backup.' });
    const junk = join(dirs.path, 'junk.json');
    writeFileSync(junk, '{"hello": "world"}');
    restored.nextOpen = junk;
    const notBackup = await restored.desk.invoke('orgs.importBackup', { passphrase: PASSPHRASE });
    expect(notBackup.ok ? null : notBackup.error.code).toBe('backup.invalid');
    expect((await restored.call('app.status', {})).orgs).toHaveLength(0);

    restored.nextOpen = join(dirs.path, 'harbor-backup.json');
    const org = await restored.call('orgs.importBackup', { passphrase: PASSPHRASE });
    expect(org).toMatchObject({ orgId: bOrg, name: 'Harbor Pharmacy', faxNumbers: ['+15552220002'] });

    const pdf = makePdf(1, 3_000);
    const { id } = await a.call('send.submit', { orgId: aOrg, to: '+15552220002', from: '+15551110001', fileName: 'after-restore.pdf', pdf, coverPage: null, route: 'fxe' });
    await a.desk.flushOutbox();
    expect(await restored.desk.pollNow()).toBe(1);
    expect(Buffer.from((await restored.call('faxes.document', { id })).pdf).equals(Buffer.from(pdf))).toBe(true);
  });
});
