// Agreement of a model's detections with a reference model's (the float model) on the same
// frames: per class, reference boxes matched one-to-one greedily by IoU (highest first, same
// class, IoU ≥ 0.5), then precision = matched / test boxes, recall = matched / reference boxes,
// F1 = 2PR / (P + R) (the usual detection-matching F1, as in the PASCAL VOC protocol).
import type { Box, Detection } from '../../src/inference/types.ts';

export interface ClassAgreement {
  className: string;
  reference: number;
  test: number;
  matched: number;
  f1: number;
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** Per-class agreement over frames; `reference[i]` and `test[i]` are the same frame. */
export function agreement(reference: Detection[][], test: Detection[][], classNames: string[], minIou = 0.5): ClassAgreement[] {
  return classNames.map((className) => {
    let nRef = 0;
    let nTest = 0;
    let matched = 0;
    reference.forEach((refAll, i) => {
      const ref = refAll.filter((d) => d.className === className);
      const tst = test[i]!.filter((d) => d.className === className);
      nRef += ref.length;
      nTest += tst.length;
      const pairs: Array<[number, number, number]> = [];
      ref.forEach((r, a) => tst.forEach((t, b) => {
        const o = iou(r.box, t.box);
        if (o >= minIou) pairs.push([o, a, b]);
      }));
      pairs.sort((p, q) => q[0] - p[0]);
      const usedRef = new Set<number>();
      const usedTest = new Set<number>();
      for (const [, a, b] of pairs) {
        if (usedRef.has(a) || usedTest.has(b)) continue;
        usedRef.add(a);
        usedTest.add(b);
        matched++;
      }
    });
    const p = nTest ? matched / nTest : 1;
    const r = nRef ? matched / nRef : 1;
    return { className, reference: nRef, test: nTest, matched, f1: p + r > 0 ? (2 * p * r) / (p + r) : 0 };
  });
}
