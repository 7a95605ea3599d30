// The branded ids are a compile-time guard: `npx tsc` checks the @ts-expect-error lines below
// (an error that stops happening fails the type check), vitest checks the runtime half.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { asFaxId, asFingerprint, asMessageId, asOrgId, faxIdForMessage, type FaxId, type Fingerprint, type MessageId, type OrgId } from '../../shared/domain/ids.ts';
import type { RequestOf } from '../../shared/ipc/contract.ts';
import type { InboxStore } from '../../electron/services/storage/inbox-store.ts';
import type { TrustStore } from '../../electron/services/trust/trust-store.ts';

const org = asOrgId('org_northside');
const fax = asFaxId('0f8e3c1a-5b2d-4c6e-9a7f-1d2e3f4a5b6c');
const message = asMessageId('0f8e3c1a-5b2d-4c6e-9a7f-1d2e3f4a5b6c');
const fingerprint = asFingerprint('ab'.repeat(32));

function openFax(id: FaxId): FaxId {
  return id;
}

describe('branded ids', () => {
  it('refuses an org id, a message id, a fingerprint or plain text where a fax id belongs', () => {
    // @ts-expect-error an OrgId is not a FaxId
    openFax(org);
    // @ts-expect-error a MessageId becomes a FaxId only through faxIdForMessage
    openFax(message);
    // @ts-expect-error a Fingerprint is not a FaxId
    openFax(fingerprint);
    // @ts-expect-error unchecked text is not a FaxId
    openFax('0f8e3c1a-5b2d-4c6e-9a7f-1d2e3f4a5b6c');
    expect(openFax(faxIdForMessage(message))).toBe(fax);
  });

  it('keeps the IPC contract, the inbox store and the trust store typed by id kind', () => {
    expectTypeOf<RequestOf<'faxes.get'>['id']>().toEqualTypeOf<FaxId>();
    expectTypeOf<RequestOf<'faxes.markRead'>['ids']>().toEqualTypeOf<FaxId[]>();
    expectTypeOf<RequestOf<'send.check'>['orgId']>().toEqualTypeOf<OrgId>();
    expectTypeOf<RequestOf<'send.acceptKeyChange'>['newFingerprint']>().toEqualTypeOf<Fingerprint>();
    expectTypeOf<Parameters<InboxStore['detail']>[0]>().toEqualTypeOf<FaxId>();
    expectTypeOf<Parameters<TrustStore['pinned']>[0]>().toEqualTypeOf<OrgId>();
    expectTypeOf<OrgId>().not.toEqualTypeOf<FaxId>();
    expectTypeOf<MessageId>().not.toEqualTypeOf<FaxId>();
    // @ts-expect-error the IPC contract refuses an org id as a fax id
    const wrong: RequestOf<'faxes.get'> = { id: org };
    expect(wrong.id).toBe(org);
  });

  it('are the same strings at run time', () => {
    expect(typeof org).toBe('string');
    expect(`${org}/${fax}`).toBe('org_northside/0f8e3c1a-5b2d-4c6e-9a7f-1d2e3f4a5b6c');
    // A branded id still goes wherever text does (logs, SQL parameters, paths).
    const text: string = fingerprint;
    expect(text).toHaveLength(64);
  });
});
