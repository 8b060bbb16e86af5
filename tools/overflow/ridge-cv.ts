// Choosing the overflow head's ridge strength and operating point by grouped k-fold
// cross-validation inside the training part, so the hold-out is only ever used for the final
// figure. Folds come from groupedFolds (near-duplicates never straddle two folds).
import { gram, solveRidge, standardise } from './train.ts';

/**
 * Out-of-fold ridge margins: for each λ, the margin of every photo from the head trained on the
 * other folds (same folds for every λ). `blocks`: see standardise.
 */
export function ridgeCvMargins(xs: Float32Array[], ys: number[], folds: number[], lambdas: number[], blocks?: number[]): number[][] {
  const k = Math.max(...folds) + 1;
  const margins = lambdas.map(() => new Array<number>(ys.length).fill(NaN));
  for (let f = 0; f < k; f++) {
    const tr = ys.flatMap((_, i) => (folds[i] !== f ? [i] : []));
    const te = ys.flatMap((_, i) => (folds[i] === f ? [i] : []));
    const { mean, std, zs } = standardise(tr.map((i) => xs[i]!), blocks);
    const dims = mean.length;
    const t = tr.map((i) => 2 * ys[i]! - 1);
    const tMean = t.reduce((s, v) => s + v, 0) / t.length;
    const kTr = gram(zs, dims);
    // Cross-kernel of the held-out fold against the training rows.
    const kTe = te.map((i) => {
      const z = Float64Array.from(xs[i]!, (v, j) => (v - mean[j]!) / std[j]!);
      return zs.map((zr) => {
        let s = 0;
        for (let j = 0; j < dims; j++) s += z[j]! * zr[j]!;
        return s / dims;
      });
    });
    lambdas.forEach((lambda, li) => {
      const alpha = solveRidge(kTr, t.map((v) => v - tMean), lambda);
      kTe.forEach((row, r) => {
        margins[li]![te[r]!] = row.reduce((s, v, c) => s + v * alpha[c]!, tMean);
      });
    });
  }
  return margins;
}

/**
 * The operating point for precision: the lowest margin threshold at which the photos scored at
 * or above it are overflowing with precision ≥ `minPrecision` (so recall is as high as that
 * precision allows). Returns Infinity when no threshold reaches it.
 */
export function thresholdForPrecision(margins: number[], ys: number[], minPrecision: number): number {
  const order = margins.map((m, i) => [m, ys[i]!] as const).sort((a, b) => b[0] - a[0]);
  let tp = 0;
  let best = Infinity;
  for (let i = 0; i < order.length; i++) {
    if (order[i]![1] === 1) tp++;
    // Only between distinct margins can a threshold separate photos.
    if (i + 1 < order.length && order[i + 1]![0] === order[i]![0]) continue;
    if (tp / (i + 1) >= minPrecision) best = order[i]![0];
  }
  return best;
}
