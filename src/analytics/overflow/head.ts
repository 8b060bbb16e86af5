// The small trainable part of the overflow classifier as the runtime uses it: standardisation +
// a 1-hidden-layer MLP (ReLU) with a sigmoid output on frozen backbone features, stored as JSON
// so it can be committed and reviewed. Training lives in tools/overflow/train.ts.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FeatureSpec } from './features.ts';

export const HeadFile = z.object({
  kind: z.literal('overflow-head'),
  version: z.literal(2),
  /** What `OverflowFeatures` computes for this head (backbones, pooled tensors, flip averaging). */
  features: FeatureSpec,
  dims: z.number().int().positive(),
  hidden: z.number().int().positive(),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  /** hidden × dims, row-major. */
  w1: z.array(z.number()),
  b1: z.array(z.number()),
  w2: z.array(z.number()),
  b2: z.number(),
  /** How it was trained and what it scored on the hold-out, kept for the evidence record. */
  training: z.record(z.string(), z.unknown()),
}).strict();
export type HeadFileT = z.infer<typeof HeadFile>;

export async function loadHead(file: string): Promise<HeadFileT> {
  return HeadFile.parse(JSON.parse(await readFile(file, 'utf8')));
}

/**
 * Score in 0..1 that the features show an overflowing bin; 0.5 is the head's operating point
 * (the training tool folds the chosen threshold into the bias).
 */
export function predict(head: HeadFileT, x: Float32Array | number[]): number {
  const { dims, hidden, mean, std, w1, b1, w2, b2 } = head;
  const z = new Float64Array(dims);
  for (let j = 0; j < dims; j++) z[j] = (x[j]! - mean[j]!) / std[j]!;
  let out = b2;
  for (let h = 0; h < hidden; h++) {
    let a = b1[h]!;
    const row = h * dims;
    for (let j = 0; j < dims; j++) a += w1[row + j]! * z[j]!;
    if (a > 0) out += w2[h]! * a;
  }
  return 1 / (1 + Math.exp(-out));
}
