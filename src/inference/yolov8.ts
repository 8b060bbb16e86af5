// Ultralytics YOLOv8/v11 export decoder: one output [1, 4 + C, N], channel-major, boxes as
// cx, cy, w, h in input pixels, class scores sigmoided, no objectness. The class maximum is
// found by walking each class row once (sequential memory), not each anchor's column.
import type { LetterboxLayout } from './preprocess.ts';
import { OnnxDetector, type Outputs } from './onnx-detector.ts';

export class Yolov8Detector extends OnnxDetector {
  private best = new Float32Array(0);
  private arg = new Int32Array(0);

  protected decode(outputs: Outputs, _layout: LetterboxLayout): void {
    const out = outputs[this.session.outputNames[0]!]!;
    decodeYolov8(out.data as Float32Array, out.dims[1]!, out.dims[2]!, this.scoreThreshold, this.candidates, this);
  }

  /** Scratch buffers reused across frames. */
  scratch(n: number): { best: Float32Array; arg: Int32Array } {
    if (this.best.length < n) {
      this.best = new Float32Array(n);
      this.arg = new Int32Array(n);
    }
    return { best: this.best, arg: this.arg };
  }
}

/** Exported for tests and for models that share the layout. */
export function decodeYolov8(
  data: Float32Array,
  channels: number,
  n: number,
  thr: number,
  c: { push(x1: number, y1: number, x2: number, y2: number, score: number, classId: number): number },
  bufs: { scratch(n: number): { best: Float32Array; arg: Int32Array } },
): void {
  const classes = channels - 4;
  const { best, arg } = bufs.scratch(n);
  best.fill(0, 0, n);
  arg.fill(0, 0, n);
  for (let k = 0; k < classes; k++) {
    const row = (4 + k) * n;
    for (let i = 0; i < n; i++) {
      const v = data[row + i]!;
      if (v > best[i]!) {
        best[i] = v;
        arg[i] = k;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const score = best[i]!;
    if (score < thr) continue;
    const cx = data[i]!, cy = data[n + i]!;
    const hw = data[2 * n + i]! / 2, hh = data[3 * n + i]! / 2;
    c.push(cx - hw, cy - hh, cx + hw, cy + hh, score, arg[i]!);
  }
}
