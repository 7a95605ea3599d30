// Settings → Cover pages: the office's logo and its cover-page templates ("Standard",
// "Confidential — patient records"). A template holds the default fields the send dialog
// fills in when it is chosen; the one marked default is chosen when a cover page is added.
// The logo is checked here for size only: main checks and decodes it before keeping it.
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { CoverLogo, CoverTemplate } from '../../../shared/ipc/contract.ts';
import type { OrgSummary, UserError } from '../../../shared/domain/types.ts';
import { MAX_LOGO_BYTES, coverTemplateSentences } from '../../../shared/domain/cover-templates.ts';
import { call, fxe, toUserError } from '../api.ts';
import { displayNumber } from '../phone.ts';

type Draft = Omit<CoverTemplate, 'id'> & { id?: string };

const EMPTY: Draft = { name: '', officeName: '', fromNumber: '', replyFax: '', replyPhone: '', notice: '', message: '', isDefault: false };

/** A notice of the kind clinics and law firms print, offered as a starting point. */
export const SAMPLE_NOTICE =
  'The information in this fax is confidential and may be legally privileged. It is intended only for the recipient named above. ' +
  'If you received it in error, please call us at once and destroy all copies; any use, copying or disclosure is prohibited.';

export function CoverTemplatesCard({ orgs, onNotice, onError }: { orgs: OrgSummary[]; onNotice: (t: string) => void; onError: (e: UserError) => void }) {
  const [templates, setTemplates] = useState<CoverTemplate[]>([]);
  const [logo, setLogo] = useState<CoverLogo | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [logoProblem, setLogoProblem] = useState<string | null>(null);
  const logoInput = useRef<HTMLInputElement>(null);
  const formId = useId();
  const numbers = useMemo(() => orgs.flatMap((o) => o.faxNumbers.map((n) => ({ n, org: o.name }))), [orgs]);

  const load = useCallback(() => {
    call('covers.list', {}).then((r) => (setTemplates(r.templates), setLogo(r.logo)), (err: unknown) => onError(toUserError(err)));
  }, [onError]);
  useEffect(load, [load]);
  // In an office the templates are the office's: another desk's change comes with the change notice the fax lists follow.
  useEffect(() => fxe().onEvent((e) => { if (e.type === 'faxes.changed') load(); }), [load]);

  // The logo as the window shows it: a blob URL of the stored bytes (the CSP allows blob: images).
  const logoUrl = useMemo(() => (logo ? URL.createObjectURL(new Blob([logo.data.slice()], { type: logo.format === 'png' ? 'image/png' : 'image/jpeg' })) : null), [logo]);
  useEffect(() => () => { if (logoUrl) URL.revokeObjectURL(logoUrl); }, [logoUrl]);

  const chooseLogo = async (file: File) => {
    setLogoProblem(null);
    if (file.size > MAX_LOGO_BYTES) return setLogoProblem(coverTemplateSentences.logoTooLarge(file.name, file.size));
    try {
      const saved = await call('covers.setLogo', { fileName: file.name, data: new Uint8Array(await file.arrayBuffer()) });
      setLogo(saved);
      onNotice(`Logo saved: ${saved.fileName}.`);
    } catch (err) {
      const u = toUserError(err);
      if (u.code.startsWith('cover.logo_')) setLogoProblem(u.message);
      else onError(u);
    }
  };

  const removeLogo = async () => {
    try {
      await call('covers.removeLogo', {});
      setLogo(null);
      onNotice('Logo removed. Cover pages are printed without it.');
    } catch (err) {
      onError(toUserError(err));
    }
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    if (!draft.name.trim()) return setProblem(coverTemplateSentences.noName);
    try {
      const saved = await call('covers.save', { ...draft, name: draft.name.trim() });
      setDraft(null);
      setProblem(null);
      load();
      onNotice(`Cover-page template “${saved.name}” saved.`);
    } catch (err) {
      const u = toUserError(err);
      if (u.code.startsWith('cover.template_') || u.code === 'cover.too_many_templates') setProblem(u.message);
      else onError(u);
    }
  };

  const remove = async (t: CoverTemplate) => {
    try {
      await call('covers.delete', { id: t.id });
      if (draft?.id === t.id) setDraft(null);
      load();
      onNotice(`Cover-page template “${t.name}” deleted.`);
    } catch (err) {
      onError(toUserError(err));
    }
  };

  const field = (key: 'name' | 'officeName' | 'replyFax' | 'replyPhone', label: string, placeholder = '') =>
    draft && (
      <label>
        {label}
        <input value={draft[key]} placeholder={placeholder} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} maxLength={key === 'officeName' ? 200 : 100} />
      </label>
    );

  return (
    <section className="card wide cover-templates" aria-label="Cover pages">
      <h2>Cover pages</h2>
      <div className="cover-logo">
        <div className="cover-logo-box" aria-hidden={!logoUrl}>
          {logoUrl ? <img src={logoUrl} alt={`Logo: ${logo?.fileName ?? ''}`} /> : <span className="muted">No logo</span>}
        </div>
        <div className="cover-logo-actions">
          <p className="muted">
            {logo ? `${logo.fileName} · ${logo.width} × ${logo.height} pixels. Printed at the top of every cover page made from a template.` : "The office's logo, printed at the top of every cover page made from a template: a PNG or JPEG picture of at most 1 MiB."}
          </p>
          <div className="row-actions start">
            <button type="button" onClick={() => logoInput.current?.click()}>
              {logo ? 'Change logo…' : 'Choose logo…'}
            </button>
            {logo && (
              <button type="button" className="danger" onClick={() => void removeLogo()}>
                Remove logo
              </button>
            )}
          </div>
          {logoProblem && <p className="field-error" role="alert">{logoProblem}</p>}
        </div>
        <input
          ref={logoInput}
          type="file"
          accept="image/png,.png,image/jpeg,.jpg,.jpeg"
          hidden
          aria-label="Logo picture (PNG or JPEG)"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void chooseLogo(file);
          }}
        />
      </div>

      {templates.length === 0 ? (
        <p className="muted">No templates yet. A template fills the cover page for you: the office's name, numbers to reply to, a confidentiality notice and a message.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Office</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {templates.map((t) => (
              <tr key={t.id}>
                <td>
                  {t.name} {t.isDefault && <span className="badge">Default</span>}
                </td>
                <td className="muted">{[t.officeName, t.notice ? 'confidentiality notice' : ''].filter(Boolean).join(' · ') || '—'}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => (setDraft({ ...t }), setProblem(null))} aria-label={`Edit the template ${t.name}`}>
                    Edit
                  </button>
                  <button type="button" className="danger" onClick={() => void remove(t)} aria-label={`Delete the template ${t.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!draft && (
        <button type="button" onClick={() => (setDraft({ ...EMPTY, isDefault: templates.length === 0, officeName: orgs[0]?.name ?? '' }), setProblem(null))}>
          New template
        </button>
      )}
      {draft && (
        <form className="form cover-template-form" id={formId} onSubmit={save} aria-label={draft.id ? `Edit the template ${draft.name}` : 'New cover-page template'} noValidate>
          {field('name', 'Template name', 'For example: Confidential — patient records')}
          {field('officeName', 'Office name')}
          <label>
            From (caller ID)
            <select value={draft.fromNumber} onChange={(e) => setDraft({ ...draft, fromNumber: e.target.value })}>
              <option value="">As chosen when sending</option>
              {numbers.map(({ n, org }) => (
                <option key={n} value={n}>
                  {displayNumber(n)} · {org}
                </option>
              ))}
            </select>
          </label>
          {field('replyFax', 'Reply fax', '+1 555 111 0001')}
          {field('replyPhone', 'Reply phone', '+1 555 111 0099')}
          <label className="span2">
            Confidentiality notice
            <textarea rows={3} value={draft.notice} onChange={(e) => setDraft({ ...draft, notice: e.target.value })} maxLength={1500} />
          </label>
          {!draft.notice && (
            <p className="span2 hint">
              <button type="button" className="link" onClick={() => setDraft({ ...draft, notice: SAMPLE_NOTICE })}>
                Use a standard notice
              </button>
            </p>
          )}
          <label className="span2">
            Default message
            <textarea rows={3} value={draft.message} onChange={(e) => setDraft({ ...draft, message: e.target.value })} maxLength={5000} />
          </label>
          <label className="check span2">
            <input type="checkbox" checked={draft.isDefault} onChange={(e) => setDraft({ ...draft, isDefault: e.target.checked })} />
            Use this template when a cover page is added
          </label>
          {problem && <p className="field-error span2" role="alert">{problem}</p>}
          <div className="row-actions span2">
            <button type="button" onClick={() => (setDraft(null), setProblem(null))}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Save template
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
