/**
 * A minimal PNG writer: 8-bit grayscale or RGB, no filtering, zlib from node:zlib. Enough to
 * hand decoded TIFF pages to pdf-lib (which embeds PNG and JPEG, not TIFF) without a new
 * dependency. Grayscale when every pixel is grey: a scanned letter then costs a third.
 */
// node:zlib's crc32 (Node ≥ 22.2; Electron 45 ships Node 22) is the PNG chunk checksum.
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const typeBytes = new TextEncoder().encode(type);
  out.set(typeBytes, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(data, crc32(typeBytes)));
  return out;
}

/**
 * RGBA pixels (4 bytes each, row by row) → PNG bytes. Transparency is flattened onto white,
 * as paper would show it.
 */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (rgba.length < width * height * 4) throw new Error(`expected ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  let gray = true;
  for (let i = 0; i < width * height * 4 && gray; i += 4) gray = rgba[i] === rgba[i + 1] && rgba[i] === rgba[i + 2];
  const channels = gray ? 1 : 3;
  const stride = width * channels + 1; // a filter byte (0 = none) starts every row
  const raw = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    let o = y * stride + 1;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const a = rgba[i + 3]!;
      for (let c = 0; c < channels; c++) raw[o++] = Math.round((rgba[i + c]! * a + 255 * (255 - a)) / 255);
    }
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bits per channel
  header[9] = gray ? 0 : 2; // colour type: greyscale or truecolour
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = [signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
