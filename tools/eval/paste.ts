// Composite imagery for evaluation: crops of real photos pasted into real frames, for the
// violations no real footage here shows (a stall, debris, a poster).
import sharp from 'sharp';
import type { BgrImage } from '../../src/ingest/types.ts';
import { readImageBgr } from '../../src/inference/image.ts';

/** A BGR patch cut from an image file, optionally resized. */
export async function loadPatch(file: string, crop?: { left: number; top: number; width: number; height: number }, scale = 1): Promise<BgrImage> {
  let p = sharp(file).removeAlpha();
  if (crop) p = p.extract(crop);
  const buf = await p.png().toBuffer();
  const meta = await sharp(buf).metadata();
  const w = Math.round(meta.width! * scale);
  const h = Math.round(meta.height! * scale);
  const img = await readImageBgr(await sharp(buf).resize(w, h, { fit: 'fill' }).png().toBuffer());
  return { data: img.data, width: img.width, height: img.height };
}

/**
 * Pastes `patch` at (x, y) into a copy of `frame`. `feather` px at the border blend into the
 * frame, so the detector sees no hard rectangle edge.
 */
export function paste(frame: BgrImage, patch: BgrImage, x: number, y: number, feather = 0): BgrImage {
  const out = Buffer.from(frame.data);
  for (let py = 0; py < patch.height; py++) {
    const fy = y + py;
    if (fy < 0 || fy >= frame.height) continue;
    for (let px = 0; px < patch.width; px++) {
      const fx = x + px;
      if (fx < 0 || fx >= frame.width) continue;
      const edge = Math.min(px, py, patch.width - 1 - px, patch.height - 1 - py);
      const a = feather > 0 ? Math.min(1, (edge + 1) / feather) : 1;
      const fi = (fy * frame.width + fx) * 3;
      const pi = (py * patch.width + px) * 3;
      for (let c = 0; c < 3; c++) out[fi + c] = Math.round(a * patch.data[pi + c]! + (1 - a) * out[fi + c]!);
    }
  }
  return { data: out, width: frame.width, height: frame.height };
}
