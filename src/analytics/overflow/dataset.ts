// The overflow photo set: file listing and a fixed-seed stratified hold-out split, shared by
// the training script and the test so both agree on which photos were never trained on.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../inference/manifest.ts';
import { seededRandom } from '../../util/random.ts';
export { seededRandom };

export const OVERFLOW_DATA_DIR = path.resolve(PROJECT_ROOT, '../shared/data/overflow/train');

export interface Sample {
  file: string;
  /** 1 = overflowing ("dirty"), 0 = clean. */
  label: 0 | 1;
}

export function listSamples(dir = OVERFLOW_DATA_DIR): Sample[] {
  const pick = (sub: string, label: 0 | 1): Sample[] =>
    readdirSync(path.join(dir, sub))
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
      .map((f) => ({ file: path.join(dir, sub, f), label }));
  return [...pick('clean', 0), ...pick('dirty', 1)];
}


export function shuffle<T>(items: T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Stratified split: the same fraction of each class held out, chosen by a fixed seed. */
export function stratifiedSplit(samples: Sample[], holdoutFraction = 0.2, seed = 20240601): { train: Sample[]; holdout: Sample[] } {
  const rand = seededRandom(seed);
  const train: Sample[] = [];
  const holdout: Sample[] = [];
  for (const label of [0, 1] as const) {
    const cls = shuffle(samples.filter((s) => s.label === label), rand);
    const n = Math.round(cls.length * holdoutFraction);
    holdout.push(...cls.slice(0, n));
    train.push(...cls.slice(n));
  }
  return { train, holdout };
}
