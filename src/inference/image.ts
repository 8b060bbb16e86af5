// Raw BGR image helpers shared by every stage: decode a file into packed BGR (what ffmpeg's
// bgr24 gives the hot path), crop, and convert back for sharp when drawing or encoding.
import sharp from 'sharp';
import type { BgrImage } from '../ingest/types.ts';
import type { Box } from './types.ts';

export type { BgrImage };

/** A decoded image plus how it relates to the original picture. */
export interface DecodedImage extends BgrImage {
  sourceWidth: number;
  sourceHeight: number;
  /** image pixels / source pixels (1 when not resized). */
  scale: number;
}

export interface Fit {
  width: number;
  height: number;
}

/** Largest size with the same aspect ratio that fits inside W×H. */
export function scaleToFit(w: number, h: number, W: number, H: number): { width: number; height: number; scale: number } {
  const scale = Math.min(W / w, H / h);
  return {
    width: Math.max(1, Math.min(W, Math.round(w * scale))),
    height: Math.max(1, Math.min(H, Math.round(h * scale))),
    scale,
  };
}

/** Swaps R and B in place (sharp speaks RGB, the detectors and ffmpeg bgr24 speak BGR). */
function swapRB(data: Buffer): void {
  for (let i = 0; i + 2 < data.length; i += 3) {
    const t = data[i]!;
    data[i] = data[i + 2]!;
    data[i + 2] = t;
  }
}

/**
 * Decodes a JPEG/PNG/... (path or bytes) into packed BGR, optionally scaled to fit `fit`
 * (aspect kept). `scale` maps the result back to the source: source = image / scale.
 */
export async function readImageBgr(input: string | Buffer, fit?: Fit): Promise<DecodedImage> {
  const base = sharp(input, { failOn: 'error' }).rotate();
  const meta = await base.metadata();
  // rotate() applies EXIF orientation, which may swap width and height.
  const swapped = (meta.orientation ?? 1) >= 5;
  const sourceWidth = swapped ? meta.height! : meta.width!;
  const sourceHeight = swapped ? meta.width! : meta.height!;
  let pipeline = base.removeAlpha().toColourspace('srgb');
  let scale = 1;
  if (fit) {
    const s = scaleToFit(sourceWidth, sourceHeight, fit.width, fit.height);
    pipeline = pipeline.resize(s.width, s.height, { fit: 'fill' });
    scale = s.width / sourceWidth;
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
  swapRB(data);
  return { data, width: info.width, height: info.height, sourceWidth, sourceHeight, scale };
}

/** Copy of the image in RGB order, for sharp (drawing, encoding). */
export function bgrToRgb(image: BgrImage): Buffer {
  const out = Buffer.from(image.data.subarray(0, image.width * image.height * 3));
  swapRB(out);
  return out;
}

/** Encodes a BGR image as JPEG (evidence, contact sheets). */
export function encodeJpeg(image: BgrImage, quality = 85): Promise<Buffer> {
  return sharp(bgrToRgb(image), { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** Integer crop clamped to the image; returns null when nothing is left. */
export function cropBgr(image: BgrImage, box: Box): BgrImage | null {
  const x1 = Math.max(0, Math.floor(box[0]));
  const y1 = Math.max(0, Math.floor(box[1]));
  const x2 = Math.min(image.width, Math.ceil(box[2]));
  const y2 = Math.min(image.height, Math.ceil(box[3]));
  const w = x2 - x1;
  const h = y2 - y1;
  if (w <= 0 || h <= 0) return null;
  const data = Buffer.allocUnsafe(w * h * 3);
  const rowBytes = w * 3;
  for (let y = 0; y < h; y++) {
    const src = ((y1 + y) * image.width + x1) * 3;
    image.data.copy(data, y * rowBytes, src, src + rowBytes);
  }
  return { data, width: w, height: h };
}

/**
 * Samples the parallelogram with corners p0 (top-left), p1 (top-right), p3 (bottom-left) of
 * `image` into an upright outW×outH picture (bilinear). Used to read rotated text lines.
 */
export function warpRect(image: BgrImage, points: ReadonlyArray<readonly [number, number]>, outW: number, outH: number): BgrImage {
  const [p0, p1, , p3] = points as [readonly [number, number], readonly [number, number], unknown, readonly [number, number]];
  const out = Buffer.alloc(outW * outH * 3);
  const src = image.data;
  const W = image.width, H = image.height;
  // Pixel centres of the output map onto the parallelogram.
  const ux = (p1[0] - p0[0]) / outW, uy = (p1[1] - p0[1]) / outW;
  const vx = (p3[0] - p0[0]) / outH, vy = (p3[1] - p0[1]) / outH;
  let o = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++, o += 3) {
      const sx = p0[0] + (x + 0.5) * ux + (y + 0.5) * vx - 0.5;
      const sy = p0[1] + (x + 0.5) * uy + (y + 0.5) * vy - 0.5;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      const xa = Math.min(W - 1, Math.max(0, x0)), xb = Math.min(W - 1, Math.max(0, x0 + 1));
      const ya = Math.min(H - 1, Math.max(0, y0)), yb = Math.min(H - 1, Math.max(0, y0 + 1));
      const a = (ya * W + xa) * 3, b = (ya * W + xb) * 3, c = (yb * W + xa) * 3, d = (yb * W + xb) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[a + ch]! + (src[b + ch]! - src[a + ch]!) * fx;
        const bot = src[c + ch]! + (src[d + ch]! - src[c + ch]!) * fx;
        out[o + ch] = Math.round(top + (bot - top) * fy);
      }
    }
  }
  return { data: out, width: outW, height: outH };
}
