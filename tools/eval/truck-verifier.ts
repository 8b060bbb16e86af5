// Truck precision before/after the crop verifier on labelled YOLOX `truck` boxes of real
// photos (truck-crops.json): every box is a candidate that could arm the spillage rule;
// the verifier should veto the wrong ones and keep every real truck (same recall).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImageBgr } from '../../src/inference/image.ts';
import type { Box } from '../../src/inference/types.ts';
import type { CropVerifier, RegionClassifier } from '../../src/analytics/verifier/verifier.ts';
import { DATA } from './cases.ts';

export interface TruckCrop {
  file: string;
  box: Box;
  score: number;
  truck: boolean;
}

export async function loadTruckCrops(): Promise<TruckCrop[]> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'truck-crops.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { crops: TruckCrop[] }).crops;
}

export interface TruckScore {
  boxes: number;
  trucks: number;
  before: { kept: number; tp: number; precision: number; recall: number };
  after: { kept: number; tp: number; precision: number; recall: number };
  /** Real trucks the verifier vetoed (file and box). */
  lostTrucks: TruckCrop[];
  msPerCrop: number;
}

/** Classifies every crop once and applies the verifier's `truck` check. */
export async function scoreTruckVerifier(classifier: RegionClassifier, verifier: CropVerifier, crops?: TruckCrop[]): Promise<TruckScore> {
  const set = crops ?? (await loadTruckCrops());
  let tp = 0;
  let kept = 0;
  let ms = 0;
  const lost: TruckCrop[] = [];
  for (const c of set) {
    const img = await readImageBgr(path.join(DATA, c.file));
    const t0 = performance.now();
    const { probs } = await classifier.classify(img, c.box);
    ms += performance.now() - t0;
    const v = verifier.judge('truck', probs);
    if (v?.decision === 'vetoed') {
      if (c.truck) lost.push(c);
      continue;
    }
    kept++;
    if (c.truck) tp++;
  }
  const trucks = set.filter((c) => c.truck).length;
  return {
    boxes: set.length,
    trucks,
    before: { kept: set.length, tp: trucks, precision: trucks / set.length, recall: 1 },
    after: { kept, tp, precision: kept ? tp / kept : 1, recall: tp / trucks },
    lostTrucks: lost,
    msPerCrop: ms / set.length,
  };
}
