/**
 * Reads a zip's central directory ourselves, before any library inflates anything. jszip
 * silently keeps one of two entries with the same name and trusts declared sizes only after
 * inflating; for a file full of private keys we want to refuse duplicates, odd names and
 * oversized archives up front, from the raw bytes.
 */
import { ProtocolError } from './errors.ts';

export interface RawZipEntry {
  name: string;
  crc32: number;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

const invalid = (sentence: string, entry?: string): ProtocolError => new ProtocolError('keys_zip_invalid', sentence, entry ?? 'keys.zip');

/** Lists the central directory. Refuses multi-disk, ZIP64 and structurally broken archives. */
export function readCentralDirectory(zip: Uint8Array, maxEntries: number): RawZipEntry[] {
  if (zip.length < EOCD_MIN) throw invalid('The file is not a zip archive (too short).');
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  const lowest = Math.max(0, zip.length - EOCD_MIN - MAX_COMMENT);
  for (let at = zip.length - EOCD_MIN; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_MIN + view.getUint16(at + 20, true) === zip.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw invalid('The file is not a zip archive (no end-of-archive record).');
  const disk = view.getUint16(eocd + 4, true);
  const cdDisk = view.getUint16(eocd + 6, true);
  const entriesOnDisk = view.getUint16(eocd + 8, true);
  const totalEntries = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== totalEntries) throw invalid('Split (multi-part) zip archives are not supported.');
  if (totalEntries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw invalid('ZIP64 archives are not supported for keys.zip.');
  if (totalEntries > maxEntries) throw invalid(`The archive has ${totalEntries} entries; a keys.zip has ${maxEntries} at most.`);
  if (cdOffset + cdSize > eocd) throw invalid('The zip archive is damaged (its directory points outside the file).');
  const entries: RawZipEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < totalEntries; i++) {
    if (at + 46 > cdOffset + cdSize || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw invalid('The zip archive is damaged (bad directory record).');
    const flags = view.getUint16(at + 8, true);
    const crc32 = view.getUint32(at + 16, true);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd > cdOffset + cdSize) throw invalid('The zip archive is damaged (a name runs past the directory).');
    // Names are decoded byte-for-byte as Latin-1 here; the caller only accepts plain ASCII names.
    let name = '';
    for (let j = at + 46; j < nameEnd; j++) name += String.fromCharCode(zip[j]!);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff) throw invalid('ZIP64 entries are not supported for keys.zip.', name);
    entries.push({ name, crc32, method, flags, compressedSize, uncompressedSize });
    at = nameEnd + extraLength + commentLength;
  }
  return entries;
}

/** Why an entry name is unsafe to use as a path, or undefined when it is fine. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'has an empty name';
  if (!/^[\x21-\x7e]+$/.test(name)) return 'has a name with spaces or non-ASCII characters';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  if (name.includes('\\')) return 'uses backslashes in its path';
  if (name.split('/').some((segment) => segment === '..')) return "climbs out of the archive with '..'";
  return undefined;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (zip / IEEE 802.3), to check each entry after our capped read (jszip would only check after inflating everything). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
