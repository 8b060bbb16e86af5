// NanoDet-m decoder: per stride, cls [1,N,C] (sigmoided) and dis [1,N,4·8] (a distribution of
// 8 bins per side). The class arg-max runs first; the softmax only for rows that pass.
import type { LetterboxLayout } from './preprocess.ts';
import { OnnxDetector, type Outputs } from './onnx-detector.ts';

const STRIDES = [8, 16, 32] as const;
const BINS = 8;

export class NanodetDetector extends OnnxDetector {
  private readonly side = new Float32Array(4);

  protected decode(outputs: Outputs, layout: LetterboxLayout): void {
    const thr = this.scoreThreshold;
    const c = this.candidates;
    for (const s of STRIDES) {
      const clsT = outputs[`cls_pred_stride_${s}`]!;
      const cls = clsT.data as Float32Array;
      const dis = outputs[`dis_pred_stride_${s}`]!.data as Float32Array;
      const n = clsT.dims[1]!;
      const classes = clsT.dims[2]!;
      const cols = Math.ceil(layout.width / s);
      for (let i = 0, o = 0; i < n; i++, o += classes) {
        let best = thr;
        let k = -1;
        for (let j = 0; j < classes; j++) {
          const v = cls[o + j]!;
          if (v > best) {
            best = v;
            k = j;
          }
        }
        if (k < 0) continue;
        const x = i % cols;
        const y = (i - x) / cols;
        const cx = x * s + (s - 1) / 2;
        const cy = y * s + (s - 1) / 2;
        this.distances(dis, i * 4 * BINS, s);
        const d = this.side;
        c.push(cx - d[0]!, cy - d[1]!, cx + d[2]!, cy + d[3]!, best, k);
      }
    }
  }

  /** Expected value of each side's softmax distribution, in pixels (left, top, right, bottom). */
  private distances(dis: Float32Array, base: number, stride: number): void {
    for (let side = 0; side < 4; side++) {
      const o = base + side * BINS;
      let max = -Infinity;
      for (let b = 0; b < BINS; b++) if (dis[o + b]! > max) max = dis[o + b]!;
      let sum = 0;
      let acc = 0;
      for (let b = 0; b < BINS; b++) {
        const e = Math.exp(dis[o + b]! - max);
        sum += e;
        acc += e * b;
      }
      this.side[side] = (acc / sum) * stride;
    }
  }
}
