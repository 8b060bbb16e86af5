// The small trainable part of the overflow classifier: standardisation + a 1-hidden-layer
// MLP (ReLU) with a sigmoid output, trained with Adam on frozen backbone features.
// Stored as JSON (a few hundred kB) so it can be committed and reviewed.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { seededRandom } from './dataset.ts';

export const HeadFile = z.object({
  kind: z.literal('overflow-head'),
  version: z.literal(1),
  backbone: z.object({ modelId: z.string(), sha256: z.string(), tensors: z.array(z.string()) }),
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
});
export type HeadFileT = z.infer<typeof HeadFile>;

export async function loadHead(file: string): Promise<HeadFileT> {
  return HeadFile.parse(JSON.parse(await readFile(file, 'utf8')));
}

/** Probability that the features show an overflowing bin. */
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

export interface TrainOptions {
  hidden?: number;
  epochs?: number;
  lr?: number;
  l2?: number;
  batch?: number;
  seed?: number;
}

/** Mini-batch Adam on binary cross-entropy, with class weights to balance 1005 vs 610. */
export function trainHead(
  xs: Float32Array[],
  ys: number[],
  opts: TrainOptions = {},
): Omit<HeadFileT, 'backbone' | 'training' | 'kind' | 'version'> {
  const hidden = opts.hidden ?? 64;
  const epochs = opts.epochs ?? 60;
  const lr = opts.lr ?? 1e-3;
  const l2 = opts.l2 ?? 1e-3;
  const batch = opts.batch ?? 32;
  const rand = seededRandom(opts.seed ?? 7);
  const n = xs.length;
  const dims = xs[0]!.length;

  const mean = new Array<number>(dims).fill(0);
  const std = new Array<number>(dims).fill(0);
  for (const x of xs) for (let j = 0; j < dims; j++) mean[j]! += x[j]!;
  for (let j = 0; j < dims; j++) mean[j]! /= n;
  for (const x of xs) for (let j = 0; j < dims; j++) std[j]! += (x[j]! - mean[j]!) ** 2;
  for (let j = 0; j < dims; j++) std[j] = Math.sqrt(std[j]! / n) || 1;
  const zs = xs.map((x) => Float64Array.from(x, (v, j) => (v - mean[j]!) / std[j]!));

  const pos = ys.filter((y) => y === 1).length;
  const weightOf = (y: number): number => (y === 1 ? n / (2 * pos) : n / (2 * (n - pos)));

  // Parameters, packed in one vector for a single Adam state: w1 | b1 | w2 | b2.
  const nW1 = hidden * dims;
  const P = nW1 + hidden + hidden + 1;
  const p = new Float64Array(P);
  const scale = Math.sqrt(2 / dims);
  for (let i = 0; i < nW1; i++) p[i] = (rand() * 2 - 1) * scale * Math.sqrt(3);
  for (let h = 0; h < hidden; h++) p[nW1 + hidden + h] = (rand() * 2 - 1) * Math.sqrt(3 / hidden);
  const m = new Float64Array(P);
  const v = new Float64Array(P);
  const g = new Float64Array(P);
  const act = new Float64Array(hidden);
  let step = 0;

  const order = Array.from({ length: n }, (_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let b0 = 0; b0 < n; b0 += batch) {
      g.fill(0);
      const idx = order.slice(b0, b0 + batch);
      for (const i of idx) {
        const z = zs[i]!;
        let out = p[P - 1]!;
        for (let h = 0; h < hidden; h++) {
          let a = p[nW1 + h]!;
          const row = h * dims;
          for (let j = 0; j < dims; j++) a += p[row + j]! * z[j]!;
          act[h] = a > 0 ? a : 0;
          out += p[nW1 + hidden + h]! * act[h]!;
        }
        const prob = 1 / (1 + Math.exp(-out));
        const d = (prob - ys[i]!) * weightOf(ys[i]!) / idx.length;
        g[P - 1]! += d;
        for (let h = 0; h < hidden; h++) {
          if (act[h]! <= 0) continue;
          g[nW1 + hidden + h]! += d * act[h]!;
          const dh = d * p[nW1 + hidden + h]!;
          g[nW1 + h]! += dh;
          const row = h * dims;
          for (let j = 0; j < dims; j++) g[row + j]! += dh * z[j]!;
        }
      }
      step++;
      const b1c = 1 - 0.9 ** step;
      const b2c = 1 - 0.999 ** step;
      for (let k = 0; k < P; k++) {
        const gk = g[k]! + (k < nW1 ? l2 * p[k]! : 0);
        m[k] = 0.9 * m[k]! + 0.1 * gk;
        v[k] = 0.999 * v[k]! + 0.001 * gk * gk;
        p[k]! -= (lr * (m[k]! / b1c)) / (Math.sqrt(v[k]! / b2c) + 1e-8);
      }
    }
  }
  const round = (a: Float64Array | number[]): number[] => Array.from(a, (x) => Math.round(x * 1e6) / 1e6);
  return {
    dims,
    hidden,
    mean: round(mean),
    std: round(std),
    w1: round(p.subarray(0, nW1)),
    b1: round(p.subarray(nW1, nW1 + hidden)),
    w2: round(p.subarray(nW1 + hidden, nW1 + 2 * hidden)),
    b2: Math.round(p[P - 1]! * 1e6) / 1e6,
  };
}

export interface BinaryMetrics {
  n: number;
  accuracy: number;
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function binaryMetrics(probs: number[], ys: number[], threshold = 0.5): BinaryMetrics {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  probs.forEach((p, i) => {
    const yhat = p >= threshold ? 1 : 0;
    if (yhat === 1 && ys[i] === 1) tp++;
    else if (yhat === 1) fp++;
    else if (ys[i] === 1) fn++;
    else tn++;
  });
  const n = probs.length;
  return { n, accuracy: (tp + tn) / n, precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn), tp, fp, tn, fn };
}

/**
 * Linear ridge classifier on standardised features (targets ±1), solved in the dual because
 * there are more features than photos: alpha = (K + λI)⁻¹ (t − t̄) with K = Z Zᵀ / dims, and
 * w = Zᵀ alpha / dims. Far less prone to overfit than the MLP on 1.3k photos. Stored in the
 * MLP file format with two hidden units (+w and −w, output weights +1/−1), since
 * relu(a) − relu(−a) = a, so `predict` and the file schema stay as they are; the sigmoid of
 * the margin is the score (0.5 = the ridge decision boundary).
 */
export function trainRidgeHead(xs: Float32Array[], ys: number[], lambda: number): Omit<HeadFileT, 'backbone' | 'training' | 'kind' | 'version'> {
  const { mean, std, zs } = standardise(xs);
  const n = zs.length;
  const dims = mean.length;
  const tMean = ys.reduce((s, y) => s + (2 * y - 1), 0) / n;
  const alpha = solveRidge(gram(zs, dims), ys.map((y) => 2 * y - 1 - tMean), lambda);
  const w = new Float64Array(dims);
  zs.forEach((z, i) => {
    for (let j = 0; j < dims; j++) w[j]! += (alpha[i]! * z[j]!) / dims;
  });
  const round = (x: number): number => Math.round(x * 1e8) / 1e8;
  return {
    dims,
    hidden: 2,
    mean: mean.map(round),
    std: std.map(round),
    w1: [...Array.from(w, round), ...Array.from(w, (v) => round(-v))],
    b1: [tMean, -tMean].map(round),
    w2: [1, -1],
    b2: 0,
  };
}

/** Mean/std of the columns and the standardised rows. */
export function standardise(xs: Float32Array[]): { mean: number[]; std: number[]; zs: Float64Array[] } {
  const n = xs.length;
  const dims = xs[0]!.length;
  const mean = new Array<number>(dims).fill(0);
  const std = new Array<number>(dims).fill(0);
  for (const x of xs) for (let j = 0; j < dims; j++) mean[j]! += x[j]!;
  for (let j = 0; j < dims; j++) mean[j]! /= n;
  for (const x of xs) for (let j = 0; j < dims; j++) std[j]! += (x[j]! - mean[j]!) ** 2;
  for (let j = 0; j < dims; j++) std[j] = Math.sqrt(std[j]! / n) + 1e-6;
  return { mean, std, zs: xs.map((x) => Float64Array.from(x, (v, j) => (v - mean[j]!) / std[j]!)) };
}

export function gram(zs: Float64Array[], dims: number): Float64Array[] {
  const n = zs.length;
  const k = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      const a = zs[i]!;
      const b = zs[j]!;
      for (let d = 0; d < dims; d++) s += a[d]! * b[d]!;
      k[i]![j] = k[j]![i] = s / dims;
    }
  }
  return k;
}

/** Cholesky solve of (K + λI) x = t; K is symmetric positive semi-definite. */
export function solveRidge(k: Float64Array[], t: number[], lambda: number): Float64Array {
  const n = t.length;
  const l = Array.from({ length: n }, (_, i) => Float64Array.from(k[i]!));
  for (let i = 0; i < n; i++) l[i]![i]! += lambda;
  for (let j = 0; j < n; j++) {
    const lj = l[j]!;
    let d = lj[j]!;
    for (let p = 0; p < j; p++) d -= lj[p]! * lj[p]!;
    lj[j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      const li = l[i]!;
      let s = li[j]!;
      for (let p = 0; p < j; p++) s -= li[p]! * lj[p]!;
      li[j] = s / lj[j]!;
    }
  }
  const yv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = t[i]!;
    for (let p = 0; p < i; p++) s -= l[i]![p]! * yv[p]!;
    yv[i] = s / l[i]![i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = yv[i]!;
    for (let p = i + 1; p < n; p++) s -= l[p]![i]! * x[p]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}
