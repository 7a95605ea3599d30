// Pixel comparison for the viewer test: the page pdf.js drew in Chromium against a reference
// rendering of the same PDF by poppler (pdftoppm), at the same pixel size. Two independent
// renderers never agree to the pixel (anti-aliasing, glyph hinting), so the test compares
// luminance with a tolerance and also checks the metric can tell pages apart.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GrayImage {
  width: number;
  height: number;
  /** One luminance byte per pixel. */
  gray: Uint8Array;
}

export function grayFromRgba(width: number, height: number, rgba: Uint8Array): GrayImage {
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) {
    gray[i] = Math.round(0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!);
  }
  return { width, height, gray };
}

/** Parse a binary PPM (P6), what pdftoppm writes by default. */
export function grayFromPpm(ppm: Uint8Array): GrayImage {
  const header: string[] = [];
  let pos = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(ppm[pos]!))) pos++;
    if (ppm[pos] === 0x23) {
      while (ppm[pos] !== 0x0a) pos++; // comment line
      continue;
    }
    let token = '';
    while (!/\s/.test(String.fromCharCode(ppm[pos]!))) token += String.fromCharCode(ppm[pos++]!);
    header.push(token);
  }
  pos++; // the single whitespace after maxval
  if (header[0] !== 'P6' || header[3] !== '255') throw new Error(`unsupported PPM header ${header.join(' ')}`);
  const width = Number(header[1]);
  const height = Number(header[2]);
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) {
    const o = pos + i * 3;
    gray[i] = Math.round(0.299 * ppm[o]! + 0.587 * ppm[o + 1]! + 0.114 * ppm[o + 2]!);
  }
  return { width, height, gray };
}

/** Reference rendering of one page by poppler, scaled to exactly width × height pixels. */
export function renderWithPoppler(pdf: Uint8Array, page: number, width: number, height: number): GrayImage {
  const dir = mkdtempSync(join(tmpdir(), 'fxe-ref-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    execFileSync('pdftoppm', ['-f', String(page), '-l', String(page), '-scale-to-x', String(width), '-scale-to-y', String(height), '-singlefile', join(dir, 'in.pdf'), join(dir, 'out')]);
    return grayFromPpm(new Uint8Array(readFileSync(join(dir, 'out.ppm'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ImageDiff {
  meanAbsDiff: number;
  /** Share of pixels differing by more than 64 levels (a real difference, not anti-aliasing). */
  strongDiffRatio: number;
}

/**
 * Compare after a 2×2 box blur on both sides, which absorbs the half-pixel offsets and
 * anti-aliasing differences between two rasterisers without hiding real content changes.
 */
export function compareGray(a: GrayImage, b: GrayImage): ImageDiff {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size differs: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  const blur = (img: GrayImage) => {
    const out = new Float32Array(img.width * img.height);
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const x1 = Math.min(x + 1, img.width - 1);
        const y1 = Math.min(y + 1, img.height - 1);
        out[y * img.width + x] = (img.gray[y * img.width + x]! + img.gray[y * img.width + x1]! + img.gray[y1 * img.width + x]! + img.gray[y1 * img.width + x1]!) / 4;
      }
    }
    return out;
  };
  const ba = blur(a);
  const bb = blur(b);
  let sum = 0;
  let strong = 0;
  for (let i = 0; i < ba.length; i++) {
    const d = Math.abs(ba[i]! - bb[i]!);
    sum += d;
    if (d > 64) strong++;
  }
  return { meanAbsDiff: sum / ba.length, strongDiffRatio: strong / ba.length };
}

export function blankLike(img: GrayImage): GrayImage {
  return { width: img.width, height: img.height, gray: new Uint8Array(img.gray.length).fill(255) };
}
