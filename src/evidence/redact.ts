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

/** Blurs each box (grown by `margin` of its size) so the face cannot be recognised. */
export async function blurRegions(jpeg: Buffer, boxes: Box[], margin = 0.2, quality = 85): Promise<Buffer> {
  if (boxes.length === 0) return jpeg;
  const meta = await sharp(jpeg).metadata();
  const W = meta.width ?? 0;
  const H = meta.height ?? 0;
  const layers: OverlayOptions[] = [];
  for (const [x1, y1, x2, y2] of boxes) {
    const mx = (x2 - x1) * margin;
    const my = (y2 - y1) * margin;
    const left = Math.max(0, Math.floor(x1 - mx));
    const top = Math.max(0, Math.floor(y1 - my));
    const width = Math.min(W, Math.ceil(x2 + mx)) - left;
    const height = Math.min(H, Math.ceil(y2 + my)) - top;
    if (width < 2 || height < 2) continue;
    // Pixelate to a few blocks, then smooth: nothing of the face's detail survives.
    const small = await sharp(jpeg)
      .extract({ left, top, width, height })
      .resize(Math.max(1, Math.round(width / 12)), Math.max(1, Math.round(height / 12)), { kernel: 'cubic' })
      .toBuffer();
    const patch = await sharp(small)
      .resize(width, height, { kernel: 'cubic', fit: 'fill' })
      .blur(Math.max(2, Math.min(width, height) / 8))
      .toBuffer();
    layers.push({ input: patch, left, top });
  }
  return sharp(jpeg).composite(layers).jpeg({ quality }).toBuffer();
}
