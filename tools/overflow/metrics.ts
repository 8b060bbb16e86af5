// Offline: confusion counts of the overflow classifier's scores (training tool, eval, tests).

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

/** Counts and rates of `probs` (scores) against labels `ys` (1 = positive), positive when score ≥ `threshold`. */
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
