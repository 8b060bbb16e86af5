// YuNet face decoder (OpenCV zoo 2023mar): dynamic input (multiples of 32), per-stride
// cls/obj/bbox/kps outputs. score = sqrt(cls·obj); five landmarks go into `points`.
import type { LetterboxLayout } from './preprocess.ts';
import { OnnxDetector, type DetectorOptions, type Outputs } from './onnx-detector.ts';
import type { ResolvedModel } from './manifest.ts';
import type { OpenedSession } from './session.ts';

const STRIDES = [8, 16, 32] as const;

export class YunetDetector extends OnnxDetector {
  constructor(model: ResolvedModel, opened: OpenedSession, opts: DetectorOptions = {}) {
    super(model, opened, opts, 5);
    this.dynamicInput = true;
    this.perClassNms = false;
  }

  protected decode(outputs: Outputs, layout: LetterboxLayout): void {
    const thr = this.scoreThreshold;
    const thr2 = thr * thr;
    const c = this.candidates;
    for (const s of STRIDES) {
      const cls = outputs[`cls_${s}`]!.data as Float32Array;
      const obj = outputs[`obj_${s}`]!.data as Float32Array;
      const bbox = outputs[`bbox_${s}`]!.data as Float32Array;
      const kps = outputs[`kps_${s}`]!.data as Float32Array;
      const cols = Math.floor(layout.width / s);
      const n = cls.length;
      for (let i = 0; i < n; i++) {
        const p = clamp01(cls[i]!) * clamp01(obj[i]!);
        if (p < thr2) continue;
        const x = i % cols;
        const y = (i - x) / cols;
        const b = i * 4;
        const cx = (x + bbox[b]!) * s;
        const cy = (y + bbox[b + 1]!) * s;
        const hw = Math.exp(bbox[b + 2]!) * s * 0.5;
        const hh = Math.exp(bbox[b + 3]!) * s * 0.5;
        const idx = c.push(cx - hw, cy - hh, cx + hw, cy + hh, Math.sqrt(p), 0);
        const k = i * 10;
        const q = idx * 10;
        for (let j = 0; j < 10; j += 2) {
          c.points[q + j] = (x + kps[k + j]!) * s;
          c.points[q + j + 1] = (y + kps[k + j + 1]!) * s;
        }
      }
    }
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
