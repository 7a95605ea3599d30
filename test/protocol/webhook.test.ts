// Webhook signatures: v1= hex HMAC-SHA256 over ts "." raw body; several v1 values; two secrets
// during rotation; skew window; malformed headers; constant-time comparison.
import { describe, expect, it } from 'vitest';
import { ProtocolError, constantTimeEqual, hexEncode, hmacSha256, utf8Encode, verifyWebhookSignature, webhookSignatureHeader } from '../../shared/protocol/index.ts';
import type { ProtocolErrorCode } from '../../shared/protocol/index.ts';

const oldSecret = utf8Encode('whsec_old_0123456789');
const newSecret = utf8Encode('whsec_new_9876543210');
const body = utf8Encode('{"event_id": "evt_1", "type": "message.received", "message_id": "m1"}');
const ts = '1767225600';
const now = 1767225600;

function codeOf(p: Partial<Parameters<typeof verifyWebhookSignature>[0]>): ProtocolErrorCode | 'ok' {
  try {
    verifyWebhookSignature({
      signatureHeader: webhookSignatureHeader({ secrets: [oldSecret], timestamp: ts, body }),
      timestampHeader: ts,
      body,
      secrets: [oldSecret],
      nowSeconds: now,
      ...p,
    });
    return 'ok';
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
}

describe('webhook signatures', () => {
  it('is hex HMAC-SHA256 over ts "." raw body', () => {
    const expected = hexEncode(hmacSha256(oldSecret, utf8Encode(`${ts}.${new TextDecoder().decode(body)}`)));
    expect(webhookSignatureHeader({ secrets: [oldSecret], timestamp: ts, body })).toBe(`v1=${expected}`);
  });

  it('verifies a good delivery', () => {
    expect(codeOf({})).toBe('ok');
  });

  it('writes one v1 per secret, in the order given (old first, new last)', () => {
    const header = webhookSignatureHeader({ secrets: [oldSecret, newSecret], timestamp: ts, body });
    const parts = header.split(',');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(webhookSignatureHeader({ secrets: [oldSecret], timestamp: ts, body }));
    expect(parts[1]).toBe(webhookSignatureHeader({ secrets: [newSecret], timestamp: ts, body }));
  });

  it('during rotation: two v1 values and either secret on the receiving side', () => {
    const both = webhookSignatureHeader({ secrets: [oldSecret, newSecret], timestamp: ts, body });
    expect(codeOf({ signatureHeader: both, secrets: [oldSecret] })).toBe('ok');
    expect(codeOf({ signatureHeader: both, secrets: [newSecret] })).toBe('ok');
    expect(codeOf({ signatureHeader: both, secrets: [newSecret, oldSecret] })).toBe('ok');
    const onlyNew = webhookSignatureHeader({ secrets: [newSecret], timestamp: ts, body });
    expect(codeOf({ signatureHeader: onlyNew, secrets: [oldSecret, newSecret] })).toBe('ok');
    expect(codeOf({ signatureHeader: onlyNew, secrets: [oldSecret] })).toBe('webhook_bad_signature');
  });

  it('ignores other schemes and spaces around parts', () => {
    const good = webhookSignatureHeader({ secrets: [oldSecret], timestamp: ts, body });
    expect(codeOf({ signatureHeader: `v0=abc, ${good}` })).toBe('ok');
  });

  it('accepts uppercase hex', () => {
    const good = webhookSignatureHeader({ secrets: [oldSecret], timestamp: ts, body });
    expect(codeOf({ signatureHeader: `v1=${good.slice(3).toUpperCase()}` })).toBe('ok');
  });

  it.each([
    ['a changed body', { body: utf8Encode('{"event_id": "evt_2"}') }],
    ['a body with one byte more', { body: new Uint8Array([...body, 0x20]) }],
    ['another timestamp (within skew)', { timestampHeader: String(now + 1) }],
    ['the wrong secret', { secrets: [newSecret] }],
    ['no secrets', { secrets: [] }],
    ['a zero signature', { signatureHeader: `v1=${'0'.repeat(64)}` }],
  ])('%s → webhook_bad_signature', (_label, over) => {
    expect(codeOf(over)).toBe('webhook_bad_signature');
  });

  it.each([
    [-300, 'ok'], [300, 'ok'], [-301, 'webhook_stale'], [301, 'webhook_stale'],
  ] as const)('timestamp skew %i s → %s', (skew, expected) => {
    const t = String(now + skew);
    const header = webhookSignatureHeader({ secrets: [oldSecret], timestamp: t, body });
    expect(codeOf({ signatureHeader: header, timestampHeader: t })).toBe(expected);
  });

  it('honours a custom tolerance', () => {
    const t = String(now - 31);
    const header = webhookSignatureHeader({ secrets: [oldSecret], timestamp: t, body });
    expect(codeOf({ signatureHeader: header, timestampHeader: t, toleranceSeconds: 30 })).toBe('webhook_stale');
  });

  it.each([
    ['missing signature', { signatureHeader: undefined }],
    ['missing timestamp', { timestampHeader: undefined }],
    ['timestamp not a number', { timestampHeader: '12ab' }],
    ['timestamp negative', { timestampHeader: '-5' }],
    ['timestamp fractional', { timestampHeader: '1767225600.5' }],
    ['empty signature', { signatureHeader: '' }],
    ['no v1', { signatureHeader: 'v0=abcd' }],
    ['v1 not hex', { signatureHeader: `v1=${'z'.repeat(64)}` }],
    ['v1 too short', { signatureHeader: `v1=${'a'.repeat(63)}` }],
    ['no "="', { signatureHeader: 'garbage' }],
    ['huge header', { signatureHeader: `v1=${'a'.repeat(64)},`.repeat(100) }],
  ])('%s → webhook_malformed', (_label, over) => {
    expect(codeOf(over)).toBe('webhook_malformed');
  });

  it('compares in constant time: no early exit on the first differing byte', () => {
    // Functional check of the comparator's contract (timing itself belongs in benchmarks).
    const a = new Uint8Array(32).fill(1);
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    for (const at of [0, 31]) {
      const b = a.slice();
      b[at] = 2;
      expect(constantTimeEqual(a, b)).toBe(false);
    }
    expect(constantTimeEqual(a, a.subarray(1))).toBe(false);
  });
});
