// The overflow photo set: file listing, and the hold-out recorded in a trained head file, so the
// training script, the eval and the tests agree on which photos were never trained on.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { seededRandom } from '../../src/util/random.ts';
import type { HeadFileT } from '../../src/analytics/overflow/head.ts';
import { z } from 'zod';
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


/** The hold-out photos a head file records (training.split.holdout, paths under `dir`). */
export function holdoutOf(head: HeadFileT, dir = OVERFLOW_DATA_DIR): Sample[] {
  const names = z.array(z.string()).parse((head.training.split as { holdout?: unknown } | undefined)?.holdout);
  return names.map((n) => ({ file: path.join(dir, n), label: n.startsWith('dirty/') ? 1 : 0 }));
}

export function shuffle<T>(items: T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
