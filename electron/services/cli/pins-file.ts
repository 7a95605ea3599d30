/**
 * The CLI's memory of each peer org's identity between runs (trust on first use, like the
 * desktop app's key_pins table): the SHA-256 of the org signing key that signs the peer's
 * bundles. Kept in a small JSON file, `--state <dir>/pins.json`, or by default beside the
 * keys.zip as `<name>.pins.json` (keys.zip → keys.pins.json). Public facts only, no secret.
 *
 * A peer whose key differs from the pin is refused (DeskError keys.peer_changed, exit 7)
 * unless the run says --accept-key-change, which re-pins it and warns on stderr.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DeskError } from '../errors.ts';
import { writeFileAtomicSync } from '../storage/atomic-file.ts';

export const PINS_FORMAT = 'fxe-desk-pins-v1';

interface PinEntry {
  fingerprint: string;
  first_seen: string;
  updated: string;
}

interface PinsDocument {
  format: string;
  orgs: Record<string, PinEntry>;
}

export type PinOutcome = 'first-use' | 'unchanged' | 'accepted-change';

/** Where the pins live: under --state, else next to the keys.zip. */
export function pinsPathFor(keysPath: string, stateDir: string | null): string {
  if (stateDir) return join(stateDir, 'pins.json');
  return join(dirname(keysPath), `${basename(keysPath).replace(/\.zip$/i, '')}.pins.json`);
}

/** The identity we pin: hex SHA-256 of the org signing public key. */
export function orgKeyFingerprint(orgSigningPub: Uint8Array): string {
  return createHash('sha256').update(orgSigningPub).digest('hex');
}

export class PinsFile {
  readonly path: string;
  private readonly doc: PinsDocument;

  constructor(path: string) {
    this.path = path;
    this.doc = existsSync(path) ? PinsFile.read(path) : { format: PINS_FORMAT, orgs: {} };
  }

  private static read(path: string): PinsDocument {
    try {
      const doc = JSON.parse(readFileSync(path, 'utf8')) as PinsDocument;
      if (doc.format !== PINS_FORMAT || typeof doc.orgs !== 'object' || doc.orgs === null) throw new Error('unknown format');
      return doc;
    } catch (e) {
      throw new DeskError('file.pins_invalid', `The remembered keys file ${path} is damaged. Move it away to start trusting peers afresh.`, {
        detail: e instanceof Error ? e.message : String(e),
      });
    }
  }

  pinned(orgId: string): string | null {
    return this.doc.orgs[orgId]?.fingerprint ?? null;
  }

  /**
   * Check a peer org's key against its pin (pinning it on first use). A change throws
   * keys.peer_changed unless `acceptChange`; then the new key is pinned and `warn` is told.
   */
  check(orgId: string, fingerprint: string, opts: { acceptChange: boolean; what: string; warn: (line: string) => void }): PinOutcome {
    const now = new Date().toISOString();
    const pin = this.doc.orgs[orgId];
    if (pin && pin.fingerprint === fingerprint) return 'unchanged';
    if (pin && !opts.acceptChange) {
      throw new DeskError(
        'keys.peer_changed',
        `The security keys of ${opts.what} changed since the last time. Confirm the change with them (by phone), then run again with --accept-key-change.`,
        { detail: `org ${orgId}: pinned ${pin.fingerprint}, now ${fingerprint} (${this.path})` },
      );
    }
    this.doc.orgs[orgId] = { fingerprint, first_seen: pin?.first_seen ?? now, updated: now };
    this.save();
    if (pin) {
      opts.warn(`fxe-desk: warning: accepted new keys for ${opts.what} (${orgId}): ${pin.fingerprint.slice(0, 16)}… → ${fingerprint.slice(0, 16)}…`);
      return 'accepted-change';
    }
    return 'first-use';
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.path, `${JSON.stringify(this.doc, null, 2)}\n`, 0o600);
  }
}
