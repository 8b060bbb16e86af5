// YOLOX decoder (Megvii export, output [1, rows, 5 + C]). Rows run stride 8, 16, 32, each grid
// row-major; objectness and class scores come sigmoided. Objectness is tested first so only
// the few rows that can pass the threshold pay for the class arg-max and the exp().
import type { LetterboxLayout } from './preprocess.ts';
import { OnnxDetector, type Outputs } from './onnx-detector.ts';

export const YOLOX_STRIDES = [8, 16, 32] as const;

/** Grid x, y and stride per output row, for an input of W×H. */
export interface Grid {
  key: string;
  x: Float32Array;
  y: Float32Array;
  stride: Float32Array;
}

export function buildGrid(W: number, H: number, strides: readonly number[] = YOLOX_STRIDES): Grid {
  let n = 0;
  for (const s of strides) n += Math.floor(W / s) * Math.floor(H / s);
  const g: Grid = { key: `${W}x${H}`, x: new Float32Array(n), y: new Float32Array(n), stride: new Float32Array(n) };
  let i = 0;
  for (const s of strides) {
    const gw = Math.floor(W / s), gh = Math.floor(H / s);
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++, i++) {
        g.x[i] = x;
        g.y[i] = y;
        g.stride[i] = s;
      }
    }
  }
  return g;
}

export class YoloxDetector extends OnnxDetector {
  private grid: Grid | null = null;

  protected decode(outputs: Outputs, layout: LetterboxLayout): void {
    const out = outputs[this.session.outputNames[0]!]!;
    const data = out.data as Float32Array;
    const rows = out.dims[1]!;
    const width = out.dims[2]!;
    const classes = width - 5;
    const key = `${layout.width}x${layout.height}`;
    if (this.grid?.key !== key) this.grid = buildGrid(layout.width, layout.height);
    const g = this.grid;
    if (g.x.length !== rows) throw new Error(`${this.modelId}: ${rows} output rows, expected ${g.x.length} for ${key}`);
    const thr = this.scoreThreshold;
    const c = this.candidates;
    for (let r = 0, o = 0; r < rows; r++, o += width) {
      const obj = data[o + 4]!;
      if (obj < thr) continue; // score = obj · cls ≤ obj
      let best = 0;
      let cls = 0;
      for (let k = 0; k < classes; k++) {
        const v = data[o + 5 + k]!;
        if (v > best) {
          best = v;
          cls = k;
        }
      }
      const score = obj * best;
      if (score < thr) continue;
      const s = g.stride[r]!;
      const cx = (data[o]! + g.x[r]!) * s;
      const cy = (data[o + 1]! + g.y[r]!) * s;
      const hw = Math.exp(data[o + 2]!) * s * 0.5;
      const hh = Math.exp(data[o + 3]!) * s * 0.5;
      c.push(cx - hw, cy - hh, cx + hw, cy + hh, score, cls);
    }
  }
}
