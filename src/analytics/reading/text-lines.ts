// PP-OCR on a picture: text regions from the detector, each read by the recogniser, in
// reading order (top to bottom, then left to right within a line's height).
import type { BgrImage } from '../../ingest/types.ts';
import type { Box, Detector } from '../../inference/types.ts';
import type { TextReader } from '../rules/ads.ts';

export interface TextLine {
  text: string;
  /** Recogniser's mean character probability (0..1). */
  score: number;
  /** Text detector's score for the region. */
  detScore: number;
  /** Region in image pixels. */
  box: Box;
}

export interface OcrModels {
  /** PP-OCR det (label `text`). */
  text: Detector;
  reader: TextReader;
}

/**
 * Detects and reads every text line of `image` (pixels; boxes come back in the same
 * pixels). Empty reads are dropped. Cost: one det pass + one rec pass per region.
 */
export async function readTextLines(image: BgrImage, models: OcrModels): Promise<TextLine[]> {
  const regions = (await models.text.detect(image)).filter((d) => d.label === 'text');
  const out: TextLine[] = [];
  for (const r of sortReadingOrder(regions)) {
    const read = await models.reader.recognize(image, r.box, r.points);
    const text = read.text.trim();
    if (text) out.push({ text, score: read.score, detScore: r.score, box: r.box });
  }
  return out;
}

/** Top to bottom; boxes whose vertical centres lie within half a line height count as one row, read left to right. */
export function sortReadingOrder<T extends { box: Box }>(items: readonly T[]): T[] {
  const byTop = [...items].sort((a, b) => a.box[1] + a.box[3] - (b.box[1] + b.box[3]));
  const rows: T[][] = [];
  for (const it of byTop) {
    const cy = (it.box[1] + it.box[3]) / 2;
    const h = it.box[3] - it.box[1];
    const row = rows[rows.length - 1];
    const ref = row?.[0];
    if (row && ref && Math.abs(cy - (ref.box[1] + ref.box[3]) / 2) < Math.min(h, ref.box[3] - ref.box[1]) / 2) row.push(it);
    else rows.push([it]);
  }
  return rows.flatMap((r) => r.sort((a, b) => a.box[0] - b.box[0]));
}
