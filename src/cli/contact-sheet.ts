// Annotated pictures: detection boxes and labels drawn as an SVG overlay with sharp, and a
// grid ("contact sheet") of annotated frames.
import sharp from 'sharp';
import type { BgrImage } from '../ingest/types.ts';
import { bgrToRgb } from '../inference/image.ts';
import type { Detection } from '../inference/types.ts';

const colours: Record<string, string> = {
  person: '#ff3b30',
  'vendor-object': '#ff9500',
  vehicle: '#34c759',
  truck: '#0a84ff',
  text: '#ffd60a',
  face: '#bf5af2',
};

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** SVG with one rectangle and label per detection; `scale` maps source pixels to the picture. */
export function detectionsSvg(width: number, height: number, dets: Detection[], scale = 1, caption?: string): string {
  const parts = dets.map((d) => {
    const [x1, y1, x2, y2] = d.box.map((v) => v * scale) as [number, number, number, number];
    const c = colours[d.label] ?? '#e5e5ea';
    const text = `${d.className} ${(d.score * 100).toFixed(0)}%`;
    const ty = y1 > 14 ? y1 - 3 : y2 + 12;
    return (
      `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="none" stroke="${c}" stroke-width="2"/>` +
      `<text x="${x1.toFixed(1)}" y="${ty.toFixed(1)}" fill="${c}" font-size="11" font-family="sans-serif" stroke="#000" stroke-width="0.4">${esc(text)}</text>`
    );
  });
  if (caption) {
    parts.push(`<rect x="0" y="${height - 16}" width="${width}" height="16" fill="#000" fill-opacity="0.6"/>`);
    parts.push(`<text x="4" y="${height - 4}" fill="#fff" font-size="11" font-family="sans-serif">${esc(caption)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** The image with its detections drawn on it, as PNG. */
export function annotate(image: BgrImage, dets: Detection[], scale = 1, caption?: string): Promise<Buffer> {
  return sharp(bgrToRgb(image), { raw: { width: image.width, height: image.height, channels: 3 } })
    .composite([{ input: Buffer.from(detectionsSvg(image.width, image.height, dets, scale, caption)) }])
    .png()
    .toBuffer();
}

export interface Tile {
  image: BgrImage;
  detections: Detection[];
  /** Source pixels → tile pixels. */
  scale: number;
  caption: string;
}

/** Up to `columns` tiles per row, each annotated; returns a JPEG. */
export async function contactSheet(tiles: Tile[], columns = 4): Promise<Buffer> {
  if (tiles.length === 0) throw new Error('contact sheet needs at least one frame');
  const cols = Math.min(columns, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  const tw = Math.max(...tiles.map((t) => t.image.width));
  const th = Math.max(...tiles.map((t) => t.image.height));
  const gap = 4;
  const pngs = await Promise.all(tiles.map((t) => annotate(t.image, t.detections, t.scale, t.caption)));
  return sharp({ create: { width: cols * tw + (cols + 1) * gap, height: rows * th + (rows + 1) * gap, channels: 3, background: '#202020' } })
    .composite(pngs.map((input, i) => ({ input, left: gap + (i % cols) * (tw + gap), top: gap + Math.floor(i / cols) * (th + gap) })))
    .jpeg({ quality: 85 })
    .toBuffer();
}
