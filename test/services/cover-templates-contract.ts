// The contract both engines of cover-page templates keep: a desk's own SQLite
// (cover-templates-sqlite.test.ts) and the office's PostgreSQL (test/office/office-cover-templates.test.ts).
// The same calls, the same answers and the same refusals, so a desk joining an office sees
// Settings → Cover pages behave as before.
import { expect, it } from 'vitest';
import { MAX_COVER_TEMPLATES } from '../../shared/domain/cover-templates.ts';
import type { CoverTemplates } from '../../electron/services/outbox/cover-templates.ts';
import { makePng } from '../e2e/fixtures/pictures.ts';

const FIELDS = { officeName: 'Northside Clinic', fromNumber: '+15551110001', replyFax: '+15551110001', replyPhone: '+15551110009', notice: 'Confidential', message: 'Please call back' };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

export function coverTemplatesContract(store: () => CoverTemplates): void {
  it('keeps templates: the default first, then by name; one default at a time', async () => {
    const s = store();
    const zeta = await s.save({ ...FIELDS, name: 'zeta', isDefault: false });
    const alpha = await s.save({ ...FIELDS, name: '  Alpha ', isDefault: true });
    expect(alpha.name).toBe('Alpha');
    const beta = await s.save({ ...FIELDS, name: 'beta', isDefault: false });
    expect((await s.list()).map((t) => t.name)).toEqual(['Alpha', 'beta', 'zeta']);
    await s.save({ ...beta, isDefault: true });
    expect((await s.list()).map((t) => [t.name, t.isDefault])).toEqual([['beta', true], ['Alpha', false], ['zeta', false]]);
    await s.save({ ...zeta, notice: 'Patient records' });
    expect((await s.list()).find((t) => t.id === zeta.id)).toEqual({ ...zeta, notice: 'Patient records' });
    for (const t of await s.list()) await s.delete(t.id);
    expect(await s.list()).toEqual([]);
  });

  it('refuses a template without a name, a second one of the same name (any case), a stale id and one too many', async () => {
    const s = store();
    expect(await codeOf(s.save({ ...FIELDS, name: '   ', isDefault: false }))).toBe('cover.template_no_name');
    const standard = await s.save({ ...FIELDS, name: 'Standard', isDefault: false });
    expect(await codeOf(s.save({ ...FIELDS, name: 'STANDARD', isDefault: false }))).toBe('cover.template_duplicate_name');
    expect(await codeOf(s.save({ ...FIELDS, id: 'ct_gone', name: 'Other', isDefault: false }))).toBe('cover.template_not_found');
    expect(await codeOf(s.letterhead('ct_gone'))).toBe('cover.template_not_found');
    // Renaming a template to its own name (another case) is no duplicate.
    expect((await s.save({ ...standard, name: 'standard' })).name).toBe('standard');
    for (let i = 1; i < MAX_COVER_TEMPLATES; i++) await s.save({ ...FIELDS, name: `T${i}`, isDefault: false });
    expect(await codeOf(s.save({ ...FIELDS, name: 'One too many', isDefault: false }))).toBe('cover.too_many_templates');
    for (const t of await s.list()) await s.delete(t.id);
  });

  it('keeps one logo that passed the checks, draws it in the letterhead, and removes it', async () => {
    const s = store();
    expect(await s.logo()).toBeNull();
    expect(await codeOf(s.setLogo('notes.png', new TextEncoder().encode('just text')))).toBe('cover.logo_not_picture');
    expect(await s.logo()).toBeNull();
    const png = makePng(120, 40);
    expect(await s.setLogo('logo.png', png)).toEqual({ fileName: 'logo.png', format: 'png', width: 120, height: 40, data: png });
    const wide = makePng(300, 60);
    await s.setLogo('wide.png', wide);
    expect(await s.logo()).toMatchObject({ fileName: 'wide.png', width: 300, height: 60 });
    const t = await s.save({ ...FIELDS, name: 'Letterhead', isDefault: true });
    expect(await s.letterhead(t.id)).toEqual({ officeName: FIELDS.officeName, replyFax: FIELDS.replyFax, replyPhone: FIELDS.replyPhone, notice: FIELDS.notice, logo: { format: 'png', bytes: wide } });
    await s.removeLogo();
    expect(await s.logo()).toBeNull();
    expect((await s.letterhead(t.id)).logo).toBeNull();
    await s.delete(t.id);
  });
}
