// keys.zip read/write and the validation table: each broken archive is refused with
// keys_zip_invalid, naming the entry and the problem in a sentence.
import { describe, expect, it } from 'vitest';
import {
  KEYS_ZIP_ENTRIES, ProtocolError, generateKeyMaterial, publicBundleOf, readKeysZip, utf8Encode, writeKeysZip,
} from '../../shared/protocol/index.ts';
import type { OrgKeys } from '../../shared/protocol/index.ts';
import { buildZip } from './zip-builder.ts';
import type { RawEntry } from './zip-builder.ts';
import { orgKeys } from './fixtures.ts';

const credentialsText = JSON.stringify({ relay: 'http://127.0.0.1:8787', org_id: 'org_t', key_id: 'key_t', bundle_id: 'kb_t' }, null, 2);

function goodEntries(keys: Omit<OrgKeys, 'credentials'>, credentials = credentialsText): RawEntry[] {
  return [
    { name: KEYS_ZIP_ENTRIES.credentials, data: utf8Encode(credentials) },
    { name: KEYS_ZIP_ENTRIES.signingSeed, data: keys.signingSeed },
    { name: KEYS_ZIP_ENTRIES.bundleSeed, data: keys.bundleSeed },
    { name: KEYS_ZIP_ENTRIES.mlkemSecret, data: keys.mlkemSecret },
    { name: KEYS_ZIP_ENTRIES.mlkemPublic, data: keys.mlkemPublic },
    { name: KEYS_ZIP_ENTRIES.x25519Secret, data: keys.x25519Secret },
    { name: KEYS_ZIP_ENTRIES.x25519Public, data: keys.x25519Public },
  ];
}

const material = generateKeyMaterial();

async function refusal(zip: Uint8Array): Promise<ProtocolError> {
  try {
    await readKeysZip(zip);
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('readKeysZip accepted a broken archive');
}

/** Expect keys_zip_invalid naming `entry` (in field and sentence) and matching `problem`. */
async function expectRefused(zip: Uint8Array, entry: string, problem: RegExp): Promise<void> {
  const err = await refusal(zip);
  expect(err.code).toBe('keys_zip_invalid');
  expect(err.field).toBe(entry);
  if (entry !== 'keys.zip') expect(err.message).toContain(entry.slice(0, 40));
  expect(err.message).toMatch(problem);
  expect(err.message).toMatch(/\.$/); // a sentence
}

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = bytes.slice();
  copy[at] = copy[at]! ^ 1;
  return copy;
};
const withEntry = (name: string, data: Uint8Array): RawEntry[] => goodEntries(material).map((e) => (e.name === name ? { name, data } : e));

describe('keys.zip: good archives', () => {
  it('round-trips through writeKeysZip / readKeysZip', async () => {
    const keys: OrgKeys = { ...material, credentials: { relay: 'https://relay.example', org_id: 'o', key_id: 'k', bundle_id: 'b', note: 'extra kept' } };
    const back = await readKeysZip(await writeKeysZip(keys));
    expect(back).toEqual(keys);
    expect(publicBundleOf(back).bundle_id).toBe('b');
  });

  it('re-writes the reference archive into one that reads back the same keys', async () => {
    const alice = await orgKeys('alice');
    expect(await readKeysZip(await writeKeysZip(alice))).toEqual(alice);
  });

  it('accepts a raw archive with stored or deflated entries and a "keys/" folder record', async () => {
    const entries: RawEntry[] = goodEntries(material).map((e, i) => ({ ...e, method: (i % 2 === 0 ? 8 : 0) }));
    entries.splice(1, 0, { name: 'keys/', data: new Uint8Array(0) });
    const keys = await readKeysZip(buildZip(entries));
    expect(keys.mlkemPublic).toEqual(material.mlkemPublic);
  });

  it('leaves the caller\'s buffer unchanged (stored and deflated entries, Buffer and Uint8Array)', async () => {
    const stored = buildZip(goodEntries(material));
    const deflated = buildZip(goodEntries(material).map((e) => ({ ...e, method: 8 as const })));
    for (const zip of [stored, deflated, Buffer.from(stored), await writeKeysZip({ ...material, credentials: { relay: 'https://r.example', org_id: 'o', key_id: 'k', bundle_id: 'b' } })]) {
      const before = Uint8Array.from(zip);
      const keys = await readKeysZip(zip);
      expect(keys.mlkemSecret).toEqual(material.mlkemSecret);
      expect(Uint8Array.from(zip)).toEqual(before);
    }
  });

  it('leaves the caller\'s buffer unchanged when it refuses the archive', async () => {
    const zip = buildZip(withEntry(KEYS_ZIP_ENTRIES.x25519Public, new Uint8Array(32).fill(9)));
    const before = zip.slice();
    await expect(readKeysZip(zip)).rejects.toThrow(/does not match/);
    expect(zip).toEqual(before);
  });

  it('checks the X25519 pair with a native X25519 when given one (the node backend), with the same verdicts', async () => {
    const { detectNativeAsymmetric } = await import('../../electron/services/crypto/native-asymmetric.ts');
    const native = detectNativeAsymmetric();
    let calls = 0;
    const crypto = { x25519PublicKey: (secret: Uint8Array): Uint8Array => { calls++; return native.x25519PublicKey!(secret); } };
    expect((await readKeysZip(buildZip(goodEntries(material)), crypto)).x25519Public).toEqual(material.x25519Public);
    await expect(readKeysZip(buildZip(withEntry(KEYS_ZIP_ENTRIES.x25519Public, new Uint8Array(32).fill(9))), crypto)).rejects.toThrow(/does not match/);
    expect(calls).toBe(2);
  });

  it('tolerates extra credential fields', async () => {
    const creds = JSON.stringify({ relay: 'http://x', org_id: 'o', key_id: 'k', bundle_id: 'b', org_name: 'Acme', numbers: ['+1555'], v: 2.0 });
    const keys = await readKeysZip(buildZip(goodEntries(material, creds)));
    expect(keys.credentials['org_name']).toBe('Acme');
  });
});

describe('keys.zip: refused archives', () => {
  for (const name of Object.values(KEYS_ZIP_ENTRIES)) {
    it(`missing ${name}`, async () => {
      await expectRefused(buildZip(goodEntries(material).filter((e) => e.name !== name)), name, /missing/);
    });
  }

  it('an extra entry', async () => {
    await expectRefused(buildZip([...goodEntries(material), { name: 'keys/extra.key', data: new Uint8Array(32) }]), 'keys/extra.key', /does not belong/);
  });

  const sizeCases: [string, number][] = [
    [KEYS_ZIP_ENTRIES.signingSeed, 31], [KEYS_ZIP_ENTRIES.signingSeed, 33], [KEYS_ZIP_ENTRIES.bundleSeed, 64],
    [KEYS_ZIP_ENTRIES.mlkemSecret, 2399], [KEYS_ZIP_ENTRIES.mlkemSecret, 3168], [KEYS_ZIP_ENTRIES.mlkemPublic, 1183],
    [KEYS_ZIP_ENTRIES.x25519Secret, 0], [KEYS_ZIP_ENTRIES.x25519Public, 33],
  ];
  for (const [name, size] of sizeCases) {
    it(`${name} of ${size} bytes`, async () => {
      await expectRefused(buildZip(withEntry(name, new Uint8Array(size))), name, new RegExp(`${size} bytes; it must be`));
    });
  }

  it('an ML-KEM public key that is not the one inside the secret key', async () => {
    await expectRefused(buildZip(withEntry(KEYS_ZIP_ENTRIES.mlkemPublic, flip(material.mlkemPublic, 100))), KEYS_ZIP_ENTRIES.mlkemPublic, /does not match/);
  });

  it('an ML-KEM public key from another key pair', async () => {
    const other = generateKeyMaterial();
    await expectRefused(buildZip(withEntry(KEYS_ZIP_ENTRIES.mlkemPublic, other.mlkemPublic)), KEYS_ZIP_ENTRIES.mlkemPublic, /does not match/);
  });

  it('an ML-KEM secret key whose H(ek) is wrong', async () => {
    await expectRefused(buildZip(withEntry(KEYS_ZIP_ENTRIES.mlkemSecret, flip(material.mlkemSecret, 2336 + 5))), KEYS_ZIP_ENTRIES.mlkemSecret, /hash/);
  });

  it('an X25519 public key that is not derived from its secret', async () => {
    await expectRefused(buildZip(withEntry(KEYS_ZIP_ENTRIES.x25519Public, flip(material.x25519Public, 0))), KEYS_ZIP_ENTRIES.x25519Public, /does not match/);
  });

  const credentialCases: [string, string, RegExp][] = [
    ['not JSON', '{"relay": ', /not valid JSON/],
    ['not UTF-8', '\uFFFD', /not valid JSON/],
    ['an array', '[1, 2]', /JSON object/],
    ['missing org_id', JSON.stringify({ relay: 'http://x', key_id: 'k', bundle_id: 'b' }), /no "org_id"/],
    ['missing relay', JSON.stringify({ org_id: 'o', key_id: 'k', bundle_id: 'b' }), /no "relay"/],
    ['key_id a number', JSON.stringify({ relay: 'http://x', org_id: 'o', key_id: 7, bundle_id: 'b' }), /"key_id" must be non-empty text/],
    ['bundle_id empty', JSON.stringify({ relay: 'http://x', org_id: 'o', key_id: 'k', bundle_id: '' }), /"bundle_id" must be non-empty text/],
    ['relay not a URL', JSON.stringify({ relay: 'ftp://x', org_id: 'o', key_id: 'k', bundle_id: 'b' }), /"relay" must be an http/],
  ];
  for (const [label, text, problem] of credentialCases) {
    it(`credentials.json ${label}`, async () => {
      const data = label === 'not UTF-8' ? Uint8Array.of(0xff, 0xfe, 0x7b) : utf8Encode(text);
      await expectRefused(buildZip(withEntry(KEYS_ZIP_ENTRIES.credentials, data)), KEYS_ZIP_ENTRIES.credentials, problem);
    });
  }

  const hostileNames: [string, RegExp][] = [
    ['../keys/signing.ed25519.key', /'\.\.'/],
    ['keys/../../etc/passwd', /'\.\.'/],
    ['/etc/passwd', /absolute/],
    ['C:/keys.key', /absolute/],
    ['keys\\signing.ed25519.key', /backslash/],
    ['keys/sp ace', /spaces or non-ASCII/],
  ];
  for (const [name, problem] of hostileNames) {
    it(`an entry named ${JSON.stringify(name)}`, async () => {
      await expectRefused(buildZip([...goodEntries(material), { name, data: new Uint8Array(1) }]), name, problem);
    });
  }

  it('a duplicate entry (which jszip would silently collapse)', async () => {
    const evil = JSON.stringify({ relay: 'http://evil', org_id: 'o', key_id: 'k', bundle_id: 'b' });
    const entries = [...goodEntries(material), { name: KEYS_ZIP_ENTRIES.credentials, data: utf8Encode(evil) }];
    await expectRefused(buildZip(entries), KEYS_ZIP_ENTRIES.credentials, /appears twice/);
  });

  it('an entry that declares more than the 1 MiB cap (refused before inflating)', async () => {
    const bomb = new Uint8Array(2 * 1024 * 1024); // deflates to ~2 KB
    const entries = [...goodEntries(material).slice(0, 6), { name: KEYS_ZIP_ENTRIES.x25519Public, data: bomb, method: 8 as const }];
    await expectRefused(buildZip(entries), KEYS_ZIP_ENTRIES.x25519Public, /1 MiB/);
  });

  it('entries whose declared sizes add up past the cap', async () => {
    const entries = goodEntries(material);
    entries[0] = { name: KEYS_ZIP_ENTRIES.credentials, data: utf8Encode(credentialsText), declaredSize: 1024 * 1024 };
    // credentials.json alone fits; the next entry is the one that crosses the cap.
    await expectRefused(buildZip(entries), KEYS_ZIP_ENTRIES.signingSeed, /1 MiB/);
  });

  it('an entry that inflates past its declared size (a lying bomb) is stopped at the cap', async () => {
    const bomb = new Uint8Array(4 * 1024 * 1024);
    const entries = [...goodEntries(material).slice(0, 6), { name: KEYS_ZIP_ENTRIES.x25519Public, data: bomb, method: 8 as const, declaredSize: 32 }];
    await expectRefused(buildZip(entries), KEYS_ZIP_ENTRIES.x25519Public, /more than its declared size/);
  });

  it('an entry whose content does not match its CRC-32', async () => {
    const zip = buildZip(goodEntries(material));
    // Corrupt one byte inside the stored signing seed (the local data, not the directory).
    const at = Buffer.from(zip).indexOf(Buffer.from(material.signingSeed));
    const bad = flip(zip, at + 3);
    await expectRefused(bad, KEYS_ZIP_ENTRIES.signingSeed, /damaged/);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['random bytes', Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff)],
    ['a PDF', utf8Encode('%PDF-1.4\n' + 'x'.repeat(100))],
  ])('not a zip at all (%s)', async (_label, bytes) => {
    await expectRefused(bytes, 'keys.zip', /not a zip/);
  });

  it('a truncated archive', async () => {
    const zip = buildZip(goodEntries(material));
    const err = await refusal(zip.subarray(0, zip.length - 30));
    expect(err.code).toBe('keys_zip_invalid');
  });

  it('an archive far larger than any keys.zip', async () => {
    await expectRefused(new Uint8Array(2 * 1024 * 1024), 'keys.zip', /too large/);
  });
});
