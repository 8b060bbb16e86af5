// Offline: trains the overflow head (tools/train-overflow.ts) and scores it. The runtime only
// reads the result (src/analytics/overflow/head.ts).
import type { HeadFileT } from '../../src/analytics/overflow/head.ts';

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
export function trainRidgeHead(xs: Float32Array[], ys: number[], lambda: number, blocks?: number[]): Omit<HeadFileT, 'features' | 'training' | 'kind' | 'version'> {
  const { mean, std, zs } = standardise(xs, blocks);
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

/**
 * Mean/std of the columns and the standardised rows. With `blocks` (widths of consecutive
 * feature blocks, e.g. one per backbone) each block's std is scaled so that every block adds the
 * same to K = ZZᵀ/dims whatever its width (K = mean of the per-block kernels); `predict` needs
 * no change since the scale lives in the stored std.
 */
export function standardise(xs: Float32Array[], blocks?: number[]): { mean: number[]; std: number[]; zs: Float64Array[] } {
  const n = xs.length;
  const dims = xs[0]!.length;
  const mean = new Array<number>(dims).fill(0);
  const std = new Array<number>(dims).fill(0);
  for (const x of xs) for (let j = 0; j < dims; j++) mean[j]! += x[j]!;
  for (let j = 0; j < dims; j++) mean[j]! /= n;
  for (const x of xs) for (let j = 0; j < dims; j++) std[j]! += (x[j]! - mean[j]!) ** 2;
  for (let j = 0; j < dims; j++) std[j] = Math.sqrt(std[j]! / n) + 1e-6;
  if (blocks) {
    if (blocks.reduce((s, w) => s + w, 0) !== dims) throw new Error(`blocks ${blocks.join('+')} do not add up to ${dims} features`);
    let o = 0;
    for (const w of blocks) {
      const f = Math.sqrt((blocks.length * w) / dims);
      for (let j = o; j < o + w; j++) std[j]! *= f;
      o += w;
    }
  }
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
