/**
 * What the relay checks about an uploaded envelope once the whole upload has arrived and the
 * request is authenticated, in the order docs/relay.md documents (the first failure answers).
 * The relay cannot read the fax; it can hold the sender to what the envelope claims: who sent
 * it, from which number, to which org and number, and that the bytes are the signed bytes.
 */
import {
  b64uDecode,
  isProtocolError,
  JsonNumber,
  parseEnvelope,
  SUITE,
  verifyEnvelopeSignature,
  type Envelope,
} from '../../shared/protocol/index.ts';
import { RelayHttpError, UUID_PATTERN } from './http-util.ts';
import type { NewMessage, OrgRow, RelayStore } from './store.ts';
import type { CryptoBackend } from '../../shared/protocol/index.ts';

export interface ReceivedCiphertext {
  size: number;
  sha256Hex: string;
}

export function checkEnvelope(p: {
  store: RelayStore;
  sender: OrgRow;
  envelopeText: string;
  ciphertext: ReceivedCiphertext;
  uploadedAt: number;
  /** The relay's signature checks (RelayAuth.crypto). */
  crypto: CryptoBackend;
}): { envelope: Envelope; row: NewMessage } {
  const { store, sender } = p;
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(p.envelopeText);
  } catch (e) {
    if (isProtocolError(e)) throw new RelayHttpError('malformed_envelope', { field: e.field, detail: e.message });
    throw e;
  }
  if (!UUID_PATTERN.test(envelope.message_id)) throw new RelayHttpError('malformed_envelope', { field: 'message_id', detail: 'not a uuid' });
  if (envelope.suite !== SUITE) throw new RelayHttpError('unsupported_suite', { field: 'suite' });

  // Who sends.
  if (envelope.sender_org_id !== sender.org_id) throw new RelayHttpError('sender_org_mismatch', { field: 'sender_org_id' });
  if (store.numberOwner(envelope.from_number) !== sender.org_id) throw new RelayHttpError('from_number_not_yours', { field: 'from_number' });
  const senderBundle = store.bundleById(envelope.sender_key_bundle_id);
  if (!senderBundle || senderBundle.org_id !== sender.org_id || senderBundle.retired_at !== null) {
    throw new RelayHttpError('sender_bundle_not_yours', { field: 'sender_key_bundle_id' });
  }

  // What was sent: the signed envelope names exactly these bytes.
  try {
    verifyEnvelopeSignature(envelope, b64uDecode(senderBundle.ed25519_pub), p.crypto);
  } catch (e) {
    if (isProtocolError(e, 'bad_signature')) throw new RelayHttpError('envelope_bad_signature', { field: 'sender_sig' });
    if (isProtocolError(e)) throw new RelayHttpError('malformed_envelope', { field: e.field, detail: e.message });
    throw e;
  }
  if (envelope.size !== p.ciphertext.size) throw new RelayHttpError('size_mismatch', { field: 'size' });
  if (envelope.ciphertext_sha256 !== p.ciphertext.sha256Hex) throw new RelayHttpError('ciphertext_hash_mismatch', { field: 'ciphertext_sha256' });

  // To whom.
  const recipient = store.orgById(envelope.recipient_org_id);
  if (!recipient) throw new RelayHttpError('unknown_recipient_org', { field: 'recipient_org_id' });
  const toOwner = store.numberOwner(envelope.to_number);
  if (toOwner === undefined) throw new RelayHttpError('to_number_not_covered', { field: 'to_number' });
  if (toOwner !== recipient.org_id) throw new RelayHttpError('to_number_not_recipient', { field: 'to_number' });
  const active = new Set(store.bundlesOf(recipient.org_id, true).map((b) => b.bundle_id));
  if (!envelope.wrapped_keys.some((wk) => active.has(wk.recipient_key_bundle_id))) {
    throw new RelayHttpError('no_key_for_recipient', { field: 'wrapped_keys' });
  }

  return {
    envelope,
    row: {
      message_id: envelope.message_id,
      sender_org_id: sender.org_id,
      recipient_org_id: recipient.org_id,
      from_number: envelope.from_number,
      to_number: envelope.to_number,
      size: envelope.size,
      ciphertext_sha256: envelope.ciphertext_sha256,
      created_at: wholeSeconds(envelope.created_at),
      envelope_json: p.envelopeText,
      uploaded_at: p.uploadedAt,
    },
  };
}

/** The envelope keeps created_at's lexeme for its signature; the listing only needs seconds. */
function wholeSeconds(value: number | JsonNumber): number {
  const n = value instanceof JsonNumber ? Number(value.lexeme) : value;
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}
