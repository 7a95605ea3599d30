/**
 * Provider failure codes → one normalised reason and one plain sentence, so a failed PSTN fax
 * reads the same in the outbox whichever provider carried it. Codes not listed fall to
 * `other`; the provider's code is always kept next to the sentence for the detail view.
 * Sources of the code lists: docs/pstn.md.
 */
import type { PstnFailureCode, PstnProviderName } from './types.ts';

const TELNYX: Record<string, PstnFailureCode> = {
  user_busy: 'busy',
  receiver_no_answer: 'no_answer',
  receiver_no_response: 'no_answer',
  fax_initial_communication_timeout: 'no_answer',
  destination_invalid: 'invalid_number',
  receiver_unallocated_number: 'invalid_number',
  receiver_invalid_number_format: 'invalid_number',
  receiver_incompatible_destination: 'invalid_number',
  receiver_decline: 'rejected',
  receiver_call_dropped: 'line_problem',
  receiver_communication_error: 'line_problem',
  receiver_recovery_on_timer_expire: 'line_problem',
  fax_signaling_error: 'line_problem',
  invalid_ecm_response_from_receiver: 'line_problem',
  destination_unreachable: 'line_problem',
  service_unavailable: 'line_problem',
  file_size_limit_exceeded: 'file_problem',
  page_count_limit_exceeded: 'file_problem',
  file_download_failed: 'file_problem',
  file_format_invalid: 'file_problem',
  account_disabled: 'account_problem',
  connection_channel_limit_exceeded: 'account_problem',
  destination_not_in_countries_whitelist: 'account_problem',
  destination_not_in_service_plan: 'account_problem',
  no_outbound_profile: 'account_problem',
  outbound_profile_channel_limit_exceeded: 'account_problem',
  outbound_profile_daily_spend_limit_exceeded: 'account_problem',
  user_channel_limit_exceeded: 'account_problem',
  unverified_destination_not_allowed: 'account_problem',
  unverified_origination_number: 'account_problem',
};

const MINTFAX: Record<string, PstnFailureCode> = {
  busy: 'busy',
  no_answer: 'no_answer',
  invalid_number: 'invalid_number',
  bad_destination: 'invalid_number',
  line_quality: 'line_problem',
  no_route: 'line_problem',
  timeout: 'line_problem',
  insufficient_balance: 'account_problem',
};

const SENTENCES: Record<PstnFailureCode, string> = {
  busy: 'The fax line was busy every time it was called. Try again later.',
  no_answer: 'Nobody answered the fax line. Check that the number belongs to a fax machine that is switched on.',
  invalid_number: 'That number cannot receive faxes. Check the number with the recipient.',
  rejected: 'The receiving side refused the call.',
  line_problem: 'The call went through but the fax could not be transmitted (a line or machine problem). Try again.',
  file_problem: 'The fax provider could not process the document. Try saving it again as a PDF.',
  account_problem: 'The fax provider account cannot send this fax right now (account limits or settings).',
  other: 'The fax could not be delivered.',
};

export function normaliseFailure(provider: PstnProviderName, providerCode: string | undefined): { code: PstnFailureCode; sentence: string } {
  const table = provider === 'telnyx' ? TELNYX : MINTFAX;
  const code = (providerCode !== undefined && Object.hasOwn(table, providerCode) ? table[providerCode] : undefined) ?? 'other';
  return { code, sentence: SENTENCES[code] };
}
