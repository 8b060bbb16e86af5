// The overflow rule over held-out photos: each photo is a bin-point camera held for a few
// samples (dwell 2 s); an alert on a "dirty" photo is a true positive.
import { Camera } from '../../src/config/schema.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import { AnalyticsEngine } from '../../src/analytics/engine.ts';
import { holdoutOf, type Sample } from '../overflow/dataset.ts';
import type { HeadFileT } from '../../src/analytics/overflow/head.ts';
import type { OverflowScorer } from '../../src/analytics/rules/overflow.ts';
import { BASE_TIME } from './cases.ts';

export interface OverflowEval {
  photos: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  cleared: number;
}

/** Every `step`-th photo of the grouped hold-out the head records (step 1 = all of them). */
export function heldOutPhotos(head: HeadFileT, step = 1): Sample[] {
  return holdoutOf(head).filter((_, i) => i % step === 0);
}

export async function evalOverflowHoldout(scorer: OverflowScorer, photos: Sample[]): Promise<OverflowEval> {
  const r: OverflowEval = { photos: photos.length, tp: 0, fp: 0, fn: 0, tn: 0, cleared: 0 };
  for (const p of photos) {
    const cam = Camera.parse({
      id: 'eval-bin',
      name: 'bin',
      location: { district: 'd', street: 's' },
      source: { kind: 'file', path: p.file },
      rules: ['overflow'],
      zones: [{ id: 'bin', type: 'bin-point', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], dwellSeconds: 2, overflowThreshold: 0.5 }],
    });
    const img = await readImageBgr(p.file);
    const prob = await scorer.score(img, [0, 0, img.width, img.height]);
    // The photo does not change between samples: score once, replay the score.
    const engine = new AnalyticsEngine(cam, { overflow: { id: scorer.id, score: async () => prob } });
    let opened = 0;
    for (let t = 0; t <= 4; t++) {
      const ev = await engine.process({ frameTime: BASE_TIME + t * 1000, detections: [], image: img });
      opened += ev.filter((e) => e.event === 'opened').length;
    }
    const alert = opened > 0;
    if (alert && p.label === 1) r.tp++;
    else if (alert) r.fp++;
    else if (p.label === 1) r.fn++;
    else r.tn++;
  }
  return r;
}
