/**
 * What both adapters do the same way before and after talking to their provider: build the
 * HTTP context from the injected dependencies, check numbers and file size before any upload,
 * and build a PstnStatus from the provider's state and failure code.
 */
import { fileTooLargeError, PstnError } from './errors.ts';
import { normaliseFailure } from './failure-reasons.ts';
import { DEFAULT_RETRY_POLICY, defaultNowSeconds, defaultSleep, E164, type HttpContext } from './http.ts';
import type { PstnDeps, PstnProviderName, PstnState, PstnStatus } from './types.ts';

export function httpContextFor(provider: PstnProviderName, deps: PstnDeps): HttpContext {
  return {
    fetch: deps.fetch,
    sleep: deps.sleep ?? defaultSleep,
    nowSeconds: deps.nowSeconds ?? defaultNowSeconds,
    policy: { ...DEFAULT_RETRY_POLICY, ...deps.retry },
    provider,
  };
}

export function assertSendable(providerLabel: string, maxBytes: number, pdf: Uint8Array, to: string, from: string | undefined): void {
  if (!E164.test(to)) {
    throw new PstnError('invalid_number', {
      message: `The fax number ${JSON.stringify(to)} is not complete. Write it with + and the country code, for example +12125551234.`,
      detail: 'to is not E.164',
    });
  }
  if (from !== undefined && !E164.test(from)) {
    throw new PstnError('invalid_number', {
      message: 'The sending fax number in Settings is not complete. Write it with + and the country code.',
      detail: 'from is not E.164',
    });
  }
  if (pdf.length === 0) throw new PstnError('file_rejected', { detail: 'the PDF is empty' });
  if (pdf.length > maxBytes) throw fileTooLargeError(providerLabel, pdf.length, maxBytes);
}

export function requireCredential(value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') {
    throw new PstnError('not_configured', { detail: `${what} is missing from the PSTN settings` });
  }
  return value;
}

export function statusOf(
  provider: PstnProviderName,
  state: PstnState,
  providerState: string,
  providerFailureCode: string | undefined,
  updatedAt: string | undefined,
): PstnStatus {
  const status: PstnStatus = { state, providerState };
  if (state === 'failed') {
    const failure = normaliseFailure(provider, providerFailureCode);
    status.failureCode = failure.code;
    status.failureReason = failure.sentence;
    if (providerFailureCode !== undefined) status.providerFailureCode = providerFailureCode;
  }
  if (updatedAt !== undefined) status.updatedAt = updatedAt;
  return status;
}

/** A copy of the bytes in an ArrayBuffer-backed view, as Blob wants. */
export function pdfBlob(pdf: Uint8Array): Blob {
  return new Blob([new Uint8Array(pdf)], { type: 'application/pdf' });
}
