// The shareable copy of a frame: bystanders' faces blurred (数据脱敏). The sealed original
// stays in the bundle for the legal file; only this copy leaves it.
import sharp, { type OverlayOptions } from 'sharp';
import type { Box, Detection, Detector } from '../inference/types.ts';

/** Longest side handed to the face detector; bigger frames are scaled down first. */
const DETECT_MAX_SIDE = 1280;

export interface FaceFinding {
  box: Box;
  score: number;
}

/** Runs the face detector on a JPEG and returns face boxes in the JPEG's own pixels. */
export async function findFaces(jpeg: Buffer, detector: Detector, minScore = 0.6): Promise<FaceFinding[]> {
  const meta = await sharp(jpeg).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const scale = Math.min(1, DETECT_MAX_SIDE / Math.max(w, h));
  const { data, info } = await sharp(jpeg)
    .resize(Math.round(w * scale), Math.round(h * scale), { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // sharp gives RGB; detectors take BGR like ffmpeg's bgr24.
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i];
    data[i] = data[i + 2];
    data[i + 2] = r;
  }
  const found: Detection[] = await detector.detect({ data, width: info.width, height: info.height }, scale);
  return found.filter((d) => d.score >= minScore).map((d) => ({ box: d.box, score: d.score }));
}

/**
 * How a region is made unreadable. `face`: grown by `margin` of its width and height, pixelated to
 * 12 × 12 blocks, smoothed back up and blurred (no facial detail survives). `text`: grown by
 * `margin` of its height on every side (OCR and plate boxes sit tight on the glyphs), mosaicked
 * to cells a quarter of its height (a plate or a text line ends up ~4 cells high), blurred at the
 * cell edges.
 */
export type ObscureStyle = 'face' | 'text';

/**
 * A copy of `jpeg` (quality `quality`) with each box (its pixels) obscured in `style`, clipped
 * to the image; boxes smaller than 2 px after clipping are skipped. No box: `jpeg` itself.
 * Throws only on an undecodable image.
 */
export async function obscureRegions(jpeg: Buffer, boxes: Box[], style: ObscureStyle, margin: number, quality: number): Promise<Buffer> {
  if (boxes.length === 0) return jpeg;
  const meta = await sharp(jpeg).metadata();
  const W = meta.width ?? 0;
  const H = meta.height ?? 0;
  const layers: OverlayOptions[] = [];
  for (const [x1, y1, x2, y2] of boxes) {
    const mx = (style === 'face' ? x2 - x1 : y2 - y1) * margin;
    const my = (y2 - y1) * margin;
    const left = Math.max(0, Math.floor(x1 - mx));
    const top = Math.max(0, Math.floor(y1 - my));
    const width = Math.min(W, Math.ceil(x2 + mx)) - left;
    const height = Math.min(H, Math.ceil(y2 + my)) - top;
    if (width < 2 || height < 2) continue;
    const cell = style === 'face' ? 0 : Math.max(1, Math.round(height / 4));
    const [bw, bh] = style === 'face' ? [width / 12, height / 12] : [width / cell, height / cell];
    const small = await sharp(jpeg)
      .extract({ left, top, width, height })
      .resize(Math.max(1, Math.round(bw)), Math.max(1, Math.round(bh)), { kernel: 'cubic' })
      .toBuffer();
    const patch = await sharp(small)
      .resize(width, height, style === 'face' ? { kernel: 'cubic', fit: 'fill' } : { kernel: 'nearest' })
      .blur(style === 'face' ? Math.max(2, Math.min(width, height) / 8) : Math.max(0.5, cell / 3))
      .toBuffer();
    layers.push({ input: patch, left, top });
  }
  return layers.length ? sharp(jpeg).composite(layers).jpeg({ quality }).toBuffer() : jpeg;
}
