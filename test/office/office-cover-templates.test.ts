// Cover-page templates and the logo on the office's PostgreSQL (a real private server, the
// office schema migrated for real): the engines' shared contract, then what only an office
// has: one desk's template and logo are the other desk's, each change audited with the person.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOrgId } from '../../shared/domain/ids.ts';
import { openOffice, type Office } from '../../electron/services/office/office.ts';
import { officeCoverTemplates } from '../../electron/services/office/office-cover-templates.ts';
import type { CoverTemplates } from '../../electron/services/outbox/cover-templates.ts';
import { makePng } from '../e2e/fixtures/pictures.ts';
import { coverTemplatesContract } from '../services/cover-templates-contract.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

describe('cover templates on the office PostgreSQL', () => {
  let server: PrivatePostgres;
  let offices: Office[] = [];
  let ann: CoverTemplates;
  let ben: CoverTemplates;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    const signingSeed = randomBytes(32);
    const orgId = asOrgId('org_covers');
    const a = await openOffice({ url: server.url, orgId, signingSeed, desk: { deskId: 'desk-1', deskName: 'Front desk', person: 'Ann' } });
    const b = await openOffice({ url: server.url, orgId, signingSeed, desk: { deskId: 'desk-2', deskName: 'Back office', person: 'Ben' } });
    offices = [a, b];
    ann = officeCoverTemplates(a);
    ben = officeCoverTemplates(b);
  }, 60_000);

  afterAll(async () => {
    for (const o of offices) await o.close();
    server?.destroy();
  });

  coverTemplatesContract(() => ann);

  it('one desk\'s template and logo are the other\'s; each change is audited with the person', async () => {
    const t = await ann.save({ name: 'Standard', officeName: 'Northside Clinic', fromNumber: '', replyFax: '', replyPhone: '', notice: '', message: '', isDefault: true });
    expect(await ben.list()).toEqual([t]);
    const png = makePng(64, 32);
    await ben.setLogo('logo.png', png);
    expect((await ann.letterhead(t.id)).logo).toEqual({ format: 'png', bytes: png });
    const r = await offices[0]!.query<{ action: string; person: string; detail: string }>(
      "SELECT action, person, detail FROM fxe.audit_log WHERE action IN ('cover-template', 'cover-logo') ORDER BY seq DESC LIMIT 2");
    expect(r.rows).toEqual([
      { action: 'cover-logo', person: 'Ben', detail: 'logo.png (64×32 png)' },
      { action: 'cover-template', person: 'Ann', detail: 'created Standard' },
    ]);
  });
});
