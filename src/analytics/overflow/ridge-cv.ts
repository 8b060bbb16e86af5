// Choosing the ridge strength of the overflow head by stratified k-fold cross-validation
// inside the training part, so the hold-out is only ever used for the final figure.
import { seededRandom } from './dataset.ts';
import { gram, solveRidge, standardise } from './head.ts';

/** Mean k-fold accuracy of the ridge head for each λ (same folds for every λ). */
export function ridgeCvAccuracy(xs: Float32Array[], ys: number[], lambdas: number[], k = 5, seed = 11): number[] {
  const rand = seededRandom(seed);
  const fold = new Array<number>(ys.length);
  for (const label of [0, 1]) {
    const idx = ys.flatMap((y, i) => (y === label ? [i] : []));
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    idx.forEach((i, r) => (fold[i] = r % k));
  }
  const acc = new Array<number>(lambdas.length).fill(0);
  for (let f = 0; f < k; f++) {
    const tr = ys.flatMap((_, i) => (fold[i] !== f ? [i] : []));
    const te = ys.flatMap((_, i) => (fold[i] === f ? [i] : []));
    const { mean, std, zs } = standardise(tr.map((i) => xs[i]!));
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
      let right = 0;
      kTe.forEach((row, r) => {
        const margin = row.reduce((s, v, c) => s + v * alpha[c]!, tMean);
        if ((margin > 0 ? 1 : 0) === ys[te[r]!]) right++;
      });
      acc[li]! += right / te.length / k;
    });
  }
  return acc;
}
