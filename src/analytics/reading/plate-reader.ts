// Reads the licence plate of one vehicle: PP-OCR detection on the vehicle's crop finds the
// text regions, PP-OCR recognition reads them, and the plate format decides which region is
// the plate. No plate-specific model is needed; a plate the recogniser cannot read gives
// nothing rather than a guess.
import type { BgrImage } from '../../ingest/types.ts';
import { cropBgr, warpRect } from '../../inference/image.ts';
import type { Box, Detector } from '../../inference/types.ts';
import type { TextReader } from '../rules/ads.ts';
import { normalisePlate, plateKind, type PlateReading } from './plate.ts';

export interface PlateRead extends PlateReading {
  /** The OCR text the plate came from. */
  text: string;
  /** Plate region in image pixels. */
  box: Box;
}

export interface PlateReaderOptions {
  /** Vehicles narrower than this (image pixels) are skipped: their plate is a few pixels. */
  minVehicleWidth?: number;
  /** Minimum recogniser score (mean character probability) for a read to count; default 0.9. */
  minScore?: number;
}

export class PlateReader {
  private readonly minVehicleWidth: number;
  private readonly minScore: number;
  /** Crops narrower than this are enlarged to it before text detection (pixels). */
  private readonly minDetWidth = 320;

  /** `text`: PP-OCR det (label `text`); `reader`: PP-OCR rec. */
  constructor(
    private readonly text: Detector,
    private readonly reader: TextReader,
    opts: PlateReaderOptions = {},
  ) {
    this.minVehicleWidth = opts.minVehicleWidth ?? 80;
    this.minScore = opts.minScore ?? 0.9;
  }

  /**
   * The plate of the vehicle at `box` (image pixels) in `image`, or undefined. Cost: one
   * PP-OCR det pass on the crop plus one rec pass per text region that could be a plate
   * (aspect ratio 1.5–8, not in the crop's top fifth).
   */
  async read(image: BgrImage, box: Box): Promise<PlateRead | undefined> {
    if (box[2] - box[0] < this.minVehicleWidth) return undefined;
    // PP-OCR det misses text a few pixels high: small vehicles are enlarged (bilinear) first.
    const x1 = Math.max(0, Math.floor(box[0]));
    const y1 = Math.max(0, Math.floor(box[1]));
    const x2 = Math.min(image.width, Math.ceil(box[2]));
    const y2 = Math.min(image.height, Math.ceil(box[3]));
    if (x2 - x1 < 2 || y2 - y1 < 2) return undefined;
    const f = Math.max(1, this.minDetWidth / (x2 - x1));
    const crop =
      f > 1
        ? warpRect(image, [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], Math.round((x2 - x1) * f), Math.round((y2 - y1) * f))
        : cropBgr(image, [x1, y1, x2, y2]);
    if (!crop) return undefined;
    const regions = (await this.text.detect(crop)).filter((d) => {
      const w = d.box[2] - d.box[0];
      const h = d.box[3] - d.box[1];
      return d.label === 'text' && h > 0 && w / h >= 1.5 && w / h <= 8 && d.box[1] >= crop.height * 0.2;
    });
    let best: PlateRead | undefined;
    for (const r of regions) {
      const read = await this.reader.recognize(crop, r.box, r.points);
      const plate = normalisePlate(read.text);
      if (!plate || read.score < this.minScore) continue;
      if (!best || read.score > best.confidence) {
        best = {
          plate,
          kind: plateKind(plate)!,
          confidence: Math.round(read.score * 1000) / 1000,
          text: read.text,
          box: [r.box[0] / f + x1, r.box[1] / f + y1, r.box[2] / f + x1, r.box[3] / f + y1],
        };
      }
    }
    return best;
  }
}
