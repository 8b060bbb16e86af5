// A poster-like "small ad" image rendered from text (SVG through sharp, with the system's
// CJK font), for pasting onto real wall imagery in evaluation and tests.
import sharp from 'sharp';
import type { BgrImage } from '../../src/ingest/types.ts';
import { readImageBgr } from '../../src/inference/image.ts';

export interface PosterSpec {
  lines: string[];
  /** Pixel height of a text line. */
  fontSize?: number;
  width?: number;
  background?: string;
  colour?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function renderPoster(spec: PosterSpec): Promise<BgrImage> {
  const fs = spec.fontSize ?? 22;
  const lineH = Math.round(fs * 1.5);
  // CJK and full-width characters are 1 em wide, ASCII about 0.6 em.
  const ems = (l: string): number => [...l].reduce((s, c) => s + (c.charCodeAt(0) > 0x2e80 ? 1 : 0.62), 0);
  const width = spec.width ?? Math.round(Math.max(...spec.lines.map(ems)) * fs + fs);
  const height = lineH * spec.lines.length + fs;
  const texts = spec.lines
    .map((l, i) => `<text x="${fs / 2}" y="${fs / 2 + (i + 1) * lineH - fs * 0.35}" font-size="${fs}" font-family="Droid Sans Fallback, Noto Sans CJK SC, sans-serif" fill="${spec.colour ?? '#101010'}">${esc(l)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${spec.background ?? '#f4f1e6'}"/>${texts}</svg>`;
  const img = await readImageBgr(await sharp(Buffer.from(svg)).png().toBuffer());
  return { data: img.data, width: img.width, height: img.height };
}
