/**
 * Input validation for every IPC request. The renderer is untrusted input as far as main is
 * concerned: each channel's payload is checked for types, lengths, E.164 numbers and id
 * shapes, and rebuilt field by field (unknown fields are dropped, never passed on).
 */
import { isE164 } from '../../../shared/domain/fax-number.ts';
import { asFaxId, asFingerprint, asOrgId, type FaxId, type OrgId } from '../../../shared/domain/ids.ts';
import type { Folder, PstnProviderName, ReceiveMode, Settings } from '../../../shared/domain/types.ts';
import { MAX_RECIPIENTS, type RequestChannel, type RequestOf, type SendRecipient } from '../../../shared/ipc/contract.ts';
import { DeskError } from '../errors.ts';

// The CLI checks numbers with the same rule.
export { isE164 };

function invalid(field: string, why: string): DeskError {
  return new DeskError('invalid_request', `Some information is missing or not valid (${field}).`, { detail: `${field}: ${why}` });
}

type Obj = Record<string, unknown>;

function obj(v: unknown, field = 'request'): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'not an object');
  return v as Obj;
}

function str(o: Obj, key: string, opts: { min?: number; max: number; pattern?: RegExp }): string {
  const v = o[key];
  if (typeof v !== 'string') throw invalid(key, 'not text');
  if (v.length < (opts.min ?? 0) || v.length > opts.max) throw invalid(key, `length ${v.length} outside ${opts.min ?? 0}..${opts.max}`);
  if (opts.pattern && !opts.pattern.test(v)) throw invalid(key, 'wrong format');
  return v;
}

function optStr(o: Obj, key: string, opts: { max: number; pattern?: RegExp }): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, opts);
}

function int(o: Obj, key: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(key, `not a whole number in ${min}..${max}`);
  return v;
}

function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw invalid(key, 'not true/false');
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw invalid(key, `not one of ${values.join(', ')}`);
  return v as T;
}

function list<T>(o: Obj, key: string, max: number, each: (v: unknown, i: number) => T): T[] {
  const v = o[key];
  if (!Array.isArray(v)) throw invalid(key, 'not a list');
  if (v.length > max) throw invalid(key, `more than ${max} items`);
  return v.map(each);
}

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const ORG_ID = { max: 128, min: 1, pattern: ID_PATTERN };
const FAX_ID = { max: 128, min: 1, pattern: ID_PATTERN };
const FOLDERS: readonly Folder[] = ['inbox', 'sent', 'outbox', 'archive'];
const PROVIDERS: readonly PstnProviderName[] = ['telnyx', 'mintfax'];
const RECEIVE_MODES: readonly ReceiveMode[] = ['poll', 'webhook'];
const HEX64 = /^[0-9a-f]{64}$/;


/** An org id of the right shape: from here on it travels as an OrgId. */
function orgId(o: Obj, key: string): OrgId {
  return asOrgId(str(o, key, ORG_ID));
}

function optOrgId(o: Obj, key: string): OrgId | undefined {
  return o[key] === undefined ? undefined : orgId(o, key);
}

/** A fax id of the right shape: from here on it travels as a FaxId. */
function faxId(o: Obj, key: string): FaxId {
  return asFaxId(str(o, key, FAX_ID));
}

function e164(o: Obj, key: string): string {
  const v = str(o, key, { max: 16 });
  if (!isE164(v)) throw new DeskError('invalid_fax_number', `${v || 'The fax number'} is not a complete fax number in international format, like +15551234567.`, { detail: `${key}: not E.164` });
  return v;
}

function faxIds(o: Obj, key: string): FaxId[] {
  return list(o, key, 1000, (v, i) => {
    if (typeof v !== 'string' || !ID_PATTERN.test(v)) throw invalid(`${key}[${i}]`, 'not an id');
    return asFaxId(v);
  });
}

function tagList(o: Obj, key: string): string[] {
  return list(o, key, 50, (v, i) => {
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > 40 || /\s/.test(v.trim())) throw invalid(`${key}[${i}]`, 'a tag is 1..40 characters without spaces');
    return v.trim();
  });
}

function none(raw: unknown): Record<string, never> {
  if (raw !== undefined && raw !== null) obj(raw);
  return {};
}

function url(o: Obj, key: string, allowEmpty: boolean): string {
  const v = str(o, key, { max: 2048 });
  if (allowEmpty && v === '') return v;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new DeskError('invalid_url', 'That address is not a valid web address (it should start with https://).', { detail: `${key}: not an http(s) URL` });
  }
  return v.replace(/\/+$/, '');
}

/** An IANA time zone this runtime knows ("Europe/Paris"), for writing local times. */
function timeZone(o: Obj): string {
  const v = str(o, 'timeZone', { min: 1, max: 64, pattern: /^[A-Za-z0-9_+\-/]+$/ });
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
  } catch {
    throw invalid('timeZone', 'unknown time zone');
  }
  return v;
}

function coverFields(c: Obj): { toName: string; fromName: string; subject: string; message: string } {
  return { toName: str(c, 'toName', { max: 200 }), fromName: str(c, 'fromName', { max: 200 }), subject: str(c, 'subject', { max: 300 }), message: str(c, 'message', { max: 5000 }) };
}

/** The chosen cover-page template, if any (only its id crosses: main reads the letterhead itself). */
function coverTemplateRef(c: Obj): { templateId?: string } {
  if (c['templateId'] === null || c['templateId'] === undefined) return {};
  return { templateId: str(c, 'templateId', { min: 1, max: 64, pattern: ID_PATTERN }) };
}

/** A template's fields: one line each, but the notice and the message may run over lines. */
function coverTemplateBody(o: Obj): Omit<RequestOf<'covers.save'>, 'id'> {
  const line = (key: string, max: number) => str(o, key, { max, pattern: /^[^\x00-\x1f\x7f]*$/ }).trim();
  const fromNumber = line('fromNumber', 40);
  if (fromNumber && !isE164(fromNumber)) throw invalid('fromNumber', 'not an E.164 number');
  return {
    name: line('name', 100), officeName: line('officeName', 200), fromNumber,
    replyFax: line('replyFax', 60), replyPhone: line('replyPhone', 60),
    notice: str(o, 'notice', { max: 1500 }).trim(), message: str(o, 'message', { max: 5000 }), isDefault: bool(o, 'isDefault'),
  };
}

/** Names of our receiving numbers: E.164 keys, one short line each ('' or absent = no name). */
function lineNames(o: Obj): Record<string, string> {
  const entries = Object.keys(o);
  if (entries.length > 200) throw invalid('lineNames', 'more than 200 numbers');
  const out: Record<string, string> = {};
  for (const number of entries) {
    if (!isE164(number)) throw invalid('lineNames', 'a key is not an E.164 number');
    const name = str(o, number, { max: 40, pattern: /^[^\x00-\x1f\x7f]*$/ }).trim();
    if (name) out[number] = name;
  }
  return out;
}

/** What every send carries besides its recipients: org, caller ID, the document, the cover page. */
function sendBody(o: Obj): Omit<RequestOf<'send.submit'>, 'to' | 'route'> {
  const pdf = o['pdf'];
  if (!(pdf instanceof Uint8Array)) throw invalid('pdf', 'not bytes');
  let coverPage: RequestOf<'send.submit'>['coverPage'] = null;
  if (o['coverPage'] !== null && o['coverPage'] !== undefined) {
    const c = obj(o['coverPage'], 'coverPage');
    coverPage = { ...coverFields(c), ...coverTemplateRef(c) };
  }
  return {
    orgId: orgId(o, 'orgId'),
    from: e164(o, 'from'),
    fileName: str(o, 'fileName', { min: 1, max: 255, pattern: /^[^/\\\0]+$/ }),
    pdf,
    coverPage,
  };
}

/** A person's or desk's name as colleagues see it: one line, trimmed, not empty. */
function personName(o: Obj, key: string): string {
  const v = str(o, key, { min: 1, max: 80, pattern: /^[^\x00-\x1f\x7f]+$/ }).trim();
  if (!v) throw invalid(key, 'empty');
  return v;
}

type Validators = { [C in RequestChannel]: (raw: unknown) => RequestOf<C> };

export const validators: Validators = {
  'app.status': none,
  'demo.start': none,
  'orgs.importKeysZip': none,
  'orgs.redeemInvite': (raw) => {
    const o = obj(raw);
    return {
      relayUrl: url(o, 'relayUrl', false),
      token: str(o, 'token', { min: 4, max: 256, pattern: /^[A-Za-z0-9._~-]+$/ }),
      orgName: str(o, 'orgName', { min: 1, max: 120 }).trim(),
      faxNumbers: list(o, 'faxNumbers', 20, (_v, i) => e164({ n: (o['faxNumbers'] as unknown[])[i] }, 'n')),
    };
  },
  'orgs.setActive': (raw) => ({ orgId: orgId(obj(raw), 'orgId') }),
  'orgs.setFacts': (raw) => {
    const o = obj(raw);
    return {
      orgId: orgId(o, 'orgId'),
      ...(o['name'] === undefined ? {} : { name: str(o, 'name', { min: 1, max: 200 }).trim() }),
      ...(o['faxNumbers'] === undefined ? {} : { faxNumbers: list(o, 'faxNumbers', 20, (_v, i) => e164({ n: (o['faxNumbers'] as unknown[])[i] }, 'n')) }),
    };
  },
  'orgs.remove': (raw) => ({ orgId: orgId(obj(raw), 'orgId') }),
  'orgs.exportBackup': (raw) => {
    const o = obj(raw);
    const passphrase = optStr(o, 'passphrase', { max: 1024 });
    return { orgId: orgId(o, 'orgId'), ...(passphrase === undefined ? {} : { passphrase }) };
  },
  'orgs.rotateKeys': (raw) => ({ orgId: orgId(obj(raw), 'orgId') }),
  'orgs.importBackup': (raw) => ({ passphrase: str(obj(raw), 'passphrase', { min: 1, max: 1024 }) }),

  'faxes.list': (raw) => {
    const o = obj(raw);
    const orgId = optOrgId(o, 'orgId');
    const query = optStr(o, 'query', { max: 200 });
    const tag = optStr(o, 'tag', { max: 40 });
    const line = o['line'] === undefined ? undefined : e164(o, 'line');
    return {
      folder: oneOf(o, 'folder', FOLDERS),
      ...(line === undefined ? {} : { line }),
      ...(orgId === undefined ? {} : { orgId }),
      ...(query === undefined ? {} : { query }),
      ...(tag === undefined ? {} : { tag }),
      offset: int(o, 'offset', 0, 10_000_000),
      limit: int(o, 'limit', 1, 500),
    };
  },
  'faxes.get': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.document': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.pageTurns': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.setPageRotation': (raw) => {
    const o = obj(raw);
    const degrees = int(o, 'degrees', 0, 270);
    if (degrees % 90 !== 0) throw invalid('degrees', 'not a quarter turn');
    return { id: faxId(o, 'id'), page: int(o, 'page', 1, 1_000_000), degrees: degrees as 0 | 90 | 180 | 270 };
  },
  'faxes.markRead': (raw) => { const o = obj(raw); return { ids: faxIds(o, 'ids'), read: bool(o, 'read') }; },
  'faxes.archive': (raw) => { const o = obj(raw); return { ids: faxIds(o, 'ids'), archived: bool(o, 'archived') }; },
  'faxes.delete': (raw) => ({ ids: faxIds(obj(raw), 'ids') }),
  'faxes.undoDelete': (raw) => ({ undoToken: str(obj(raw), 'undoToken', { min: 8, max: 64, pattern: /^[0-9a-f]+$/ }) }),
  'trash.list': (raw) => {
    const o = obj(raw);
    const orgId = optOrgId(o, 'orgId');
    return { ...(orgId === undefined ? {} : { orgId }), offset: int(o, 'offset', 0, 10_000_000), limit: int(o, 'limit', 1, 500) };
  },
  'trash.restore': (raw) => ({ ids: faxIds(obj(raw), 'ids') }),
  'trash.deleteForever': (raw) => ({ ids: faxIds(obj(raw), 'ids') }),
  'trash.empty': (raw) => {
    const orgId = optOrgId(obj(raw), 'orgId');
    return orgId === undefined ? {} : { orgId };
  },
  'faxes.setTags': (raw) => { const o = obj(raw); return { id: faxId(o, 'id'), tags: tagList(o, 'tags') }; },
  'faxes.setNote': (raw) => { const o = obj(raw); return { id: faxId(o, 'id'), note: str(o, 'note', { max: 10_000 }) }; },
  'faxes.print': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.saveAs': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.printDeliveryConfirmation': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.resend': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.sendViaPstn': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'faxes.forward': (raw) => {
    const o = obj(raw);
    const sendAt = o['sendAt'] === null || o['sendAt'] === undefined ? null : int(o, 'sendAt', 0, 8_640_000_000_000_000);
    return { id: faxId(o, 'id'), to: e164(o, 'to'), from: e164(o, 'from'), sendAt };
  },
  'faxes.tags': none,
  'faxes.lines': (raw) => { const orgId = optOrgId(obj(raw ?? {}), 'orgId'); return orgId === undefined ? {} : { orgId }; },
  'faxes.assign': (raw) => {
    const o = obj(raw);
    return { id: faxId(o, 'id'), assignee: o['assignee'] === null ? null : personName(o, 'assignee') };
  },
  'faxes.audit': (raw) => ({ id: faxId(obj(raw), 'id') }),

  'office.status': none,
  'office.join': (raw) => {
    const o = obj(raw);
    // The URL's shape is checked by the office connection, which can say what is wrong with it.
    return {
      url: str(o, 'url', { min: 1, max: 2048 }).trim(),
      personName: personName(o, 'personName'),
      deskName: personName(o, 'deskName'),
      create: bool(o, 'create'),
      importKeysZip: bool(o, 'importKeysZip'),
    };
  },
  'office.leave': none,

  'send.check': (raw) => { const o = obj(raw); return { orgId: orgId(o, 'orgId'), to: e164(o, 'to') }; },
  'send.acceptKeyChange': (raw) => {
    const o = obj(raw);
    return { orgId: orgId(o, 'orgId'), recipientOrgId: orgId(o, 'recipientOrgId'), newFingerprint: asFingerprint(str(o, 'newFingerprint', { max: 64, pattern: HEX64 })) };
  },
  'keys.changes': (raw) => ({ orgId: orgId(obj(raw), 'orgId') }),
  'keys.keepBlocked': (raw) => { const o = obj(raw); return { orgId: orgId(o, 'orgId'), peerOrgId: orgId(o, 'peerOrgId') }; },
  'send.submit': (raw) => {
    const o = obj(raw);
    return { ...sendBody(o), to: e164(o, 'to'), route: oneOf(o, 'route', ['fxe', 'pstn'] as const) };
  },
  'send.submitGroup': (raw) => {
    const o = obj(raw);
    const recipients = list(o, 'recipients', MAX_RECIPIENTS, (v, i): SendRecipient => {
      const r = obj(v, `recipients[${i}]`);
      const name = optStr(r, 'name', { max: 200 });
      return { to: e164(r, 'to'), route: oneOf(r, 'route', ['fxe', 'pstn'] as const), ...(name === undefined ? {} : { name }) };
    });
    if (recipients.length === 0) throw new DeskError('send.no_recipient', 'Add at least one recipient in "To".', { detail: 'recipients: empty' });
    const twice = recipients.find((r, i) => recipients.findIndex((x) => x.to === r.to) !== i);
    if (twice) throw new DeskError('send.duplicate_recipient', `${twice.to} is in "To" twice. Remove one: each recipient gets the fax once.`, { detail: `recipients: ${twice.to} twice` });
    const sendAt = o['sendAt'] === null || o['sendAt'] === undefined ? null : int(o, 'sendAt', 0, 8_640_000_000_000_000);
    return { ...sendBody(o), recipients, sendAt };
  },
  'faxes.transmissionReport': (raw) => {
    const o = obj(raw);
    const png = o['thumbnailPng'];
    if (png !== null && !(png instanceof Uint8Array)) throw invalid('thumbnailPng', 'not bytes');
    return { id: faxId(o, 'id'), thumbnailPng: png, timeZone: timeZone(o), action: oneOf(o, 'action', ['print', 'save'] as const) };
  },
  'reports.activity': (raw) => {
    const o = obj(raw);
    const orgId = optOrgId(o, 'orgId');
    const fromMs = int(o, 'fromMs', 0, 8_640_000_000_000_000);
    const toMs = int(o, 'toMs', 0, 8_640_000_000_000_000);
    if (toMs <= fromMs) throw new DeskError('report.bad_range', 'The end date must come after the start date.', { detail: `${fromMs}..${toMs}` });
    return {
      ...(orgId === undefined ? {} : { orgId }), direction: oneOf(o, 'direction', ['received', 'sent', 'all'] as const), fromMs, toMs,
      format: oneOf(o, 'format', ['csv', 'pdf'] as const), timeZone: timeZone(o),
    };
  },
  'outbox.cancelScheduled': (raw) => ({ id: faxId(obj(raw), 'id') }),
  'outbox.sendNow': (raw) => ({ id: faxId(obj(raw), 'id') }),

  'compose.build': (raw) => {
    const o = obj(raw);
    // More files than a fax may combine still pass here: compose.ts answers with a sentence.
    const files = list(o, 'files', 500, (v, i) => {
      const f = obj(v, `files[${i}]`);
      const data = f['data'];
      if (!(data instanceof Uint8Array)) throw invalid(`files[${i}].data`, 'not bytes');
      return {
        fileName: str(f, 'fileName', { min: 1, max: 255, pattern: /^[^/\\\0]+$/ }),
        data,
        removePages: list(f, 'removePages', 100_000, (_p, j) => int({ n: (f['removePages'] as unknown[])[j] }, 'n', 1, 1_000_000)),
      };
    });
    let cover: RequestOf<'compose.build'>['cover'] = null;
    if (o['cover'] !== null && o['cover'] !== undefined) {
      const c = obj(o['cover'], 'cover');
      // "to" may still be half typed while the preview is shown: it is only printed on the sheet.
      cover = { ...coverFields(c), ...coverTemplateRef(c), to: str(c, 'to', { max: 40 }), from: str(c, 'from', { max: 40 }) };
    }
    return { files, paper: oneOf(o, 'paper', ['a4', 'letter'] as const), cover };
  },

  'contacts.list': (raw) => { const q = optStr(obj(raw ?? {}), 'query', { max: 200 }); return q === undefined ? {} : { query: q }; },
  'contacts.save': (raw) => {
    const o = obj(raw);
    const id = optStr(o, 'id', { max: 64, pattern: ID_PATTERN });
    return { ...(id === undefined ? {} : { id }), name: str(o, 'name', { min: 1, max: 200 }).trim(), organisation: str(o, 'organisation', { max: 200 }).trim(), faxNumber: e164(o, 'faxNumber') };
  },
  'contacts.delete': (raw) => ({ id: str(obj(raw), 'id', { min: 1, max: 64, pattern: ID_PATTERN }) }),
  'contacts.importCsv': (raw) => ({ csv: str(obj(raw), 'csv', { max: 5 * 1024 * 1024 }) }),
  'contacts.exportCsv': none,
  'groups.list': none,
  'groups.save': (raw) => {
    const o = obj(raw);
    const id = optStr(o, 'id', { max: 64, pattern: ID_PATTERN });
    return { ...(id === undefined ? {} : { id }), name: str(o, 'name', { min: 1, max: 100 }).trim() };
  },
  'groups.delete': (raw) => ({ id: str(obj(raw), 'id', { min: 1, max: 64, pattern: ID_PATTERN }) }),
  'covers.list': none,
  'covers.save': (raw) => {
    const o = obj(raw);
    const id = optStr(o, 'id', { max: 64, pattern: ID_PATTERN });
    return { ...(id === undefined ? {} : { id }), ...coverTemplateBody(o) };
  },
  'covers.delete': (raw) => ({ id: str(obj(raw), 'id', { min: 1, max: 64, pattern: ID_PATTERN }) }),
  'covers.setLogo': (raw) => {
    const o = obj(raw);
    const data = o['data'];
    if (!(data instanceof Uint8Array)) throw invalid('data', 'not bytes');
    // Over the limit still passes here: the store answers with a sentence naming the file.
    if (data.length > 64 * 1024 * 1024) throw invalid('data', 'far too large');
    return { fileName: str(o, 'fileName', { min: 1, max: 255, pattern: /^[^/\\\0]+$/ }), data };
  },
  'covers.removeLogo': none,
  'groups.setMembers': (raw) => {
    const o = obj(raw);
    return { id: str(o, 'id', { min: 1, max: 64, pattern: ID_PATTERN }), contactIds: list(o, 'contactIds', 5000, (v, i) => {
      if (typeof v !== 'string' || !ID_PATTERN.test(v) || v.length > 64) throw invalid(`contactIds[${i}]`, 'not an id');
      return v;
    }) };
  },

  'settings.get': none,
  'receiving.status': none,
  'receiving.configureTunnel': (raw) => {
    const o = obj(raw);
    if (typeof o['enabled'] !== 'boolean') throw invalid('enabled', 'must be true or false');
    const token = o['authtoken'];
    return {
      enabled: o['enabled'],
      ...(token === undefined ? {} : { authtoken: token === null ? null : str(o, 'authtoken', { min: 20, max: 200, pattern: /^[A-Za-z0-9_-]+$/ }) }),
    };
  },
  'receiving.setWebhookSecret': (raw) => {
    const o = obj(raw);
    return { orgId: orgId(o, 'orgId'), secret: str(o, 'secret', { min: 16, max: 256, pattern: /^[\x21-\x7e]+$/ }) };
  },
  'settings.update': (raw) => {
    const o = obj(raw);
    const out: Partial<Omit<Settings, 'pstn'>> = {};
    if (o['receiveMode'] !== undefined) out.receiveMode = oneOf(o, 'receiveMode', RECEIVE_MODES);
    if (o['pollIntervalSeconds'] !== undefined) out.pollIntervalSeconds = int(o, 'pollIntervalSeconds', 1, 3600);
    if (o['webhookTunnelUrl'] !== undefined) out.webhookTunnelUrl = url(o, 'webhookTunnelUrl', true);
    if (o['webhookListenPort'] !== undefined) out.webhookListenPort = int(o, 'webhookListenPort', 0, 65535);
    if (o['notifications'] !== undefined) {
      const n = obj(o['notifications'], 'notifications');
      out.notifications = { enabled: bool(n, 'enabled'), hideContentOnLockScreen: bool(n, 'hideContentOnLockScreen') };
    }
    if (o['retention'] !== undefined) {
      const r = obj(o['retention'], 'retention');
      out.retention = { enabled: bool(r, 'enabled'), days: int(r, 'days', 1, 36500), action: oneOf(r, 'action', ['archive', 'delete'] as const) };
    }
    if (o['theme'] !== undefined) out.theme = oneOf(o, 'theme', ['system', 'light', 'dark'] as const);
    if (o['defaultCountry'] !== undefined) out.defaultCountry = str(o, 'defaultCountry', { max: 2, pattern: /^([A-Z]{2})?$/ });
    if (o['lineNames'] !== undefined) out.lineNames = lineNames(obj(o['lineNames'], 'lineNames'));
    return out;
  },
  'settings.configurePstn': (raw) => {
    const o = obj(raw);
    const provider = o['provider'] === null ? null : oneOf(o, 'provider', PROVIDERS);
    const c = obj(o['credentials'], 'credentials');
    const credentials: Record<string, string> = {};
    const keys = Object.keys(c);
    if (keys.length > 20) throw invalid('credentials', 'too many fields');
    for (const k of keys) {
      // __proto__ and friends match the pattern: refused by name so they can never reach an
      // object spread or merge of the saved credentials.
      if (!/^[A-Za-z0-9_]{1,64}$/.test(k) || k === '__proto__' || k === 'constructor' || k === 'prototype') throw invalid('credentials', 'bad field name');
      credentials[k] = str(c, k, { max: 4096 });
    }
    const fromNumber = o['fromNumber'] === '' ? '' : e164(o, 'fromNumber');
    return { provider, fromNumber, credentials };
  },
};

export function validateRequest<C extends RequestChannel>(channel: C, raw: unknown): RequestOf<C> {
  return validators[channel](raw);
}
