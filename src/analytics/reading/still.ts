// Everything readable in one picture: the OCR lines, the phone numbers on them and the plates
// of the vehicles in it. What `huiyan read` prints: an engineer checks a camera's view with
// it, an officer a poster.
import type { BgrImage } from '../../ingest/types.ts';
import type { Detector } from '../../inference/types.ts';
import { iou } from '../geometry.ts';
import { readPhoneNumbers, type PhoneReading } from './phone-numbers.ts';
import type { PlateRead, PlateReader } from './plate-reader.ts';
import { readTextLines, type OcrModels, type TextLine } from './text-lines.ts';

export interface StillModels extends OcrModels {
  /** Object detector whose `vehicle`/`truck` boxes get a plate read (YOLOX-nano). */
  objects: Detector;
  plates: PlateReader;
}

export interface StillReading {
  lines: TextLine[];
  phones: PhoneReading[];
  /** One per vehicle whose plate was read; `vehicle` is the detector's box and class. */
  plates: Array<PlateRead & { vehicle: { className: string; score: number; box: [number, number, number, number] } }>;
}

/** Reads `image` (BGR, pixels; every box comes back in these pixels). */
export async function readStill(image: BgrImage, models: StillModels, opts: { areaCode?: string } = {}): Promise<StillReading> {
  const lines = await readTextLines(image, models);
  const phones = readPhoneNumbers(lines, opts);
  const vehicles = (await models.objects.detect(image)).filter((d) => d.label === 'vehicle' || d.label === 'truck').sort((a, b) => b.score - a.score);
  const plates: StillReading['plates'] = [];
  for (const v of vehicles) {
    // The same vehicle under two classes (bus and car) is read once.
    if (plates.some((p) => iou(p.vehicle.box, v.box) > 0.7)) continue;
    const r = await models.plates.read(image, v.box);
    if (r && !plates.some((p) => p.plate === r.plate && iou(p.box, r.box) > 0.5)) plates.push({ ...r, vehicle: { className: v.className, score: v.score, box: v.box } });
  }
  return { lines, phones, plates };
}
